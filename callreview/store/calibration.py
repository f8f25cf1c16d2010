"""Calibration rounds as stored: the calls several reviewers score blind, who scores them, and
the marks each reviewer submitted.

A round's call is kept with the review version it had when the round began, so the automation a
reviewer is compared with is the one the round showed nobody. A reviewer's marks of one call
(one status per item) are written in one transaction on submit and never changed: their
presence is what "submitted" means. Who may see what, and the figures, are
:mod:`callreview.team.calibration`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from callreview.store.part import Part
from callreview.store.sql import marks


@dataclass(frozen=True)
class Round:
    """One calibration round: its calls (with the review version each was scored at) and its
    reviewers."""

    id: int
    name: str
    created_by: str
    created_at: float
    calls: tuple[tuple[int, int], ...]
    """``(call, review)`` in call order."""
    reviewers: tuple[str, ...]


@dataclass(frozen=True)
class BlindMark:
    """One reviewer's status of one item of one call in a round."""

    round: int
    call: int
    reviewer: str
    item: str
    status: str
    at: float


class CalibrationStore(Part):
    def add_round(
        self,
        name: str,
        calls: Sequence[tuple[int, int]],
        reviewers: Sequence[str],
        by: str,
        at: float,
    ) -> int:
        """A new round of ``(call, review)`` pairs for ``reviewers``, inside the caller's
        transaction when there is one."""
        round_id = int(
            self.db.execute(
                "INSERT INTO calibration_rounds (name, created_by, created_at) VALUES (?, ?, ?) "
                "RETURNING id",
                (name, by, at),
            ).fetchone()[0]
        )
        for call, review in calls:
            self.db.execute(
                "INSERT INTO calibration_calls (round, call, review) VALUES (?, ?, ?)",
                (round_id, call, review),
            )
        for reviewer in reviewers:
            self.db.execute(
                "INSERT INTO calibration_reviewers (round, reviewer) VALUES (?, ?)",
                (round_id, reviewer),
            )
        return round_id

    def calibration_round(self, round_id: int) -> Round | None:
        row = self.db.execute(
            "SELECT id, name, created_by, created_at FROM calibration_rounds WHERE id = ?",
            (round_id,),
        ).fetchone()
        if row is None:
            return None
        calls = self.db.execute(
            "SELECT call, review FROM calibration_calls WHERE round = ? ORDER BY call",
            (round_id,),
        ).fetchall()
        reviewers = self.db.execute(
            "SELECT reviewer FROM calibration_reviewers WHERE round = ? ORDER BY reviewer",
            (round_id,),
        ).fetchall()
        return Round(
            int(row[0]),
            row[1],
            row[2],
            float(row[3]),
            tuple((int(c), int(r)) for c, r in calls),
            tuple(r[0] for r in reviewers),
        )

    def calibration_rounds(self) -> list[Round]:
        """Every round, oldest first."""
        ids = self.db.execute("SELECT id FROM calibration_rounds ORDER BY id").fetchall()
        return [r for (i,) in ids if (r := self.calibration_round(int(i))) is not None]

    def rounds_of_call(self, call: int) -> list[int]:
        """The rounds the call is in, oldest first."""
        rows = self.db.execute(
            "SELECT round FROM calibration_calls WHERE call = ? ORDER BY round", (call,)
        ).fetchall()
        return [int(r[0]) for r in rows]

    def add_blind_marks(
        self, round_id: int, call: int, reviewer: str, statuses: Mapping[str, str], at: float
    ) -> None:
        """A reviewer's statuses of one call, inside the caller's transaction (a second
        submission is refused by the primary key)."""
        for item, status in statuses.items():
            self.db.execute(
                "INSERT INTO calibration_marks (round, call, reviewer, item, status, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (round_id, call, reviewer, item, status, at),
            )

    def submitted(self, round_id: int, call: int, reviewer: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM calibration_marks WHERE round = ? AND call = ? AND reviewer = ? LIMIT 1",
            (round_id, call, reviewer),
        ).fetchone()
        return row is not None

    def blind_marks(self, rounds: Sequence[int]) -> list[BlindMark]:
        """Every mark of these rounds, by round, call, reviewer and item."""
        if not rounds:
            return []
        rows = self.db.execute(
            "SELECT round, call, reviewer, item, status, at FROM calibration_marks "
            f"WHERE round IN ({marks(len(rounds))}) ORDER BY round, call, reviewer, item",
            list(rounds),
        ).fetchall()
        return [BlindMark(int(r[0]), int(r[1]), r[2], r[3], r[4], float(r[5])) for r in rows]
