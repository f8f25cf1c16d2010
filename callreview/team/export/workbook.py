"""A streamed XLSX workbook: SpreadsheetML written straight from the rows, what the export needs
and nothing more (text, numbers, booleans; a bold frozen header, column widths, a filter and a
percent format).

Each sheet's rows are written as XML to a temporary file as they come (:class:`SheetSpool`), their
columns' widths measured on the way: a sheet's widths come before its rows in the file. Then
:func:`write_workbook` puts every part in the ZIP archive, copying each spool in. Memory stays flat
whatever the number of rows; a cell costs a few string operations. openpyxl's write-only mode and
XlsxWriter's constant-memory mode spent 60 s and 21 s on the 100,000 rows of a Calls sheet, where
this spends about 2 (docs/benchmarks.md, "The store at 100,000 calls").

Strings are written inline (``t="inlineStr"``): no shared-strings table to hold in memory; Excel,
LibreOffice and openpyxl read them as any other text.
"""

from __future__ import annotations

import datetime
import math
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Sequence
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr
from zipfile import ZIP_DEFLATED, ZipFile

from callreview.tables import display_width
from callreview.team.export.columns import Cell

MIN_WIDTH = 6
MAX_WIDTH = 60
"""Wider text (a long path) wraps past this rather than making the sheet unreadable."""
BOLD, PERCENT = 1, 2
"""The styles of ``styles.xml``'s cellXfs: the header's bold font, and ``0.0%``."""

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


# the characters XML 1.0 cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE), left out of the text
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def column_letter(index: int) -> str:
    """The letters of a 1-based column number: 1 → ``A``, 27 → ``AA``."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class SheetSpool:
    """One sheet's rows as SpreadsheetML in a temporary file, and the widths of its columns."""

    def __init__(self, title: str, headers: Sequence[str]) -> None:
        self.title = title
        self.columns = len(headers)
        self.letters = [column_letter(i) for i in range(1, self.columns + 1)]
        self.widths = [display_width(h) for h in headers]
        self.rows = 0
        self.file = tempfile.TemporaryFile(prefix="callreview-xlsx-")
        self._seen: dict[str, int] = {}  # display widths of the strings met (most repeat)
        self.add(headers, styles={i: BOLD for i in range(self.columns)})

    def add(self, row: Sequence[Cell], styles: dict[int, int] | None = None) -> None:
        """Append one row (``styles``: column index → style, for the header and percentages)."""
        self.rows += 1
        n = self.rows
        cells = []
        widths = self.widths
        for i, value in enumerate(row):
            if value is None:
                continue
            ref = f"{self.letters[i]}{n}"
            style = f' s="{styles[i]}"' if styles and i in styles else ""
            if value is True or value is False:
                cells.append(f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>')
                width = 5
            elif isinstance(value, str):
                value = _ILLEGAL.sub("", value)
                width = self._seen.get(value, -1)
                if width < 0:
                    width = display_width(value)
                    if len(self._seen) < 50_000:
                        self._seen[value] = width
                space = (
                    ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
                )
                cells.append(
                    f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'
                )
            else:
                if isinstance(value, float) and not math.isfinite(value):
                    continue  # no number in SpreadsheetML
                text = repr(value) if isinstance(value, float) else str(value)
                cells.append(f'<c r="{ref}"{style}><v>{text}</v></c>')
                width = len(text)
            if width > widths[i]:
                widths[i] = width
        xml = f'<row r="{n}">{"".join(cells)}</row>'
        self.file.write(xml.encode("utf-8", "replace"))  # a lone surrogate: '?', not a crash

    def _sheet(self, out: BinaryIO) -> None:
        last = f"{column_letter(self.columns)}{self.rows}"
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{min(MAX_WIDTH, max(MIN_WIDTH, w + 2))}" '
            'customWidth="1"/>'
            for i, w in enumerate(self.widths, 1)
        )
        out.write(
            (
                f'{_HEAD}<worksheet xmlns="{_MAIN}"><dimension ref="A1:{last}"/>'
                '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" '
                'activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
            ).encode()
        )
        self.file.seek(0)
        shutil.copyfileobj(self.file, out, 1 << 20)
        out.write(f'</sheetData><autoFilter ref="A1:{last}"/></worksheet>'.encode())

    def close(self) -> None:
        self.file.close()


def write_workbook(out: BinaryIO, sheets: Sequence[SheetSpool]) -> None:
    """The workbook of ``sheets``, in order, to the binary file ``out``; the archive is closed
    even when a write fails (a full disk), and that error is the one raised."""
    archive = ZipFile(_zip_target(out), "w", ZIP_DEFLATED, allowZip64=True, compresslevel=1)
    try:
        for name, text in _parts(sheets).items():
            archive.writestr(name, text)
        for number, sheet in enumerate(sheets, 1):
            with archive.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True) as part:
                sheet._sheet(part)  # type: ignore[arg-type]  # a ZipExtFile writes bytes
        archive.close()
    except BaseException:
        try:
            archive.close()
        except (OSError, ValueError):
            pass  # the error that stopped the write is the one reported
        raise


class _Forward:
    """A file written front to back only: ZIP's streaming form (sizes after each part's data),
    for a device or a pipe, whose position ``zipfile`` cannot read back (``/dev/null`` says 0)."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out

    def write(self, data: bytes) -> int:
        return self.out.write(data)

    def flush(self) -> None:
        self.out.flush()

    def tell(self) -> int:
        raise OSError("written front to back")


def _zip_target(out: BinaryIO) -> BinaryIO:
    try:
        regular = stat.S_ISREG(os.fstat(out.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):  # no file descriptor: an in-memory file
        regular = out.seekable()
    return out if regular else _Forward(out)  # type: ignore[return-value]


def _parts(sheets: Sequence[SheetSpool]) -> dict[str, str]:
    """Every part but the sheets' own: the package's index, relationships, properties, the
    workbook (its sheets and their filters) and the styles."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    numbers = range(1, len(sheets) + 1)
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{sheet_type}"/>'
        for n in numbers
    )
    office = "application/vnd.openxmlformats-officedocument"
    content_types = (
        f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        f'ContentType="{office}.spreadsheetml.sheet.main+xml"/>'
        f"{types}"
        f'<Override PartName="/xl/styles.xml" ContentType="{office}.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
        'package.core-properties+xml"/>'
        f'<Override PartName="/docProps/app.xml" ContentType="{office}.extended-properties+xml"/>'
        "</Types>"
    )
    package_rels = (
        f'{_HEAD}<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        f'<Relationship Id="rId2" Type="{_PKG_REL}/metadata/core-properties" '
        'Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>"
    )
    core = (
        f'{_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>callreview</dc:creator>'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified>'
        "</cp:coreProperties>"
    )
    app = (
        f'{_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties"><Application>callreview</Application></Properties>'
    )
    listed = "".join(
        f'<sheet name={quoteattr(s.title)} sheetId="{n}" r:id="rId{n}"/>'
        for n, s in zip(numbers, sheets)
    )
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n - 1}" hidden="1">'
        f"{escape(_quoted(s.title))}!$A$1:${column_letter(s.columns)}${s.rows}</definedName>"
        for n, s in zip(numbers, sheets)
    )
    workbook = (
        f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/>'
        f"</bookViews><sheets>{listed}</sheets><definedNames>{filters}</definedNames></workbook>"
    )
    workbook_rels = (
        f'{_HEAD}<Relationships xmlns="{_PKG_REL}">'
        + "".join(
            f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in numbers
        )
        + f'<Relationship Id="rId{len(sheets) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )
    return {
        "[Content_Types].xml": content_types,
        "_rels/.rels": package_rels,
        "docProps/core.xml": core,
        "docProps/app.xml": app,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": workbook_rels,
        "xl/styles.xml": STYLES,
    }


def _quoted(title: str) -> str:
    """A sheet's name as a formula names it."""
    return "'" + title.replace("'", "''") + "'"


_FONT = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
STYLES = (
    f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>'
    f'<fonts count="2"><font>{_FONT}</font><font><b/>{_FONT}</font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
"""The default font, the header's bold one, and the percent format (cellXfs 0, 1, 2)."""
