"""The XLSX export: a Calls sheet (the CSV's columns) and an Agents summary sheet.

openpyxl's write-only mode streams rows to disk, but it must know the column widths
before the first row. So the rows go once through a spool file (pickled, on disk, already
cleaned for XLSX) while their widths are measured; then the sheet is written from the spool.
Memory stays flat whatever the number of calls, and the store's bodies are read once. The
Agents sheet is the summary's figures per agent (:func:`callreview.team.summary.stored_summary`:
SQL over the store's indexes, handed in by the export), else counted from the rows as they
pass. Widths count a Chinese character as two (:func:`callreview.tables.display_width`).
"""

from __future__ import annotations

import datetime
import pickle
import re
import tempfile
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, BinaryIO, cast
from zipfile import ZIP_DEFLATED, ZipFile

from callreview.errors import CallreviewError
from callreview.results import ITEMS
from callreview.tables import display_width
from callreview.team.export.columns import Cell, call_row, columns, inert
from callreview.team.summary import Figures, Summarizer, Summary

if TYPE_CHECKING:
    from callreview.team.finals import FinalReview

MIN_WIDTH = 6
MAX_WIDTH = 60
"""Wider text (a long path) wraps past this rather than making the sheet unreadable."""
PERCENT = "0.0%"
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
    from openpyxl import Workbook  # a heavy import: only for an xlsx export

    summarizer = None if agents is not None else Summarizer("agent", items=(*ITEMS, *custom))
    headers = columns(custom)
    widths = [display_width(name) for name in headers]
    written = 0
    with tempfile.TemporaryFile(prefix="callreview-xlsx-") as spool:
        for call in calls:
            row = [_clean(v) for v in call_row(call, custom)]
            if summarizer is not None:
                summarizer.add(call)
            widths = [max(w, _width(v)) for w, v in zip(widths, row)]
            pickle.dump(row, spool, protocol=pickle.HIGHEST_PROTOCOL)
            written += 1
        if written > MAX_ROWS:
            raise CallreviewError(
                f"{written:,} calls do not fit in one XLSX sheet (at most {MAX_ROWS:,} rows); "
                "export fewer with --since/--until or --agent, or use --csv"
            )
        spool.seek(0)
        book = Workbook(write_only=True)
        sheet = _sheet(book, "Calls", headers, widths)
        for _ in range(written):
            sheet.append(pickle.load(spool))
        _filter(sheet, len(headers), written)
        figures = summarizer.result() if summarizer is not None else agents
        assert figures is not None  # one of the two, by construction
        _agents_sheet(book, figures.groups, figures.total)
        _save(book, out)
    return written


def _save(book, out: BinaryIO) -> None:
    """``book.save(out)``, with the archive closed even when the write fails (a full disk): left
    open, it closes itself at exit onto the closed file, a traceback after the one-line error."""
    from openpyxl.writer.excel import ExcelWriter  # heavy, as above

    book.properties.modified = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    archive = ZipFile(out, "w", ZIP_DEFLATED, allowZip64=True)
    try:
        ExcelWriter(book, archive).save()
    except BaseException:
        for sheet in book.worksheets:  # a write-only sheet's row writer, closed here, not at exit
            try:
                if getattr(sheet, "_rows", None) is not None:
                    sheet._rows.close()
            except Exception:
                pass  # the error that stopped the write is the one reported
        try:
            archive.close()
        except (OSError, ValueError):
            pass
        raise


def _agents_sheet(book, groups: Sequence[Figures], total: Figures) -> None:
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
    rows: list[list[Cell]] = []
    for g in (*groups, total):
        rows.append(
            [
                g.key,
                g.calls,
                None if g.mean_score is None else round(g.mean_score, 1),
                g.min_score,
                *(n for _, n in g.bands),
                *(None if i.fail_rate is None else round(i.fail_rate, 4) for i in g.items),
                g.waiting,
            ]
        )
    widths = [display_width(h) for h in headers]
    for row in rows:
        widths = [max(w, _width(v)) for w, v in zip(widths, row)]
    sheet = _sheet(book, "Agents", headers, widths)
    rates = range(4 + len(bands), 4 + len(bands) + len(total.items))
    for row in rows:
        sheet.append(
            [
                _percent(sheet, cast(float, v)) if i in rates and v is not None else _clean(v)
                for i, v in enumerate(row)
            ]
        )
    _filter(sheet, len(headers), len(rows))


def _sheet(book, title: str, headers: Sequence[str], widths: Sequence[int]):
    """A write-only sheet with its widths set, its header bold and frozen (all before the first
    row)."""
    # openpyxl, here and below: a heavy import, only for an xlsx export
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = min(
            MAX_WIDTH, max(MIN_WIDTH, width + 2)
        )
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in headers:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    return sheet


def _filter(sheet, columns: int, rows: int) -> None:
    from openpyxl.utils import get_column_letter  # heavy, as above

    # written after the rows: allowed in write-only mode
    sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{rows + 1}"


def _percent(sheet, value: float):
    from openpyxl.cell import WriteOnlyCell  # heavy, as above

    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = PERCENT
    return cell


def _width(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, float):
        return len(f"{value:g}")
    return display_width(str(value))


def _clean(value: Cell) -> Cell:
    """Strings without the control characters XLSX cannot hold."""
    if isinstance(value, str):
        return inert(_ILLEGAL.sub("", value))  # openpyxl writes "=…" text as a formula
    return value


# the characters openpyxl's ILLEGAL_CHARACTERS_RE refuses, compiled here so that the module
# loads without openpyxl
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
