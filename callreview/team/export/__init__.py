"""Exports of the stored reviews: CSV, XLSX and JSON Lines, each streamed to where it is pointed.

    store.calls(since, until, agent, state='scored') ─▶ FORMATS[fmt](calls, out) ─▶ open_output(F)

Every format is a writer ``(calls, out) -> int`` in :data:`FORMATS` that reads the calls
once, as they stream from the store, and writes them to the binary file ``out``.
:func:`callreview.files.open_output` decides what ``out`` is: for a file, a temporary one
beside it that is renamed over it only when everything is written (an interrupted or failed
export leaves the old file, or none, never half of one); a device or a pipe is written in
place, and ``-`` is standard output.

- ``csv``   (:mod:`.csvfile`): UTF-8 with a BOM so Excel shows Chinese; the columns of
  :mod:`.columns`.
- ``xlsx``  (:mod:`.xlsxfile`): a Calls sheet (the same columns) and an Agents summary sheet.
- ``jsonl`` (:mod:`.jsonlines`): one stored call with its current review per line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from callreview.errors import CallreviewError
from callreview.files import open_output
from callreview.team.export.csvfile import write_csv
from callreview.team.export.jsonlines import write_jsonl
from callreview.team.export.xlsxfile import write_xlsx

if TYPE_CHECKING:
    from callreview.store import Store, StoredCall

Writer = Callable[[Iterable["StoredCall"], BinaryIO], int]
"""Writes the calls to an open binary file and returns how many it wrote."""


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
    # An XLSX workbook's bytes would garble a terminal; CSV and JSON Lines read fine there.
    with open_output(target, what="the export", binary_to_terminal=fmt != "xlsx") as out:
        return FORMATS[fmt](calls, out)
