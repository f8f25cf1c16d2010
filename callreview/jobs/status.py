"""``callreview status``: the queue in the store, as counts and the latest errors."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from callreview.jobs.watch.results import one_line

if TYPE_CHECKING:
    from callreview.store import QueueCounts, StoredError


def render_status(where: str, counts: QueueCounts, errors: list[StoredError]) -> str:
    """The queue as ``callreview status`` prints it: counts, then the latest errors."""
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
