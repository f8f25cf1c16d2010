"""Deleting calls dated before a day, with everything stored about them, crash-safe.

A purge takes the calls in batches; each batch is one transaction that deletes the children
first (the search index, item index, final marks, overrides, appeals, sample links, paths,
errors, transcripts, review versions) and then the calls. Killed midway, a batch is rolled back
whole: run again, the purge goes on from what is left, and no row is ever left pointing at a
deleted call. The transcript cache keys of a batch are handed to ``forget`` inside its
transaction, before it commits, so a cached transcript never outlives its call's rows (a kill
after ``forget`` leaves rows whose cache is already gone; the next run deletes them).

A call's day is its own date, else the day it was stored (what every date filter reads). A
call a worker holds a live claim on is left for the next purge. What stays: the runs (counts of
calls scored, skipped and failed) and the audit trail (who did what to ``call 7``), neither
holding what was said.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from callreview.store.part import Part
from callreview.store.search import unindex_calls
from callreview.store.sql import call_day, marks

PURGE_BATCH = 200
"""Calls deleted in one transaction: short enough that a web app or a worker waits little."""

CHILDREN: tuple[tuple[str, str], ...] = (
    ("calibration_marks", "call"),
    ("calibration_calls", "call"),
    ("acknowledgements", "call"),
    ("review_items", "call"),
    ("review_facts", "call"),
    ("review_hits", "call"),
    ("review_finals", "call"),
    ("overrides", "call"),
    ("appeals", "call"),
    ("sample_calls", "call"),
    ("errors", "call"),
    ("redaction_lists", "call"),
    ("transcripts", "call"),
    ("reviews", "call"),
    ("call_paths", "call"),
)
"""Every table holding rows of a call, children before parents (the search index aside)."""


@dataclass(frozen=True)
class PurgePlan:
    """What a purge before a day would delete."""

    before: str
    calls: int
    transcripts: int
    reviews: int
    held: int
    """Calls a worker holds a live claim on: left for the next purge."""


class Purge(Part):
    def purge_plan(self, before: str) -> PurgePlan:
        """What :meth:`purge_before` would delete (``before``: ``YYYY-MM-DD``, not included)."""
        where, params = self._purgeable(before)
        now = time.time()
        calls, held = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN c.state = 'claimed' AND c.lease_until > ?"
            f" THEN 1 ELSE 0 END), 0) FROM calls c WHERE {where}",
            [now, *params],
        ).fetchone()
        counts = [
            self.db.execute(
                f"SELECT COUNT(*) FROM {table} t JOIN calls c ON c.id = t.call WHERE {where}",
                params,
            ).fetchone()[0]
            for table in ("transcripts", "reviews")
        ]
        return PurgePlan(before, int(calls) - int(held), counts[0], counts[1], int(held))

    def purge_before(
        self,
        before: str,
        forget: Callable[[Sequence[str]], object] = lambda keys: None,
        batch: int = PURGE_BATCH,
        progress: Callable[[int], None] = lambda done: None,
    ) -> int:
        """Delete every call dated before ``before`` and all its rows, a batch a transaction;
        ``forget`` gets each batch's transcript keys before the batch commits (the cache's
        copies); returns how many calls were deleted."""
        where, params = self._purgeable(before)
        done = 0
        if self.db.name == "sqlite":
            self.db.execute("PRAGMA secure_delete = ON")  # deleted text is overwritten in the file
        while True:
            with self.db.transaction():
                ids = [
                    r[0]
                    for r in self.db.execute(
                        f"SELECT c.id FROM calls c WHERE {where}"
                        " AND NOT (c.state = 'claimed' AND c.lease_until > ?)"
                        f" ORDER BY c.id LIMIT {int(batch)}",
                        [*params, time.time()],
                    ).fetchall()
                ]
                if not ids:
                    break
                forget(self._keys(ids))
                self._delete(ids)
            done += len(ids)
            progress(done)
        if self.db.name == "sqlite":
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # no old page left in the WAL
        return done

    def _purgeable(self, before: str) -> tuple[str, list[str]]:
        return f"{call_day(self.db)} < ?", [before]

    def _keys(self, ids: Sequence[int]) -> list[str]:
        rows = self.db.execute(
            f"SELECT key FROM transcripts WHERE call IN ({marks(len(ids))})"
            " UNION SELECT transcript_key FROM reviews"
            f" WHERE call IN ({marks(len(ids))}) AND transcript_key IS NOT NULL",
            [*ids, *ids],
        ).fetchall()
        return sorted({r[0] for r in rows})

    def _delete(self, ids: Sequence[int]) -> None:
        """Every row of these calls, inside the caller's transaction."""
        unindex_calls(self.db, ids)
        places = marks(len(ids))
        self.db.execute(
            f"DELETE FROM errors WHERE call IS NULL AND path IN "
            f"(SELECT path FROM call_paths WHERE call IN ({places}))",
            ids,
        )
        for table, column in CHILDREN:
            self.db.execute(f"DELETE FROM {table} WHERE {column} IN ({places})", ids)
        self.db.execute(f"DELETE FROM calls WHERE id IN ({places})", ids)
