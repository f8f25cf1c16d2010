"""The JSON Lines export: one stored call with its current review per line, UTF-8."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, BinaryIO

from callreview.team.export.columns import stored_call_dict

if TYPE_CHECKING:
    from callreview.team.finals import FinalReview


def write_jsonl(calls: Iterable[FinalReview], out: BinaryIO, custom: Sequence[str] = ()) -> int:
    """``custom``: the scorecard's own items, there as every item is (the review's ``items``)."""
    written = 0
    for call in calls:
        out.write((json.dumps(stored_call_dict(call), ensure_ascii=False) + "\n").encode())
        written += 1
    return written
