"""The CSV export: UTF-8 with a BOM (Excel then reads Chinese right), one row per call."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, BinaryIO

from callreview.team.export.columns import call_row, columns, text_cell

if TYPE_CHECKING:
    from callreview.team.finals import FinalReview


def write_csv(calls: Iterable[FinalReview], out: BinaryIO, custom: Sequence[str] = ()) -> int:
    written = 0
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    try:
        rows = csv.writer(text)
        rows.writerow(columns(custom))
        for call in calls:
            rows.writerow([text_cell(value) for value in call_row(call, custom)])
            written += 1
    finally:
        text.flush()
        text.detach()  # the caller owns ``out``
    return written
