"""Plain fixed-width text tables that line up with Chinese text in them.

A Chinese character takes two terminal columns (and about two Excel width units):
:func:`display_width` counts East Asian wide and fullwidth characters as 2. The
tables carry no colour or box drawing, so a test can compare them exactly and a
pipe gets the same text as a terminal.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide and fullwidth characters count 2."""
    if text.isascii():  # every ASCII character takes one column
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    right: Sequence[bool] | None = None,
    indent: str = "",
) -> str:
    """Columns two spaces apart; ``right[i]`` aligns column ``i`` right (numbers). No trailing
    spaces."""
    right = right or [False] * len(headers)
    widths = [display_width(h) for h in headers]
    for row in rows:
        widths = [max(w, display_width(cell)) for w, cell in zip(widths, row)]
    lines = []
    for row in (headers, *rows):
        cells = [pad(cell, w, r) for cell, w, r in zip(row, widths, right)]
        lines.append((indent + "  ".join(cells)).rstrip())
    return "\n".join(lines)
