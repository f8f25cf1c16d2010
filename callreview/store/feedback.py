"""Agents' acknowledgements as stored: an agent has seen the reviewed result of their call.

One row per reviewed review version (a rescore makes a new version, unreviewed until a person
looks at it, so a new acknowledgement is due after its review). When an acknowledgement is
late is :mod:`callreview.team.feedback`'s rule (working days); the store lists the reviewed
versions nobody has acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass

from callreview.store.part import Part


@dataclass(frozen=True)
class Acknowledgement:
    review: int
    call: int
    by_user: str
    at: float


@dataclass(frozen=True)
class Unacknowledged:
    """A call's current version, reviewed by a person, that its agent has not acknowledged."""

    call: int
    review: int
    agent: str | None
    date: str | None
    reviewed_by: str
    reviewed_at: float


class FeedbackStore(Part):
    def add_acknowledgement(self, review: int, call: int, by_user: str, at: float) -> None:
        """Inside the caller's transaction (with its audit row)."""
        self.db.execute(
            "INSERT INTO acknowledgements (review, call, by_user, at) VALUES (?, ?, ?, ?)",
            (review, call, by_user, at),
        )

    def acknowledgement(self, review: int) -> Acknowledgement | None:
        row = self.db.execute(
            "SELECT review, call, by_user, at FROM acknowledgements WHERE review = ?", (review,)
        ).fetchone()
        return Acknowledgement(int(row[0]), int(row[1]), row[2], float(row[3])) if row else None

    def unacknowledged(self, reviewed_before: float) -> list[Unacknowledged]:
        """Current versions reviewed before then and not acknowledged, oldest review first."""
        rows = self.db.execute(
            "SELECT c.id, f.review, c.agent, c.call_date, f.reviewed_by, f.reviewed_at "
            "FROM review_finals f JOIN calls c ON c.current_review = f.review "
            "LEFT JOIN acknowledgements a ON a.review = f.review "
            "WHERE a.review IS NULL AND f.reviewed_at < ? "
            "ORDER BY f.reviewed_at, c.id",
            (reviewed_before,),
        ).fetchall()
        return [Unacknowledged(int(r[0]), int(r[1]), r[2], r[3], r[4], float(r[5])) for r in rows]
