"""A cheap mark of the store's visible data: equal marks mean no change of what the pages show
was committed in between, so a figure read at one mark still holds at the other (what the web
app's caches check).

The mark is a number (``data_mark``, schema 9) that triggers move on with every committed change
of a call, a review, a person's override, appeal or review, a sample, a calibration round…
and not with what only the app's own upkeep writes: a session's touch, the audit trail, search's
index, a lease renewal (:data:`callreview.store.schema.MARKED_TABLES`). On SQLite it moves with
each changed row, on PostgreSQL once per transaction, at its commit. Read before the data it
stands for, a mark can only be older than the data, never newer: a value kept under it is
computed again at the next mark.
"""

from __future__ import annotations

from callreview.store.part import Part


def data_version(store: Part) -> int:
    """The mark now (read it before the data it stands for)."""
    return int(store.db.execute("SELECT n FROM data_mark WHERE id = 1").fetchone()[0])
