"""How many cores this process may use: imports nothing of callreview, so the speech side
and the job runners can both ask without importing each other."""

from __future__ import annotations

import os


def cores() -> int:
    """The cores this process may run on (its CPU affinity), else the host's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_threads(workers: int) -> int:
    """The cores shared out between ``workers`` (at least one thread each)."""
    return max(1, cores() // max(1, workers))
