"""The summary's counts as SQL over indexed rows, never review bodies.

Each review version is indexed as it is written (and a store's older ones once, on first use,
:meth:`Aggregates.index_facts`): ``review_facts`` (its automatic score, band, band label,
whether it waits for a person, and as two short texts that few reviews differ in, its item
statuses and its parts heard or not) and ``review_hits`` (its phrase hits per item), beside
``review_items`` (each item's automatic and final status). Grouping by those texts counts
100,000 calls in one pass over one row each. :meth:`Aggregates.summary_counts` counts a range of
scored calls from them, per agent or per call date, with the final score and band people's
review kept (``review_finals``) and the final statuses; what the counts mean is
:mod:`callreview.team.summary`'s.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from callreview.store.part import Part
from callreview.store.sql import call_day, marks

GroupBy = Literal["agent", "date"]

FACTS_INDEXED = "facts_indexed"
"""The ``meta`` key set once every review stored before the index existed is in it."""

SCORE = "CASE WHEN f.review IS NULL THEN x.score ELSE f.score END"
"""A call's final score: the one kept when a person reviewed it, else the automatic one."""
BAND = "CASE WHEN f.review IS NULL THEN x.band ELSE f.band END"
WAITS = (
    "CASE WHEN f.review IS NULL THEN x.waits WHEN x.delivery_waits = 1 OR EXISTS (SELECT 1 "
    "FROM review_items wi WHERE wi.review = c.current_review AND wi.final = 'review') "
    "THEN 1 ELSE 0 END"
)
"""Some final status is ``review`` (items after overrides, delivery metrics as they are)."""
RESCORED = (
    "CASE WHEN f.review IS NOT NULL AND f.score IS NOT NULL AND EXISTS (SELECT 1 FROM overrides "
    "o WHERE o.review = c.current_review) THEN 1 ELSE 0 END"
)
"""A person's overrides gave the call its score, so its band label is the scorecard's."""
FACTS_FROM = (
    "calls c JOIN review_facts x ON x.review = c.current_review "
    "LEFT JOIN review_finals f ON f.review = c.current_review"
)
"""The scored calls with their current review's facts, without the reviews table (a review row
holds its whole body)."""


@dataclass(frozen=True)
class _Facts:
    """:data:`FACTS_FROM` with the :data:`WAITS` and :data:`RESCORED` that read it."""

    source: str
    waits: str
    rescored: str


SQLITE_FACTS = _Facts(FACTS_FROM, WAITS, RESCORED)
POSTGRESQL_FACTS = _Facts(
    FACTS_FROM + " LEFT JOIN (SELECT DISTINCT review FROM overrides) ov ON ov.review = f.review "
    "LEFT JOIN (SELECT DISTINCT wi.review FROM review_finals wf JOIN review_items wi "
    "ON wi.review = wf.review WHERE wi.final = 'review') rw ON rw.review = f.review",
    "CASE WHEN f.review IS NULL THEN x.waits WHEN x.delivery_waits = 1 OR rw.review IS NOT NULL "
    "THEN 1 ELSE 0 END",
    "CASE WHEN f.review IS NOT NULL AND f.score IS NOT NULL AND ov.review IS NOT NULL "
    "THEN 1 ELSE 0 END",
)
"""The same on PostgreSQL, the reviewed calls' overrides and waiting items joined once: with
the correlated EXISTS, its planner sorted all 100,000 rows to group them (330 ms; 224 ms so), where
SQLite is faster with the EXISTS (381 ms; 515 ms joined)."""


@dataclass(frozen=True)
class CallRange:
    """Which scored calls are counted: inclusive ``YYYY-MM-DD`` days (the call's date, else the
    day it was stored), one agent; ``None`` is no filter."""

    since: str | None = None
    until: str | None = None
    agent: str | None = None


@dataclass(frozen=True)
class GroupRow:
    """Calls of one group that share their final band, label, waiting flag and parts."""

    key: str | None
    """The agent, or the call's date (``None``: none)."""
    band: str | None
    band_label: str | None
    """The automatic review's band label."""
    rescored: bool
    """Overrides gave these calls their score (their band label is the scorecard's)."""
    waits: bool
    parts: tuple[tuple[str, str, str], ...]
    """(item, part, ``found`` | ``missed`` | ``uncertain``) of every part the reviews have."""
    statuses: tuple[tuple[str, str], ...] | None
    """(item, status) of the reviews' items, final as automatic: nobody reviewed these calls
    (``None`` for reviewed ones: :attr:`SummaryCounts.statuses` counts theirs)."""
    calls: int
    scored: int
    score_sum: float
    min_score: float | None
    first_date: str | None
    last_date: str | None


@dataclass(frozen=True)
class WaitingRow:
    id: int
    agent: str | None
    date: str | None
    call_id: str | None
    path: str
    score: float | None
    items: tuple[str, ...]
    """The items whose final status is ``review``."""


@dataclass(frozen=True)
class SummaryCounts:
    """What :meth:`Aggregates.summary_counts` reads: a few rows per group, whatever the number
    of calls."""

    groups: list[GroupRow] = field(default_factory=list)
    statuses: list[tuple[str | None, str, str, int]] = field(default_factory=list)
    """(key, item, final status, calls) of the calls a person reviewed."""
    hits: list[tuple[str | None, str, int, int]] = field(default_factory=list)
    """(key, phrase, hits, calls with a hit)."""
    waiting: list[WaitingRow] = field(default_factory=list)
    """The first waiting calls in call order (date, id)."""


class Aggregates(Part):
    def summary_counts(
        self,
        where: CallRange = CallRange(),
        group: GroupBy = "agent",
        hits_of: tuple[str, str] = ("", ""),
        waiting_limit: int = 20,
    ) -> SummaryCounts:
        """Counts of the scored calls in ``where``, per agent or call date; ``hits_of``: (item,
        final status) of the calls whose hits of that item count. Reads the indexes:
        :meth:`index_facts` and :meth:`index_items` first."""
        cond, params = self._range(where)
        key = "c.agent" if group == "agent" else "c.call_date"
        # SQLite would fold the inner SELECT into the GROUP BY and compute each CASE twice, once
        # as a key and once as a value (a third slower at 100,000 calls); a LIMIT keeps it apart
        apart = " LIMIT -1" if self.db.name == "sqlite" else ""
        facts = self._facts()
        rows = self.db.execute(
            "SELECT k, band, band_label, rescored, waits, parts, statuses, COUNT(*), "
            "COUNT(score), SUM(score), MIN(score), MIN(call_date), MAX(call_date) FROM ("
            f"SELECT {key} AS k, {BAND} AS band, x.band_label AS band_label, "
            f"{facts.rescored} AS rescored, {facts.waits} AS waits, x.parts AS parts, "
            "CASE WHEN f.review IS NULL THEN x.statuses END AS statuses, "
            f"{SCORE} AS score, c.call_date AS call_date FROM {facts.source} WHERE {cond}{apart}"
            ") t GROUP BY k, band, band_label, rescored, waits, parts, statuses",
            params,
        ).fetchall()
        texts: dict[str, Any] = {}  # each distinct text parsed once

        def parsed(text: str | None) -> Any:
            if text is None:
                return None
            if text not in texts:
                texts[text] = tuple(tuple(v) for v in json.loads(text))
            return texts[text]

        groups = [
            GroupRow(
                r[0],
                r[1],
                r[2],
                bool(r[3]),
                bool(r[4]),
                parsed(r[5]),
                parsed(r[6]),
                int(r[7]),
                int(r[8]),
                float(r[9] or 0.0),
                None if r[10] is None else float(r[10]),
                r[11],
                r[12],
            )
            for r in rows
        ]
        # the reviewed calls' final statuses, from the few reviewed calls outwards (CROSS JOIN:
        # SQLite keeps this order)
        statuses = self.db.execute(
            f"SELECT {key}, ri.item, ri.final, COUNT(*) FROM review_finals f "
            "CROSS JOIN calls c CROSS JOIN review_items ri WHERE c.current_review = f.review "
            f"AND ri.review = f.review AND {cond} GROUP BY {key}, ri.item, ri.final",
            params,
        ).fetchall()
        hits = self.db.execute(
            f"SELECT {key}, h.phrase, SUM(h.hits), COUNT(*) FROM calls c "
            "JOIN review_hits h ON h.review = c.current_review AND h.item = ? "
            "JOIN review_items ri ON ri.review = c.current_review AND ri.item = h.item "
            f"WHERE ri.final = ? AND {cond} GROUP BY {key}, h.phrase",
            [*hits_of, *params],
        ).fetchall()
        return SummaryCounts(
            groups,
            [(k, item, status, int(n)) for k, item, status, n in statuses],
            [(k, phrase, int(n), int(calls)) for k, phrase, n, calls in hits],
            # the groups count the waiting calls: none, and there are none to list
            self._waiting(cond, params, waiting_limit) if any(g.waits for g in groups) else [],
        )

    def first_labelled(
        self, where: CallRange, band: str, label: str | None, rescored: bool
    ) -> tuple[str, int] | None:
        """(day, id) of the first call in call order of ``where`` whose final band, automatic
        band label and :attr:`GroupRow.rescored` are these: which label a band shows when its
        calls carry several."""
        cond, params = self._range(where)
        facts = self._facts()
        row = self.db.execute(
            f"SELECT {call_day(self.db)}, c.id FROM {facts.source} WHERE {cond} AND {BAND} = ? "
            f"AND x.band_label {self.db.null_safe_eq} ? AND {facts.rescored} = ? "
            f"ORDER BY {call_day(self.db)}, c.id LIMIT 1",
            [*params, band, label, int(rescored)],
        ).fetchone()
        return (str(row[0]), int(row[1])) if row else None

    def _waiting(self, cond: str, params: list[Any], limit: int) -> list[WaitingRow]:
        day = call_day(self.db)
        facts = self._facts()
        rows = self.db.execute(
            f"SELECT c.id, c.agent, c.call_date, c.call_id, c.path, {SCORE}, c.current_review "
            f"FROM {facts.source} WHERE {cond} AND {facts.waits} = 1 ORDER BY {day}, c.id LIMIT ?",
            [*params, limit],
        ).fetchall()
        reviews = [r[6] for r in rows]
        in_review: dict[int, list[str]] = {}
        if reviews:
            for review, item in self.db.execute(
                f"SELECT review, item FROM review_items WHERE review IN ({marks(len(reviews))}) "
                "AND final = 'review'",
                reviews,
            ).fetchall():
                in_review.setdefault(review, []).append(item)
        return [
            WaitingRow(r[0], r[1], r[2], r[3], r[4], r[5], tuple(in_review.get(r[6], ())))
            for r in rows
        ]

    def _facts(self) -> _Facts:
        return SQLITE_FACTS if self.db.name == "sqlite" else POSTGRESQL_FACTS

    def _range(self, where: CallRange) -> tuple[str, list[Any]]:
        day = call_day(self.db)
        cond, params = ["c.state = 'scored'"], []
        for sql, value in (
            (f"{day} >= ?", where.since),
            (f"{day} <= ?", where.until),
            ("c.agent = ?", where.agent),
        ):
            if value:
                cond.append(sql)
                params.append(value)
        return " AND ".join(cond), params

    # --- the index ------------------------------------------------------------------------

    def index_facts(self) -> int:
        """Index the reviews stored before this index existed (or by a bulk insert); returns
        how many were added. A read-only store is left as it is (:meth:`facts_complete`)."""
        if self.db.read_only or self._marked_complete():
            return 0
        missing = self._unindexed()
        for lo in range(0, len(missing), 500):
            ids = missing[lo : lo + 500]
            rows = self.db.execute(
                "SELECT id, call, score, band, needs_review, body FROM reviews "
                f"WHERE id IN ({marks(len(ids))})",
                ids,
            ).fetchall()
            with self.db.transaction():
                for review, call, score, band, needs_review, body in rows:
                    self.add_facts(review, call, score, band, bool(needs_review), json.loads(body))
        self._mark_complete()
        return len(missing)

    def facts_complete(self) -> bool:
        """Every stored review is in the index (what :meth:`summary_counts` counts)."""
        if self._marked_complete():
            return True
        if self._unindexed(1):
            return False
        if not self.db.read_only:
            self._mark_complete()
        return True

    def _mark_complete(self) -> None:
        # every review written from now on is indexed as it is written: no scan needed again
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key) DO NOTHING",
            (FACTS_INDEXED,),
        )

    def _marked_complete(self) -> bool:
        return (
            self.db.execute("SELECT 1 FROM meta WHERE key = ?", (FACTS_INDEXED,)).fetchone()
            is not None
        )

    def _unindexed(self, limit: int | None = None) -> list[int]:
        # ids only: SQLite reads them from an index, not from the rows holding the bodies
        sql = (
            "SELECT r.id FROM reviews r WHERE NOT EXISTS "
            "(SELECT 1 FROM review_facts x WHERE x.review = r.id)"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [int(r[0]) for r in self.db.execute(sql).fetchall()]

    def add_facts(
        self,
        review: int,
        call: int,
        score: float | None,
        band: str | None,
        needs_review: bool,
        body: Mapping[str, Any],
    ) -> None:
        """Index one review version (its body: the JSON contract of a review), inside the
        caller's transaction; a version indexed already is left as it is."""
        items: Mapping[str, Any] = body.get("items") or {}
        delivery = (body.get("delivery") or {}).values()
        delivery_waits = any(d.get("status") == "review" for d in delivery)
        waits = delivery_waits or any(i.get("status") == "review" for i in items.values())
        parts: list[tuple[str, str, str]] = []
        hits: dict[tuple[str, str], int] = {}
        for name, item in items.items():
            for part, seen in (item.get("parts") or {}).items():
                heard = "uncertain" if seen.get("uncertain") else "missed"
                parts.append((name, part, "found" if seen.get("found") else heard))
            for hit in item.get("hits") or ():
                if isinstance(hit, Mapping) and "phrase" in hit:
                    hits[name, hit["phrase"]] = hits.get((name, hit["phrase"]), 0) + 1
        cur = self.db.execute(
            "INSERT INTO review_facts (review, call, score, band, band_label, needs_review, "
            "waits, delivery_waits, statuses, parts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (review) DO NOTHING",
            (
                review,
                call,
                score,
                band,
                body.get("band_label"),
                int(needs_review),
                int(waits),
                int(delivery_waits),
                json.dumps([[n, i.get("status", "review")] for n, i in items.items()]),
                json.dumps(parts, ensure_ascii=False),
            ),
        )
        if cur.rowcount != 1:
            return
        if hits:
            self.db.execute(
                "INSERT INTO review_hits (review, call, item, phrase, hits) VALUES "
                + ", ".join(["(?, ?, ?, ?, ?)"] * len(hits)),
                [v for (name, phrase), n in hits.items() for v in (review, call, name, phrase, n)],
            )
