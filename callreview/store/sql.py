"""SQL fragments more than one part of the store writes the same way."""

from __future__ import annotations

from callreview.store.backends import Backend


def day_of(db: Backend, column: str) -> str:
    """The local ``YYYY-MM-DD`` of a Unix-time column, in the backend's SQL."""
    if db.name == "sqlite":
        return f"date({column}, 'unixepoch', 'localtime')"
    return f"to_char(to_timestamp({column}), 'YYYY-MM-DD')"


def call_day(db: Backend) -> str:
    """A call's day: its own date, else the day it was stored (what date filters and sorts read)."""
    return "COALESCE(c.call_date, " + day_of(db, "c.created_at") + ")"


def marks(n: int) -> str:
    """``?, ?, ?`` for ``n`` parameters."""
    return ", ".join("?" * n)
