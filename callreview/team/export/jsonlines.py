"""The JSON Lines export: one stored call with its current review per line, UTF-8."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from callreview.team.export.columns import stored_call_dict

if TYPE_CHECKING:
    from callreview.store import StoredCall


def write_jsonl(calls: Iterable[StoredCall], path: Path) -> int:
    written = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for call in calls:
            fh.write(json.dumps(stored_call_dict(call), ensure_ascii=False) + "\n")
            written += 1
    return written
