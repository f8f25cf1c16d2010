"""A PBX's own call records as a manifest: Asterisk's CDR CSV (``Master.csv``) and FreePBX's CDR
report export, read where ``--manifest`` names them.

    Master.csv ─read_cdr─▶ [(recording, CallMeta)] ─▶ the manifest's rows (jobs/manifest.py)

Which columns fill which field (docs/recordings.md has the table):

==============  ===================================  ======================================
field           Asterisk ``Master.csv`` (no header)  FreePBX CDR report (header line)
==============  ===================================  ======================================
recording       ``userfield`` if it names a file,    ``recordingfile``
                else files named with ``uniqueid``
agent           the extension of ``dstchannel``       the same (``cnum`` on an outbound
                (inbound) or ``channel`` (outbound)   call)
call_id         ``uniqueid``                          ``uniqueid``
date            ``start`` (``YYYY-MM-DD HH:MM:SS``)  ``calldate``
direction       outbound when ``dcontext`` is an      the same, or ``recordingfile``
                extension's (``from-internal``)       starting ``out-``
==============  ===================================  ======================================

The caller's and callee's numbers are not kept (personal data the review does not need);
``disposition`` and ``billsec`` are kept as the call's extra metadata. A line whose recording
is not found beside the CSV (an unanswered call has none) is left out; a CSV where no line's
recording is found is refused.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

from callreview.errors import SettingsError
from callreview.store import CallMeta

ASTERISK_COLUMNS = (
    *("accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp"),
    *("lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags"),
    *("uniqueid", "userfield"),
)
"""``cdr_csv``'s fixed order (``uniqueid``, ``userfield``: with ``loguniqueid``,
``loguserfield``)."""
OUTBOUND_CONTEXTS = ("from-internal", "outbound", "from-extension")
"""A ``dcontext`` holding one of these: a call an extension placed (an agent's outbound call)."""
KEPT = ("disposition", "billsec")
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_PEER = re.compile(r"^[A-Za-z0-9]+/([^-@/;]+)")


def read_cdr(path: Path, audio: tuple[str, ...]) -> list[tuple[Path, CallMeta]] | None:
    """The CSV's rows as manifest rows if it is a CDR export; ``None``: not one (an ordinary
    manifest, or unreadable: the manifest reader says why). ``audio``: the extensions a
    recording may have."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        return None
    header = [cell.strip().lower() for cell in rows[0]]
    if "calldate" in header and "uniqueid" in header:
        kind, records = "FreePBX CDR", [dict(zip(header, r)) for r in rows[1:]]
    elif 16 <= len(rows[0]) <= 18 and _STAMP.fullmatch(rows[0][9].strip()):
        kind, records = "Asterisk CDR", [dict(zip(ASTERISK_COLUMNS, r)) for r in rows]
    else:
        return None
    base = path.parent
    files = _recordings(base, audio)
    out: list[tuple[Path, CallMeta]] = []
    for record in records:
        record = {k: v.strip() for k, v in record.items()}
        meta = _meta(record)
        out += [(found, meta) for found in _files_of(record, base, files)]
    if not out:
        raise SettingsError(
            f"{path}: an {kind} export, but no line's recording was found under {base}; "
            "put the CSV in the recordings' folder (each named with its call's uniqueid, or "
            "named in userfield/recordingfile)"
        )
    return out


def _recordings(base: Path, audio: tuple[str, ...]) -> list[Path]:
    found = []
    for root, dirs, names in os.walk(base):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [Path(root, n) for n in names if n.lower().endswith(audio)]
    return sorted(found)


def _files_of(record: dict[str, str], base: Path, files: list[Path]) -> list[Path]:
    """The recordings of one CDR line: the file it names, else every file its uniqueid names
    (both legs of a MixMonitor pair)."""
    named = record.get("recordingfile") or record.get("userfield") or ""
    if named:
        candidate = Path(named) if Path(named).is_absolute() else base / named
        if candidate.is_file():
            return [Path(os.path.abspath(candidate))]
        by_name = [f for f in files if f.name == Path(named).name]
        if by_name:
            return [Path(os.path.abspath(by_name[0]))]
    uniqueid = record.get("uniqueid", "")
    if not uniqueid:
        return []
    pattern = re.compile(rf"(^|[^0-9.]){re.escape(uniqueid)}($|[^0-9])")
    return [Path(os.path.abspath(f)) for f in files if pattern.search(f.stem)]


def _meta(record: dict[str, str]) -> CallMeta:
    outbound = any(c in record.get("dcontext", "").lower() for c in OUTBOUND_CONTEXTS) or (
        record.get("recordingfile", "").lower().startswith("out-")
    )
    agent = _peer(record.get("channel" if outbound else "dstchannel", ""))
    if outbound and record.get("cnum"):
        agent = record["cnum"]
    stamp = record.get("start") or record.get("calldate") or ""
    return CallMeta(
        agent=agent,
        call_id=record.get("uniqueid") or None,
        date=stamp[:10] if _STAMP.match(stamp) else None,
        direction="outbound" if outbound else "inbound",
        extra={k: record[k] for k in KEPT if record.get(k)},
    )


def _peer(channel: str) -> str | None:
    """``SIP/8001-0000001a`` → ``8001``; ``PJSIP/8001-00000012``, ``Local/8001@from-queue…``."""
    match = _PEER.match(channel)
    return match[1] if match else None
