"""The XLSX export: a Calls sheet (the CSV's columns) and an Agents summary sheet.

The rows stream into the workbook's sheets as they are read (:mod:`.workbook`: SpreadsheetML
spooled to temporary files while the columns' widths are measured), so memory stays flat whatever
the number of calls and the store's bodies are read once. The Agents sheet is the summary's
figures per agent (:func:`callreview.team.summary.stored_summary`: SQL over the store's indexes,
handed in by the export), else counted from the rows as they pass. Widths count a Chinese
character as two (:func:`callreview.tables.display_width`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, BinaryIO

from callreview.errors import CallreviewError
from callreview.results import ITEMS
from callreview.team.export.columns import Cell, call_row, columns, inert
from callreview.team.export.workbook import PERCENT, SheetSpool, write_workbook
from callreview.team.summary import Figures, Summarizer, Summary

if TYPE_CHECKING:
    from callreview.team.finals import FinalReview

MAX_ROWS = 1_048_575
"""Excel's 1,048,576 rows a sheet, less the header."""


def write_xlsx(
    calls: Iterable[FinalReview],
    out: BinaryIO,
    custom: Sequence[str] = (),
    agents: Summary | None = None,
) -> int:
    """The workbook of ``calls``; ``agents``: the same calls' summary by agent (``None``: counted
    here from ``calls``)."""
    summarizer = None if agents is not None else Summarizer("agent", items=(*ITEMS, *custom))
    sheets = [SheetSpool("Calls", columns(custom))]
    try:
        written = 0
        for call in calls:
            written += 1
            if written > MAX_ROWS:
                raise CallreviewError(
                    f"more than {MAX_ROWS:,} calls do not fit in one XLSX sheet; "
                    "export fewer with --since/--until or --agent, or use --csv"
                )
            sheets[0].add([_clean(v) for v in call_row(call, custom)])
            if summarizer is not None:
                summarizer.add(call)
        figures = summarizer.result() if summarizer is not None else agents
        assert figures is not None  # one of the two, by construction
        sheets.append(_agents_sheet(figures.groups, figures.total))
        write_workbook(out, sheets)
    finally:
        for sheet in sheets:
            sheet.close()
    return written


def _agents_sheet(groups: Sequence[Figures], total: Figures) -> SheetSpool:
    bands = [band for band, _ in total.bands]
    headers = [
        "agent",
        "calls",
        "mean_score",
        "min_score",
        *bands,
        *(f"{i.item}_fail_rate" for i in total.items),
        "needs_review",
    ]
    sheet = SheetSpool("Agents", headers)
    rates = {i: PERCENT for i in range(4 + len(bands), 4 + len(bands) + len(total.items))}
    for g in (*groups, total):
        row: list[Cell] = [
            g.key,
            g.calls,
            None if g.mean_score is None else round(g.mean_score, 1),
            g.min_score,
            *(n for _, n in g.bands),
            *(None if i.fail_rate is None else round(i.fail_rate, 4) for i in g.items),
            g.waiting,
        ]
        sheet.add([_clean(v) for v in row], styles=rates)
    return sheet


def _clean(value: Cell) -> Cell:
    """Text a spreadsheet will not read as a formula (as the CSV's)."""
    return inert(value) if isinstance(value, str) else value
