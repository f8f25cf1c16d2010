"""Reviewer calibration (seed 004 监控制度 5-6: a reviewer's scoring is checked for
consistency across agents and over time; one whose scores run high or low is retrained).

    start_round(calls, reviewers) ─▶ a round: calls several reviewers score blind
    submit(round, call, statuses) ─▶ one reviewer's marks of a call, final once given
    report(rounds) ─▶ per reviewer and item: agreement with the panel and with the automation;
                      bias (mean score difference vs the panel) per round

**Blind**: until a reviewer has submitted a call of a round they are in, they see neither the
automatic result nor another reviewer's marks of it (:meth:`Calibration.blind`).

**The panel** of a reviewer on a call is the other reviewers who submitted it: on an item, its
status is the one most of them gave (a tie has no majority: that call is not counted for that
item); its score is the scorecard's of those statuses, and a call where the panel ties on some
item is left out of the reviewer's bias (so one outlier does not make the others look biased).
Each score is the scorecard's, of the round's review version with the statuses applied, as
for an override (:func:`callreview.team.finals.final_review`). Agreement and kappa are
:func:`callreview.team.agreement.agreement`'s.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from callreview.errors import CallreviewError, SettingsError
from callreview.qc.scorecard import Scorecard
from callreview.results import STATUSES
from callreview.store import BlindMark, Round, Store, StoredCall
from callreview.team.agreement import Agreement, agreement
from callreview.team.finals import final_review
from callreview.team.users import NotAllowed, NotFound, User

RETRAIN_BIAS = 5.0
"""A reviewer whose mean score runs this many points above or below the panel's is flagged
for retraining."""
MAX_CALLS = 50
"""The most calls one round may hold (each is scored by every reviewer in it)."""


@dataclass(frozen=True)
class ItemFigures:
    """One reviewer's figures on one item."""

    item: str
    panel: Agreement
    """Rows: the reviewer's status; columns: the panel's majority."""
    auto: Agreement
    """Rows: the reviewer's status; columns: the automatic one."""
    bias: float | None
    """Mean of (the reviewer's points − the panel's majority status's points) on the item."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "panel_calls": self.panel.count,
            "panel_agreement": self.panel.percent,
            "panel_kappa": self.panel.kappa,
            "auto_calls": self.auto.count,
            "auto_agreement": self.auto.percent,
            "auto_kappa": self.auto.kappa,
            "bias_points": self.bias,
        }


@dataclass(frozen=True)
class RoundBias:
    round: int
    name: str
    calls: int
    """Calls of the round counted: the panel has a majority on every item."""
    bias: float | None
    """Mean of (the reviewer's score − the panel's score) over those calls."""

    def to_dict(self) -> dict[str, Any]:
        return {"round": self.round, "name": self.name, "calls": self.calls, "bias": self.bias}


@dataclass(frozen=True)
class ReviewerFigures:
    reviewer: str
    calls: int
    bias: float | None
    """Over every call counted, all rounds together."""
    items: tuple[ItemFigures, ...]
    rounds: tuple[RoundBias, ...]
    """Over time: one entry per round the reviewer submitted calls in, oldest first."""

    @property
    def retrain(self) -> bool:
        return self.bias is not None and abs(self.bias) >= RETRAIN_BIAS

    def to_dict(self) -> dict[str, Any]:
        return {
            "reviewer": self.reviewer,
            "calls": self.calls,
            "bias": self.bias,
            "retrain": self.retrain,
            "items": [i.to_dict() for i in self.items],
            "rounds": [r.to_dict() for r in self.rounds],
        }


@dataclass(frozen=True)
class RoundStatus:
    """A round and how far its reviewers are."""

    round: Round
    submitted: Mapping[str, int]
    """Reviewer → calls of the round they submitted."""

    @property
    def done(self) -> bool:
        return all(self.submitted.get(r, 0) == len(self.round.calls) for r in self.round.reviewers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.round.id,
            "name": self.round.name,
            "created_by": self.round.created_by,
            "created_at": self.round.created_at,
            "calls": [c for c, _ in self.round.calls],
            "reviewers": list(self.round.reviewers),
            "submitted": dict(self.submitted),
            "done": self.done,
        }


@dataclass(frozen=True)
class CalibrationReport:
    rounds: tuple[RoundStatus, ...]
    reviewers: tuple[ReviewerFigures, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rounds": [r.to_dict() for r in self.rounds],
            "reviewers": [r.to_dict() for r in self.reviewers],
            "retrain_bias": RETRAIN_BIAS,
        }


class Calibration:
    """Rounds, blind marks and their figures, on one store and scorecard."""

    def __init__(self, store: Store, scorecard: Scorecard) -> None:
        self.store = store
        self.scorecard = scorecard

    # --- rounds ---------------------------------------------------------------------------

    def start_round(
        self,
        reviewers: Sequence[str],
        by: str,
        calls: int | None = None,
        sample: str | None = None,
        name: str | None = None,
        seed: int | None = None,
    ) -> Round:
        """A round of ``calls`` scored calls picked at random (or the calls of a saved
        ``sample``) for ``reviewers``: at least two users who may review."""
        names = sorted(set(reviewers))
        if len(names) < 2:
            raise SettingsError(
                "a calibration round needs at least two reviewers; name them, e.g. "
                "--reviewers rita,ray,rob"
            )
        for reviewer in names:
            stored = self.store.user(reviewer)
            if stored is None:
                raise SettingsError(
                    f"reviewer {reviewer}: no such user in {self.store.where}; "
                    "add them with callreview user add"
                )
            if stored.role not in ("reviewer", "supervisor"):
                raise SettingsError(
                    f"user {reviewer} is {stored.role}: only reviewers and supervisors score "
                    "calibration rounds"
                )
        picked = self._pick(calls, sample, seed)
        now = time.time()
        with self.store.transaction():
            round_id = self.store.add_round(
                name or time.strftime("%Y-%m-%d %H:%M", time.localtime(now)),
                picked,
                names,
                by,
                now,
            )
            self.store.add_audit(
                now,
                by,
                "calibration_start",
                f"round {round_id}",
                f"{len(picked)} calls, reviewers {','.join(names)}",
            )
        started = self.store.calibration_round(round_id)
        assert started is not None
        return started

    def _pick(
        self, calls: int | None, sample: str | None, seed: int | None
    ) -> list[tuple[int, int]]:
        if (calls is None) == (sample is None):
            raise SettingsError("a calibration round takes --calls N or --sample NAME (one)")
        if sample is not None:
            ids = self.store.sample(sample)
            if not ids:
                raise SettingsError(
                    f"no sample {sample!r} in {self.store.where}; make one with callreview sample"
                )
            scored = [c for c in self.store.calls(ids=ids, state="scored")]
        else:
            assert calls is not None
            if not 1 <= calls <= MAX_CALLS:
                raise SettingsError(
                    f"--calls {calls}: a round holds 1 to {MAX_CALLS} calls (every reviewer "
                    "scores each)"
                )
            scored = _reservoir(self.store.calls(state="scored"), calls, random.Random(seed))
        picked = sorted((c.id, c.review_id) for c in scored if c.review_id is not None)
        if not picked:
            raise CallreviewError(f"no scored call to calibrate on in {self.store.where}")
        return picked[:MAX_CALLS]

    def round(self, round_id: int) -> Round:
        found = self.store.calibration_round(round_id) if 0 <= round_id < 2**63 else None
        if found is None:
            raise NotFound(f"no calibration round {round_id} in {self.store.where}")
        return found

    def rounds(self) -> list[RoundStatus]:
        rounds = self.store.calibration_rounds()
        marks = self.store.blind_marks([r.id for r in rounds])
        return [_status(r, marks) for r in rounds]

    def status(self, round_id: int) -> RoundStatus:
        found = self.round(round_id)
        return _status(found, self.store.blind_marks([found.id]))

    # --- blind marks ----------------------------------------------------------------------

    def blind(self, user: User, call: int) -> int | None:
        """The round that keeps ``call`` blind for ``user`` (they are its reviewer and have not
        submitted it yet), else ``None``."""
        for round_id in self.store.rounds_of_call(call):
            found = self.store.calibration_round(round_id)
            if (
                found is not None
                and user.name in found.reviewers
                and not self.store.submitted(round_id, call, user.name)
            ):
                return round_id
        return None

    def blind_calls(self, user: User) -> frozenset[int]:
        """Every call kept blind for ``user``: in a round they review and have not submitted."""
        rounds = [r for r in self.store.calibration_rounds() if user.name in r.reviewers]
        if not rounds:
            return frozenset()
        done = {
            (m.round, m.call)
            for m in self.store.blind_marks([r.id for r in rounds])
            if m.reviewer == user.name
        }
        return frozenset(c for r in rounds for c, _ in r.calls if (r.id, c) not in done)

    def round_call(self, round_id: int, call: int, user: User) -> tuple[Round, StoredCall]:
        """The round and its call as the round's review version, for one of its reviewers or a
        supervisor."""
        found = self.round(round_id)
        review = dict(found.calls).get(call)
        if review is None:
            raise NotFound(f"call {call} is not in calibration round {round_id}")
        if user.name not in found.reviewers and user.role != "supervisor":
            raise NotAllowed(f"user {user.name} is not a reviewer of calibration round {round_id}")
        return found, self._as_scored(call, review)

    def _as_scored(self, call: int, review: int) -> StoredCall:
        stored = self.store.call(call)
        version = self.store.review_version(review)
        if stored is None or version is None:
            raise NotFound(f"call {call} of the round is no longer in {self.store.where}")
        return replace(
            stored,
            review_id=version.id,
            version=version.version,
            score=version.score,
            band=version.band,
            review=version.review,
        )

    def submit(self, round_id: int, call: int, statuses: Mapping[str, str], user: User) -> None:
        """The reviewer's status of every item of the call; refused when one is missing or
        unknown, or when they submitted it already."""
        found, stored = self.round_call(round_id, call, user)
        if user.name not in found.reviewers:
            raise NotAllowed(f"user {user.name} is not a reviewer of calibration round {round_id}")
        items = list((stored.review or {}).get("items", {}))
        missing = [i for i in items if statuses.get(i) not in STATUSES]
        if missing:
            raise CallreviewError(
                f"give every item a status ({', '.join(STATUSES)}); missing: {', '.join(missing)}"
            )
        now = time.time()
        with self.store.transaction():
            self.store.lock_call(call)
            if self.store.submitted(round_id, call, user.name):
                raise CallreviewError(
                    f"you submitted call {call} of round {round_id} already; blind marks are final"
                )
            self.store.add_blind_marks(
                round_id, call, user.name, {i: statuses[i] for i in items}, now
            )
            self.store.add_audit(
                now, user.name, "calibration_submit", f"call {call}", f"round {round_id}"
            )

    def marks(self, round_id: int, call: int) -> dict[str, dict[str, str]]:
        """Reviewer → item → status, of one call of a round."""
        out: dict[str, dict[str, str]] = defaultdict(dict)
        for mark in self.store.blind_marks([round_id]):
            if mark.call == call:
                out[mark.reviewer][mark.item] = mark.status
        return dict(out)

    # --- figures --------------------------------------------------------------------------

    def report(self, round_id: int | None = None) -> CalibrationReport:
        """The figures over one round or all of them."""
        rounds = [self.round(round_id)] if round_id is not None else self.store.calibration_rounds()
        marks = self.store.blind_marks([r.id for r in rounds])
        statuses = tuple(_status(r, marks) for r in rounds)
        return CalibrationReport(statuses, tuple(self._figures(rounds, marks)))

    def _figures(
        self, rounds: Sequence[Round], marks: Sequence[BlindMark]
    ) -> list[ReviewerFigures]:
        given: dict[tuple[int, int], dict[str, dict[str, str]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        for mark in marks:
            given[(mark.round, mark.call)][mark.reviewer][mark.item] = mark.status
        panel: dict[str, dict[str, Counter[tuple[str, str]]]] = defaultdict(
            lambda: defaultdict(Counter)
        )
        auto: dict[str, dict[str, Counter[tuple[str, str]]]] = defaultdict(
            lambda: defaultdict(Counter)
        )
        item_bias: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        call_bias: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
        order: list[str] = []
        for found in rounds:
            for call, review in found.calls:
                by = given.get((found.id, call))
                if not by:
                    continue
                stored = self._as_scored(call, review)
                finals = {r: final_review(stored, s, self.scorecard) for r, s in by.items()}
                autos = {n: i.get("status") for n, i in (stored.review or {})["items"].items()}
                order.extend(item for item in autos if item not in order)
                for reviewer, mine in by.items():
                    others = [r for r in by if r != reviewer]
                    majorities = {
                        item: m
                        for item in mine
                        if (m := _majority([by[o][item] for o in others if item in by[o]]))
                    }
                    consensus = final_review(stored, majorities, self.scorecard)
                    for item, status in mine.items():
                        if autos.get(item):
                            auto[reviewer][item][(status, str(autos[item]))] += 1
                        if item in majorities:
                            panel[reviewer][item][(status, majorities[item])] += 1
                            item_bias[reviewer][item].append(
                                finals[reviewer].items[item].points - consensus.items[item].points
                            )
                    score = finals[reviewer].score
                    if len(majorities) == len(mine) and score is not None:
                        if consensus.score is not None:
                            call_bias[reviewer][found.id].append(score - consensus.score)
        names = {found.id: found.name for found in rounds}
        out = []
        for reviewer in sorted(set(auto) | set(panel)):
            diffs = [d for per in call_bias[reviewer].values() for d in per]
            out.append(
                ReviewerFigures(
                    reviewer=reviewer,
                    calls=len(diffs),
                    bias=_mean(diffs),
                    items=tuple(
                        ItemFigures(
                            item,
                            agreement(item, panel[reviewer][item]),
                            agreement(item, auto[reviewer][item]),
                            _mean(item_bias[reviewer][item]),
                        )
                        for item in order
                    ),
                    rounds=tuple(
                        RoundBias(r, names[r], len(d), _mean(d))
                        for r, d in sorted(call_bias[reviewer].items())
                    ),
                )
            )
        return out


def _status(found: Round, marks: Iterable[BlindMark]) -> RoundStatus:
    calls: dict[str, set[int]] = defaultdict(set)
    for mark in marks:
        if mark.round == found.id:
            calls[mark.reviewer].add(mark.call)
    return RoundStatus(found, {r: len(calls.get(r, ())) for r in found.reviewers})


def _majority(statuses: Sequence[str]) -> str | None:
    """The status most of them gave; ``None`` for none or a tie."""
    counted = Counter(statuses).most_common(2)
    if not counted or (len(counted) == 2 and counted[0][1] == counted[1][1]):
        return None
    return counted[0][0]


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _reservoir(calls: Iterable[StoredCall], n: int, rng: random.Random) -> list[StoredCall]:
    """``n`` of a stream picked uniformly at random, memory flat (reservoir sampling)."""
    kept: list[StoredCall] = []
    for seen, call in enumerate(calls):
        if seen < n:
            kept.append(call)
        else:
            j = rng.randint(0, seen)
            if j < n:
                kept[j] = call
    return kept
