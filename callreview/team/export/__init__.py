"""Exports of the stored reviews: CSV, XLSX and JSON Lines, each streamed and written atomically.

    store.calls(since, until, agent, state='scored') ─▶ FORMATS[fmt](calls, temp file) ─rename─▶ F

Every format is a writer ``(calls, path) -> int`` in :data:`FORMATS` that reads the calls
once, as they stream from the store, and writes them to ``path`` (a temporary file beside
the target). Only when it has written everything is the file renamed over the target:
an interrupted or failed export leaves the old file (or none), never half of one. A new
format (the web app's static HTML) is one more entry in :data:`FORMATS`.

- ``csv``   (:mod:`.csvfile`): UTF-8 with a BOM so Excel shows Chinese; the columns of
  :mod:`.columns`.
- ``xlsx``  (:mod:`.xlsxfile`): a Calls sheet (the same columns) and an Agents summary sheet.
- ``jsonl`` (:mod:`.jsonlines`): one stored call with its current review per line.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from callreview.errors import CallreviewError
from callreview.team.export.csvfile import write_csv
from callreview.team.export.jsonlines import write_jsonl
from callreview.team.export.xlsxfile import write_xlsx

if TYPE_CHECKING:
    from callreview.store import Store, StoredCall

Writer = Callable[[Iterable["StoredCall"], Path], int]
"""Writes the calls to a path and returns how many it wrote."""


FORMATS: dict[str, Writer] = {"csv": write_csv, "xlsx": write_xlsx, "jsonl": write_jsonl}
"""Format name (the CLI option without its dashes) → writer; openpyxl loads only for xlsx."""


@dataclass(frozen=True)
class ExportFilter:
    """Which stored calls an export holds: scored calls, by date (inclusive ``YYYY-MM-DD``) and
    agent."""

    since: str | None = None
    until: str | None = None
    agent: str | None = None


def export(store: Store, fmt: str, target: str | Path, where: ExportFilter = ExportFilter()) -> int:
    """Write the current reviews of the scored calls that ``where`` selects to ``target``;
    returns how many."""
    if fmt not in FORMATS:
        raise CallreviewError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    calls = store.calls(since=where.since, until=where.until, agent=where.agent, state="scored")
    with atomic_target(Path(target)) as temp:
        return FORMATS[fmt](calls, temp)


@contextmanager
def atomic_target(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` that becomes ``target`` when the block ends without
    error."""
    if target.is_dir():
        raise CallreviewError(
            f"{target}: is a folder; give a file name for the export, e.g. {target / 'calls.csv'}"
        )
    if not target.parent.is_dir():
        raise CallreviewError(
            f"{target}: the folder {target.parent} does not exist; "
            "create it or write the export elsewhere"
        )
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as err:
        raise CallreviewError(
            f"{target}: cannot write the export ({err.strerror}); check the folder is writable"
        ) from None
    os.close(fd)
    temp = Path(name)
    try:
        try:
            yield temp
            with open(temp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.chmod(temp, _mode(target))
            os.replace(temp, target)
        except OSError as err:
            raise CallreviewError(
                f"{target}: cannot write the export ({err.strerror or err}); "
                "check the disk and the folder"
            ) from None
    finally:
        temp.unlink(missing_ok=True)


def _mode(target: Path) -> int:
    """The permissions the export gets: those of the file it replaces, else what the umask allows
    (a temporary file is private; the export is not)."""
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
