"""Reading calls back: one call, a filtered stream of calls or briefs, errors and the queue's
counts, for the exports, the summary, the sampler and the web app."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from callreview.store.part import Part
from callreview.store.records import CallBrief, CallState, QueueCounts, StoredCall, StoredError
from callreview.store.sql import call_day, marks

_CALL_COLUMNS = (
    "c.id, c.sha256, c.path, c.agent, c.call_id, c.call_date, c.direction, c.customer_name, "
    "c.duration_s, c.state, r.id, r.version, r.score, r.band, r.needs_review, r.body, r.created_at"
)
_CALL_FROM = "calls c LEFT JOIN reviews r ON r.id = c.current_review"
_ERROR_COLUMNS = "path, message, exit_code, at, call, sha256, worker"


class Reading(Part):
    def call(self, call: int) -> StoredCall | None:
        row = self.db.execute(
            f"SELECT {_CALL_COLUMNS} FROM {_CALL_FROM} WHERE c.id = ?", (call,)
        ).fetchone()
        return _stored_call(row) if row else None

    def call_by_sha(self, sha256: str) -> StoredCall | None:
        row = self.db.execute(
            f"SELECT {_CALL_COLUMNS} FROM {_CALL_FROM} WHERE c.sha256 = ?", (sha256,)
        ).fetchone()
        return _stored_call(row) if row else None

    def paths(self, call: int) -> list[str]:
        """Every path this audio was seen at, first seen first."""
        rows = self.db.execute(
            "SELECT path FROM call_paths WHERE call = ? ORDER BY first_seen, path", (call,)
        ).fetchall()
        return [r[0] for r in rows]

    def calls(
        self,
        since: str | None = None,
        until: str | None = None,
        agent: str | None = None,
        state: CallState | None = None,
        ids: Sequence[int] | None = None,
    ) -> Iterator[StoredCall]:
        """Calls in (date, id) order, streamed: memory stays flat for any number of calls.
        ``since``/``until`` are inclusive ``YYYY-MM-DD`` dates (the call's date, else the day it
        was stored)."""
        where, params, day = self._call_filter(since, until, agent, state)
        if ids is not None:
            if not ids:
                return iter(())
            where += (" AND " if where else " WHERE ") + f"c.id IN ({marks(len(ids))})"
            params.extend(ids)
        sql = f"SELECT {_CALL_COLUMNS} FROM {_CALL_FROM}{where} ORDER BY {day}, c.id"
        return (_stored_call(row) for row in self.db.stream(sql, params))

    def errors(self, path: str | Path | None = None, limit: int | None = None) -> list[StoredError]:
        """Errors recorded, newest last (for one path, or all; the newest ``limit`` only, if
        given)."""
        sql = f"SELECT {_ERROR_COLUMNS} FROM errors"
        params: list[Any] = []
        if path is not None:
            sql += " WHERE path = ?"
            params.append(str(path))
        sql += " ORDER BY at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        rows = self.db.execute(sql, params).fetchall()
        return [StoredError(*r) for r in reversed(rows)]

    def last_error(self, call: int) -> StoredError | None:
        row = self.db.execute(
            f"SELECT {_ERROR_COLUMNS} FROM errors WHERE call = ? ORDER BY at DESC, id DESC LIMIT 1",
            (call,),
        ).fetchone()
        return StoredError(*row) if row else None

    def counts(self, day_start: float | None = None) -> QueueCounts:
        """The queue: calls pending, in progress (live claim), failed, scored, and scored since
        ``day_start``."""
        if day_start is None:
            t = time.localtime()
            day_start = time.mktime((t.tm_year, t.tm_mon, t.tm_mday, 0, 0, 0, 0, 0, -1))
        rows = dict(self.db.execute("SELECT state, COUNT(*) FROM calls GROUP BY state").fetchall())
        today = self.db.execute(
            "SELECT COUNT(*) FROM calls WHERE state = 'scored' AND updated_at >= ?", (day_start,)
        ).fetchone()[0]
        return QueueCounts(
            rows.get("pending", 0),
            rows.get("claimed", 0),
            rows.get("failed", 0),
            rows.get("scored", 0),
            int(today),
        )

    def briefs(
        self,
        since: str | None = None,
        until: str | None = None,
        agent: str | None = None,
        state: CallState | None = None,
    ) -> Iterator[CallBrief]:
        """Like :meth:`calls` (same filters, same order, streamed) without the review bodies: what a
        sample or a queue needs of each call, cheap for a whole week."""
        where, params, day = self._call_filter(since, until, agent, state)
        sql = (
            "SELECT c.id, c.path, c.agent, c.call_id, c.call_date, c.metadata, r.score, r.band, "
            f"r.needs_review FROM {_CALL_FROM}{where} ORDER BY {day}, c.id"
        )
        for row in self.db.stream(sql, params):
            yield CallBrief(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                row[6],
                row[7],
                bool(row[8]),
                json.loads(row[5]) if row[5] else {},
            )

    def last_day(self, state: CallState | None = "scored") -> str | None:
        """The latest call date (else the day it was stored) among calls in ``state``; ``None`` for
        none."""
        where, params, day = self._call_filter(None, None, None, state)
        row = self.db.execute(f"SELECT MAX({day}) FROM calls c{where}", params).fetchone()
        return row[0] if row else None

    def _call_filter(
        self, since: str | None, until: str | None, agent: str | None, state: CallState | None
    ) -> tuple[str, list[Any], str]:
        """`` WHERE …`` (or ``""``), its parameters, and the day expression :meth:`calls` orders
        by."""
        day = call_day(self.db)
        where, params = [], []
        for sql, value in (
            (f"{day} >= ?", since),
            (f"{day} <= ?", until),
            ("c.agent = ?", agent),
            ("c.state = ?", state),
        ):
            if value:
                where.append(sql)
                params.append(value)
        return (" WHERE " + " AND ".join(where) if where else ""), params, day


def _stored_call(row: Sequence[Any]) -> StoredCall:
    return StoredCall(
        id=row[0],
        sha256=row[1],
        path=row[2],
        agent=row[3],
        call_id=row[4],
        date=row[5],
        direction=row[6],
        customer_name=row[7],
        duration_s=row[8],
        state=row[9],
        review_id=row[10],
        version=row[11],
        score=row[12],
        band=row[13],
        needs_review=bool(row[14]),
        review=json.loads(row[15]) if row[15] else None,
        scored_at=row[16],
    )
