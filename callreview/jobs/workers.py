"""The names ``batch``'s callers used before the one engine (:mod:`callreview.jobs.local`)."""

from callreview.jobs.local import DEFAULT_WORKERS, WorkerPool, run_local
from callreview.jobs.stop import Interrupted, interruptible

__all__ = ["DEFAULT_WORKERS", "Interrupted", "WorkerPool", "interruptible", "run_local"]
