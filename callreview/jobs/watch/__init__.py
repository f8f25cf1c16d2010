"""``callreview watch``: every new recording in a folder becomes a stored review, exactly once.

    events (scan, then inotify or polling) ─▶ settling (size + mtime still for ``settle_s``, or
        renamed into place) ─▶ loop: Job ─▶ score_job (claim · score · store), in this process
        or on worker processes ─▶ results (log line · JSON · failed folder)

The watcher keeps no ledger of its own: the store is the ledger (calls keyed by the sha256 of
their audio, claims with leases), so a restart, a SIGKILL, a second watcher on the same folder
and the same audio under a second name all come out right without the watcher remembering
anything. SIGINT or SIGTERM stops it: a call being scored in this process is given back to the
store unscored, nothing is half-written, and :func:`watch` returns normally (the CLI exits 0).
"""

from callreview.jobs.status import render_status
from callreview.jobs.watch.events import DEFAULT_PATTERNS, RESULT_SUFFIX, parse_patterns, wanted
from callreview.jobs.watch.loop import (
    DEFAULT_SETTLE_S,
    Watcher,
    WatchOptions,
    WatchSummary,
    watch,
)

__all__ = [
    "DEFAULT_PATTERNS",
    "DEFAULT_SETTLE_S",
    "RESULT_SUFFIX",
    "WatchOptions",
    "WatchSummary",
    "Watcher",
    "parse_patterns",
    "render_status",
    "wanted",
    "watch",
]
