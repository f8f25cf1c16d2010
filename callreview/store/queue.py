"""The reviewer's queue and the team's figures as SQL: a page of scored calls with their final
score (the automatic one until a person reviewed it), filtered and sorted; per-agent tallies;
the counts agreement is computed from.

Reads the item index (``review_items``) and the kept final scores (``review_finals``); what
the figures mean (weeks, rates, kappa) is :mod:`callreview.team`'s.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from callreview.results import ITEMS
from callreview.store.part import Part
from callreview.store.sql import call_day, marks

SORTS = ("date", "score", "agent", "duration", "id")


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows; ``None`` is no filter."""

    agent: str | None = None
    since: str | None = None
    """Inclusive ``YYYY-MM-DD`` (the call's date, else the day it was stored)."""
    until: str | None = None
    band: str | None = None
    """The final band."""
    failed: str | None = None
    """An item whose final status is ``fail``."""
    needs_review: bool | None = None
    """The automation's flag: some item needs a person."""
    sample: str | None = None
    """A named sample (``callreview sample``)."""
    reviewed: bool | None = None
    appeals: Literal["open", "any"] | None = None


@dataclass(frozen=True)
class QueueRow:
    id: int
    call_id: str | None
    agent: str | None
    date: str | None
    direction: str | None
    duration_s: float | None
    path: str
    score: float | None
    band: str | None
    auto_score: float | None
    needs_review: bool
    reviewed: bool
    sampled: bool
    open_appeals: int
    problems: tuple[tuple[str, str], ...] = ()
    """(item, final status) of the items that failed or need review."""


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class AgentTallies:
    """The queue's calls counted per agent, as :meth:`Queue.agent_tallies` reads them."""

    days: list[tuple[str | None, str, int, float, int, float | None, int]] = field(
        default_factory=list
    )
    """(agent, day, calls, sum of final scores, calls with a score, lowest score, reviewed)."""
    bands: list[tuple[str | None, str, int]] = field(default_factory=list)
    """(agent, final band, calls)."""
    open_appeals: list[tuple[str | None, int]] = field(default_factory=list)
    """(agent, open appeals)."""
    failures: list[tuple[str | None, str, int, int]] = field(default_factory=list)
    """(agent, item, calls whose final status is fail, calls judged pass or fail)."""


_SCORE = "CASE WHEN f.review IS NULL THEN r.score ELSE f.score END"
_BAND = "CASE WHEN f.review IS NULL THEN r.band ELSE f.band END"
_QUEUE_FROM = (
    "calls c JOIN reviews r ON r.id = c.current_review "
    "LEFT JOIN review_finals f ON f.review = c.current_review"
)
_QUEUE_FROM_SLIM = "calls c LEFT JOIN review_finals f ON f.review = c.current_review"
_TALLY_FROM = (
    "calls c JOIN review_facts r ON r.review = c.current_review "
    "LEFT JOIN review_finals f ON f.review = c.current_review"
)
"""The queue's FROM with each review's indexed facts (schema 8: the score, band and flag the
queue's filters read, as ``reviews`` has them) in place of its row, which holds the body."""


class Queue(Part):
    def queue(
        self,
        filters: QueueFilter = QueueFilter(),
        sort: str = "date",
        descending: bool = True,
        page: int = 1,
        per_page: int = 50,
    ) -> QueuePage:
        """A page of scored calls with their final score, filtered and sorted (reads the item
        index: :meth:`index_items` first for reviews stored before it)."""
        where, params = self._where(filters)
        day = call_day(self.db)
        order = {
            "date": day,
            "score": _SCORE,
            "agent": "c.agent",
            "duration": "c.duration_s",
            "id": "c.id",
        }.get(sort, day)
        direction = "DESC" if descending else "ASC"
        # NULLs last either way, and the same on both backends
        order_by = (
            f"CASE WHEN {order} IS NULL THEN 1 ELSE 0 END, {order} {direction}, c.id {direction}"
        )
        slim = _slim(filters, sort)
        total = int(
            self.db.execute(
                f"SELECT COUNT(*) FROM {_counted(filters)} WHERE {where}", params
            ).fetchone()[0]
        )
        page = max(1, page)
        # the page's ids first (sorting every call), then their columns (only those calls)
        ids = [
            r[0]
            for r in self.db.execute(
                f"SELECT c.id FROM {slim} WHERE {where} ORDER BY {order_by} LIMIT ? OFFSET ?",
                [*params, per_page, (page - 1) * per_page],
            ).fetchall()
        ]
        found = {
            r[0]: r
            for r in self.db.execute(
                "SELECT c.id, c.call_id, c.agent, c.call_date, c.direction, c.duration_s, c.path, "
                f"{_SCORE}, {_BAND}, r.score, r.needs_review, "
                "CASE WHEN f.review IS NULL THEN 0 ELSE 1 END, "
                "CASE WHEN EXISTS (SELECT 1 FROM sample_calls sc WHERE sc.call = c.id) "
                "THEN 1 ELSE 0 END, "
                "(SELECT COUNT(*) FROM appeals a WHERE a.call = c.id AND a.status = 'open'), "
                f"c.current_review FROM {_QUEUE_FROM} WHERE c.id IN ({marks(len(ids)) or 'NULL'})",
                ids,
            ).fetchall()
        }
        rows = [found[i] for i in ids if i in found]
        problems = self._problems([r[14] for r in rows])
        out = [
            QueueRow(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                r[7],
                r[8],
                r[9],
                bool(r[10]),
                bool(r[11]),
                bool(r[12]),
                int(r[13]),
                problems.get(r[14], ()),
            )
            for r in rows
        ]
        return QueuePage(out, total, page, per_page)

    def _problems(self, reviews: Sequence[int]) -> dict[int, tuple[tuple[str, str], ...]]:
        if not reviews:
            return {}
        rows = self.db.execute(
            f"SELECT review, item, final FROM review_items WHERE review IN ({marks(len(reviews))}) "
            "AND final IN ('fail', 'review')",
            list(reviews),
        ).fetchall()
        found: dict[int, list[tuple[str, str]]] = {}
        for review, item, status in rows:
            found.setdefault(review, []).append((item, status))
        return {
            k: tuple(sorted(v, key=lambda p: (ITEMS.index(p[0]) if p[0] in ITEMS else 99, p[0])))
            for k, v in found.items()
        }

    def _where(self, f: QueueFilter) -> tuple[str, list[Any]]:
        where: list[str] = ["c.state = 'scored'"]
        params: list[Any] = []
        day = call_day(self.db)
        if f.agent:
            where.append("c.agent = ?")
            params.append(f.agent)
        if f.since:
            where.append(f"{day} >= ?")
            params.append(f.since)
        if f.until:
            where.append(f"{day} <= ?")
            params.append(f.until)
        if f.band:
            where.append(f"{_BAND} = ?")
            params.append(f.band)
        if f.failed:
            where.append(
                "EXISTS (SELECT 1 FROM review_items ri WHERE ri.review = c.current_review "
                "AND ri.item = ? AND ri.final = 'fail')"
            )
            params.append(f.failed)
        if f.needs_review is not None:
            where.append("r.needs_review = ?")
            params.append(int(f.needs_review))
        if f.sample:
            where.append(
                "c.id IN (SELECT sc.call FROM sample_calls sc JOIN samples s ON s.id = sc.sample "
                "WHERE s.name = ?)"
            )
            params.append(f.sample)
        if f.reviewed is not None:
            where.append("f.review IS NOT NULL" if f.reviewed else "f.review IS NULL")
        if f.appeals == "open":
            where.append(
                "EXISTS (SELECT 1 FROM appeals a WHERE a.call = c.id AND a.status = 'open')"
            )
        elif f.appeals == "any":
            where.append("EXISTS (SELECT 1 FROM appeals a WHERE a.call = c.id)")
        return " AND ".join(where), params

    def agent_names(self) -> list[str]:
        """Every agent id the calls carry, sorted."""
        return [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT agent FROM calls WHERE agent IS NOT NULL ORDER BY agent"
            ).fetchall()
        ]

    def agent_tallies(self, filters: QueueFilter = QueueFilter()) -> AgentTallies:
        """The queue's calls (same filters) counted per agent: per day, per final band, open
        appeals, and each item's final fails (reads the item index and the reviews' facts,
        :meth:`index_items` first)."""
        where, params = self._where(filters)
        day = call_day(self.db)
        # per agent, day and band (a few thousand rows for a quarter), in one pass: days first,
        # so SQLite reads the calls in table order, not through the (agent, date) index (random
        # reads, several times slower); weeks are folded by the caller
        rows = self.db.execute(
            f"SELECT c.agent, {day}, {_BAND}, COUNT(*), SUM({_SCORE}), COUNT({_SCORE}), "
            f"MIN({_SCORE}), SUM(CASE WHEN f.review IS NULL THEN 0 ELSE 1 END) "
            f"FROM {_TALLY_FROM} WHERE {where} GROUP BY {day}, {_BAND}, c.agent",
            params,
        ).fetchall()
        days: dict[tuple[str | None, str], list[Any]] = {}
        bands: dict[tuple[str | None, str], int] = {}
        for agent, d, band, n, total, scored, low, reviewed in rows:
            seen = days.setdefault((agent, d), [0, 0.0, 0, None, 0])
            seen[0] += int(n)
            seen[1] += float(total or 0.0)
            seen[2] += int(scored)
            if low is not None:
                seen[3] = low if seen[3] is None else min(seen[3], low)
            seen[4] += int(reviewed or 0)
            if band is not None:
                bands[agent, band] = bands.get((agent, band), 0) + int(n)
        appeals = self.db.execute(
            f"SELECT c.agent, COUNT(*) FROM {_TALLY_FROM} JOIN appeals a ON a.call = c.id "
            f"WHERE {where} AND a.status = 'open' GROUP BY c.agent",
            params,
        ).fetchall()
        return AgentTallies(
            [
                (a, d, n, total, scored, low, reviewed)
                for (a, d), (n, total, scored, low, reviewed) in days.items()
            ],
            [(a, band, n) for (a, band), n in bands.items()],
            [(a, int(n)) for a, n in appeals],
            self._failures(where, params),
        )

    def _failures(self, where: str, params: list[Any]) -> list[tuple[str | None, str, int, int]]:
        """(agent, item, final fails, judged) of :meth:`agent_tallies`: the calls nobody reviewed
        grouped by their automatic statuses (a text few calls differ in), the reviewed ones'
        final statuses from the item index."""
        counts: dict[tuple[str | None, str], list[int]] = {}
        auto = self.db.execute(
            f"SELECT c.agent, r.statuses, COUNT(*) FROM {_TALLY_FROM} "
            f"WHERE {where} AND f.review IS NULL GROUP BY r.statuses, c.agent",  # as above
            params,
        ).fetchall()
        for agent, statuses, n in auto:
            for item, status in json.loads(statuses):
                seen = counts.setdefault((agent, item), [0, 0])
                seen[0] += int(n) if status == "fail" else 0
                seen[1] += int(n) if status in ("pass", "fail") else 0
        reviewed = self.db.execute(
            "SELECT c.agent, ri.item, SUM(CASE WHEN ri.final = 'fail' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN ri.final IN ('pass', 'fail') THEN 1 ELSE 0 END) "
            "FROM review_finals f CROSS JOIN calls c CROSS JOIN review_facts r "
            "CROSS JOIN review_items ri WHERE c.current_review = f.review "
            f"AND r.review = f.review AND ri.review = f.review AND {where} "
            "GROUP BY c.agent, ri.item",
            params,
        ).fetchall()
        for agent, item, failed, judged in reviewed:
            seen = counts.setdefault((agent, item), [0, 0])
            seen[0] += int(failed or 0)
            seen[1] += int(judged or 0)
        return [(agent, item, failed, judged) for (agent, item), (failed, judged) in counts.items()]

    def kept_finals(self, calls: Sequence[int]) -> dict[int, tuple[float | None, str | None]]:
        """call → (final score, final band) kept for its current review, for the calls a person
        has reviewed (the others' final result is the automatic one)."""
        if not calls:
            return {}
        rows = self.db.execute(
            "SELECT c.id, f.score, f.band FROM calls c "
            "JOIN review_finals f ON f.review = c.current_review "
            f"WHERE c.id IN ({marks(len(calls))})",
            list(calls),
        ).fetchall()
        return {int(r[0]): (r[1], r[2]) for r in rows}

    def agreement_counts(self) -> list[tuple[str, str, str, int]]:
        """(item, automatic status, final status, calls) over calls whose current review a person
        has reviewed (reads the item index, as :meth:`queue`)."""
        rows = self.db.execute(
            # from the few reviewed calls outwards (CROSS JOIN: SQLite keeps this order;
            # PostgreSQL plans it freely)
            "SELECT ri.item, ri.auto, ri.final, COUNT(*) FROM review_finals f "
            "CROSS JOIN review_items ri CROSS JOIN calls c "
            "WHERE ri.review = f.review AND c.current_review = f.review "
            "GROUP BY ri.item, ri.auto, ri.final"
        ).fetchall()
        return [(item, auto, final, int(n)) for item, auto, final, n in rows]


def _slim(filters: QueueFilter, sort: str = "date") -> str:
    """The queue's FROM without the reviews table when neither the filters nor the sort read it:
    a review row holds its whole body, and skipping those is most of what a page costs."""
    if filters.band or filters.needs_review is not None or sort == "score":
        return _QUEUE_FROM
    return _QUEUE_FROM_SLIM


def _counted(filters: QueueFilter) -> str:
    """The FROM the queue's count needs: the final results only when a filter reads them (at most
    one row per call, so leaving them out counts the same calls)."""
    if filters.band or filters.needs_review is not None:
        return _QUEUE_FROM
    return _QUEUE_FROM_SLIM if filters.reviewed is not None else "calls c"
