"""Which files a batch scores: folders, files and globs expanded, temporary names skipped.

paths · manifest · name pattern ─discover─▶ [Job] (path + what is known of the call)
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from pathlib import Path

from callreview.errors import CallreviewError
from callreview.jobs.cdr import read_cdr
from callreview.jobs.engine import Job, fill_meta
from callreview.jobs.legs import LegNaming, manifest_legs, pair_legs
from callreview.jobs.manifest import NamePattern, read_manifest
from callreview.jobs.manifest import name_pattern as compile_pattern
from callreview.store import CallMeta

AUDIO_SUFFIXES = (
    *(".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a"),
    *(".amr", ".awb", ".3gp", ".gsm", ".g729"),
)
"""What a folder is searched for: the common formats, and what telephone recorders write (AMR-NB
``.amr``, AMR-WB ``.awb``, AMR in ``.3gp``, raw GSM 6.10 ``.gsm``, raw G.729 ``.g729``; GSM,
IMA-ADPCM and μ/A-law inside ``.wav``; docs/recordings.md). A file named (or matched by a glob)
is taken whatever its extension, so transcript JSONs can be given by name (``truth/*.json``)."""
TEMP_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".swp")
"""Files still being written or copied: never scored (nor are dotfiles, ``name~``, ``.toml``)."""
_GLOB_CHARS = frozenset("*?[")


def discover(
    paths: Sequence[str | Path],
    manifest: str | Path | None = None,
    name_pattern: str | NamePattern | None = None,
    pattern: tuple[str, ...] = AUDIO_SUFFIXES,
    legs: LegNaming = LegNaming(),
) -> list[Job]:
    """The recordings to score, in a deterministic order, each with what is known about it.

    ``paths`` are folders (searched recursively for ``pattern`` extensions, skipping dot-folders),
    files, or globs (``calls/**/*.flac``, expanded here when the shell did not). Each argument's
    files come sorted, arguments in the order given, then the manifest's files not found so far
    in the manifest's order; a file found twice is scored once. What the manifest row says wins
    over the name pattern. A path that does not exist is refused before anything is scored.
    Two leg files of one call (named by ``legs``, or a manifest's ``agent_file`` and
    ``customer_file``) become one job (:mod:`callreview.jobs.legs`). A PBX's CDR export given as
    the manifest is read as one (:mod:`callreview.jobs.cdr`)."""
    names = compile_pattern(name_pattern) if isinstance(name_pattern, str) else name_pattern
    rows = (read_cdr(Path(manifest), AUDIO_SUFFIXES) or read_manifest(manifest)) if manifest else []
    listed: dict[str, CallMeta] = {}
    for listed_path, meta in rows:
        listed.setdefault(str(listed_path), meta)
    second_legs = {m.extra["customer_file"] for m in listed.values() if "customer_file" in m.extra}
    found: dict[str, None] = {}
    for given in paths:
        for path in _expand(str(given), pattern):
            found.setdefault(path, None)
    for path in listed:
        found.setdefault(path, None)
    jobs = []
    for path in found:
        if path in second_legs and path not in listed:
            continue  # the customer's leg of a call the manifest names: scored with its agent's
        meta = listed.get(path, CallMeta())
        if names is not None:
            meta = fill_meta(meta, names.meta(path))
        jobs.append(manifest_legs(Job(Path(path), meta)))
    return pair_legs(jobs, legs)


def _expand(given: str, pattern: tuple[str, ...]) -> list[str]:
    path = Path(given)
    if path.is_dir():
        return _walk(path, pattern)
    if path.exists() or path.is_symlink():
        return [] if _skipped(path.name) else [os.path.abspath(given)]
    if _GLOB_CHARS & set(given):
        matches = sorted(glob.glob(os.path.expanduser(given), recursive=True))
        if not matches:
            raise CallreviewError(
                f"{given}: matches no files; check the pattern (quote it, e.g. 'calls/**/*.flac')"
            )
        out: list[str] = []
        for match in matches:
            if Path(match).is_dir():
                out += _walk(Path(match), pattern)
            elif not _skipped(Path(match).name):
                out.append(os.path.abspath(match))
        return out
    raise CallreviewError(f"{given}: no such file or folder; check the path")


def _walk(folder: Path, pattern: tuple[str, ...]) -> list[str]:
    suffixes = tuple(s.lower() for s in pattern)
    out = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        out += [
            os.path.abspath(os.path.join(root, f))
            for f in files
            if f.lower().endswith(suffixes) and not _skipped(f)
        ]
    return sorted(out)


def is_temporary(name: str) -> bool:
    """A name recorders and copiers write under before the file is complete: :data:`TEMP_SUFFIXES`,
    dotfiles, ``name~``. Neither ``batch`` nor ``watch`` scores one."""
    return name.startswith(".") or name.endswith("~") or name.lower().endswith(TEMP_SUFFIXES)


def _skipped(name: str) -> bool:
    return is_temporary(name) or name.lower().endswith(".toml")
