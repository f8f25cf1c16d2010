"""The CSV export: UTF-8 with a BOM (Excel then reads Chinese right), one row per call."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from callreview.team.export.columns import COLUMNS, call_row, text_cell

if TYPE_CHECKING:
    from callreview.store import StoredCall


def write_csv(calls: Iterable[StoredCall], path: Path) -> int:
    written = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for call in calls:
            out.writerow([text_cell(value) for value in call_row(call)])
            written += 1
    return written
