"""A cheap mark of the store's visible data: equal marks mean no write was committed in between,
so a figure read at one mark still holds at the other (what the web app's caches check).

SQLite: ``PRAGMA data_version`` (commits by any other connection) with this connection's own
``total_changes``. PostgreSQL: the current snapshot (``pg_current_snapshot``), which changes when
any write transaction on the server begins or commits, so it errs towards a new mark.
"""

from __future__ import annotations

from collections.abc import Hashable

from callreview.errors import StoreError
from callreview.store.part import Part


def data_version(store: Part) -> Hashable:
    """The mark now (read it before the data it stands for)."""
    db = store.db
    if db.name == "sqlite":
        with db.lock:  # total_changes and the pragma read together, between transactions
            conn = db.conn  # type: ignore[attr-defined]
            return (conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
    try:
        return str(db.execute("SELECT pg_current_snapshot()::text").fetchone()[0])
    except StoreError:  # a server before PostgreSQL 13 names it the older way
        return str(db.execute("SELECT txid_current_snapshot()::text").fetchone()[0])
