"""``callreview status``: the queue in the store, as counts and the latest errors."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from callreview.jobs.watch.results import one_line

if TYPE_CHECKING:
    from callreview.store import QueueCounts, StoredError


def with_live_claims(counts: QueueCounts, live: int) -> QueueCounts:
    """The counts with only ``live`` claims in progress: a claim whose worker is gone (its lease
    ran out, or its process is gone from this host) is pending, the next worker takes it."""
    live = min(live, counts.in_progress)
    return replace(counts, pending=counts.pending + counts.in_progress - live, in_progress=live)


def render_status(
    where: str, counts: QueueCounts, errors: list[StoredError], live: int | None = None
) -> str:
    """The queue as ``callreview status`` prints it: counts, then the latest errors. With
    ``live`` (:meth:`Store.live_claims`) only live claims are in progress."""
    if live is not None:
        counts = with_live_claims(counts, live)
    lines = [
        f"store: {where}",
        f"pending       {counts.pending}",
        f"in progress   {counts.in_progress}",
        f"failed        {counts.failed}",
        f"scored today  {counts.scored_today}",
    ]
    if errors:
        lines.append("last errors:")
        for err in errors:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(err.at))
            lines.append(f"  {when}  {one_line(err.message, Path(err.path))}")
    return "\n".join(lines)
