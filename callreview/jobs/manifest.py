"""What a call system says about each recording: a manifest CSV, or the recording's file name.

A **manifest** is a CSV whose first line names the columns (UTF-8, with or without
the BOM Excel writes)::

    file,agent,call_id,date,direction,customer_name,time
    2026-12-01/0412.flac,A017,0412,2026-12-01,inbound,王,09:41
    2026-12-01/0413.flac,A017,0413,20261201,,,10:02

``file`` (required) is relative to the CSV's folder; a call recorded as two leg files
gives ``agent_file`` and ``customer_file`` instead (docs/recordings.md). ``agent`` is the
agent's id in the call system, ``date`` is ``YYYY-MM-DD`` (``20261201`` and ``2026/12/01``
are read too), ``direction`` is ``inbound`` or ``outbound``. Any other column (``time``
above) is kept as the call's extra metadata. A bad line is refused with one line naming
``manifest.csv:LINE`` before any call is scored.

A **name pattern** such as ``{agent}_{date}_{call_id}`` reads the same fields from the
file name without its extension (``A017_20261201_0412.flac``). A name that does not
fit the pattern is still scored, without metadata.
"""

from __future__ import annotations

import csv
import datetime
import difflib
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callreview.errors import SettingsError
from callreview.store import CallMeta

FIELDS = ("agent", "call_id", "date", "direction", "customer_name")
"""The call fields a manifest column or a name pattern can fill."""
LEG_COLUMNS = ("agent_file", "customer_file")
"""A call recorded as two leg files names both instead of ``file`` (kept in the row's extra
metadata, paths absolute; :func:`callreview.jobs.legs.manifest_legs`)."""
DIRECTIONS = ("inbound", "outbound")
_DATE = re.compile(r"(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})")
_DATE_GROUP = r"\d{4}[-/.]?\d{2}[-/.]?\d{2}"


def parse_date(value: str, source: str) -> str:
    """``2026-12-01``, ``20261201``, ``2026/12/01`` → ``2026-12-01``; else a one-line error
    naming ``source``."""
    text = value.strip()
    match = _DATE.fullmatch(text)
    try:
        if not match or (text.isdigit() and len(text) != 8):
            raise ValueError
        return datetime.date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        raise SettingsError(
            f"{source}: date {value!r} is not a date; write it like 2026-12-01 or 20261201"
        ) from None


# --- name patterns ---------------------------------------------------------------


@dataclass(frozen=True)
class NamePattern:
    """``{agent}_{date}_{call_id}``, compiled: :meth:`meta` reads a file name with it."""

    text: str
    regex: re.Pattern[str]

    def meta(self, path: str | Path) -> CallMeta:
        """The fields the file name carries, or an empty :class:`CallMeta` if it does not fit."""
        match = self.regex.fullmatch(Path(path).stem)
        if not match:
            return CallMeta()
        found: dict[str, Any] = {
            k: v for k, v in match.groupdict().items() if not k.startswith("_")
        }
        if "date" in found:
            try:
                found["date"] = parse_date(found["date"], str(path))
            except SettingsError:
                return CallMeta()  # 20261341 is not a date: the name does not fit
        if found.get("direction") not in (None, *DIRECTIONS):
            return CallMeta()
        return CallMeta(**found)


def name_pattern(text: str) -> NamePattern:
    """Compile ``--name-pattern``: ``{field}`` for agent, call_id, date, direction, customer_name,
    ``{*}`` for a part to ignore; everything else is matched literally."""
    parts, fields, ignored = [], set(), 0
    pos = 0
    for match in re.finditer(r"\{([^{}]*)\}", text):
        parts.append(_literal(text, text[pos : match.start()]))
        name = match[1].strip()
        if name == "*":
            parts.append(f"(?P<_{ignored}>.+?)")
            ignored += 1
        elif name not in FIELDS:
            raise SettingsError(
                f"--name-pattern {text}: unknown field {{{name}}}; "
                f"use {', '.join('{' + f + '}' for f in FIELDS)} or {{*}} for a part to ignore"
            )
        elif name in fields:
            raise SettingsError(
                f"--name-pattern {text}: {{{name}}} appears twice; name each field once"
            )
        else:
            fields.add(name)
            parts.append(f"(?P<{name}>{_DATE_GROUP})" if name == "date" else f"(?P<{name}>.+?)")
        pos = match.end()
    parts.append(_literal(text, text[pos:]))
    if not fields:
        raise SettingsError(
            f"--name-pattern {text}: names no field; write it like {{agent}}_{{date}}_{{call_id}}"
        )
    return NamePattern(text, re.compile("".join(parts)))


def _literal(pattern: str, text: str) -> str:
    if "{" in text or "}" in text:
        raise SettingsError(
            f"--name-pattern {pattern}: an unmatched brace; "
            "write fields as {agent}, {date}, {call_id}"
        )
    return re.escape(text)


# --- manifests ----------------------------------------------------------------------


def read_manifest(path: str | Path) -> list[tuple[Path, CallMeta]]:
    """Each row's recording (absolute, relative to the CSV's folder) and what the row says about it,
    in the CSV's order. A file listed twice keeps its first row."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SettingsError(f"{path}: no such manifest; check the --manifest path") from None
    except OSError as err:
        raise SettingsError(
            f"{path}: the manifest cannot be read ({err.strerror}); check the file"
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise SettingsError(
            f"{path}:{line}: not UTF-8 text; "
            "save the manifest as CSV UTF-8 (in Excel: Save As → CSV UTF-8)"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise SettingsError(
                f"{path}: the manifest is empty; "
                "its first line names the columns, e.g. file,agent,call_id,date"
            )
        columns = _columns(path, header)
        base = path.parent
        rows: dict[Path, CallMeta] = {}
        last = reader.line_num
        for row in reader:
            line, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            source = f"{path}:{line}"
            if len(row) > len(columns):
                raise SettingsError(
                    f"{source}: {len(row)} fields, but the header names {len(columns)} columns; "
                    "quote values that hold a comma"
                )
            values = {name: cell.strip() for name, cell in zip(columns, row) if cell.strip()}
            file = values.pop("file", None) or values.get("agent_file")
            for leg in LEG_COLUMNS:  # a call recorded as two legs: both paths, absolute
                if leg in values and not Path(values[leg]).is_absolute():
                    values[leg] = os.path.abspath(base / values[leg])
            if not file:
                raise SettingsError(
                    f"{source}: the file column is empty; "
                    f"give the recording's path, relative to {base}"
                )
            recording = Path(file) if Path(file).is_absolute() else base / file
            rows.setdefault(Path(os.path.abspath(recording)), _meta(values, source))
    except csv.Error as err:
        raise SettingsError(
            f"{path}:{reader.line_num}: not a readable CSV line ({err}); "
            "check the quotes on that line"
        ) from None
    return list(rows.items())


def _columns(path: Path, header: list[str]) -> list[str]:
    columns = [cell.strip().lower() for cell in header]
    known = ("file", *FIELDS)
    for name in columns:
        if not name:
            raise SettingsError(
                f"{path}:1: a column has no name; name every column in the first line"
            )
        if columns.count(name) > 1:
            raise SettingsError(f"{path}:1: the column {name!r} appears twice; keep one")
        if name not in known and (close := difflib.get_close_matches(name, known, n=1, cutoff=0.8)):
            raise SettingsError(
                f"{path}:1: unknown column {name!r}; did you mean {close[0]!r}? "
                f"(columns: {', '.join(known)}, others are kept as metadata)"
            )
    if "file" not in columns and not set(LEG_COLUMNS) <= set(columns):
        raise SettingsError(
            f"{path}:1: no 'file' column; "
            "the first line names the columns, e.g. file,agent,call_id,date"
        )
    return columns


def _meta(values: dict[str, str], source: str) -> CallMeta:
    if "date" in values:
        values["date"] = parse_date(values["date"], source)
    if "direction" in values:
        values["direction"] = values["direction"].lower()
        if values["direction"] not in DIRECTIONS:
            raise SettingsError(
                f"{source}: direction {values['direction']!r} "
                "must be inbound or outbound (or empty)"
            )
    extra = {k: v for k, v in values.items() if k not in FIELDS}
    return CallMeta(**{k: v for k, v in values.items() if k in FIELDS}, extra=extra)
