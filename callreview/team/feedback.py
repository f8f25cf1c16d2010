"""Feedback on time (seed 004 监控制度 7: an error is fed back within one working day, common
issues within a week).

    acknowledge(call, agent) ─▶ the agent has seen the reviewed result (stored, audited)
    overdue(now) ─▶ reviewed calls whose agent has not acknowledged them within a working day
    common_failures(week) ─▶ the items that failed most that week, for the team and per agent

A working day is Monday to Friday, in the server's local time: a call reviewed on Friday at
15:00 is due on Monday at 15:00. What failed is the final result
(:func:`callreview.team.finals.final_reviews`): people's overrides and appeals included.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from callreview.dates import parse_week
from callreview.errors import CallreviewError
from callreview.qc.scorecard import Scorecard
from callreview.store import Store
from callreview.team.finals import final_reviews
from callreview.team.users import NotAllowed, NotFound, User

TOP = 3
"""The most common failures listed per agent."""


def due(reviewed_at: float) -> float:
    """One working day (Monday to Friday) after ``reviewed_at``, at the same time of day."""
    moment = datetime.fromtimestamp(reviewed_at)
    moment += timedelta(days=1)
    while moment.weekday() >= 5:
        moment += timedelta(days=1)
    return moment.timestamp()


@dataclass(frozen=True)
class Overdue:
    call: int
    agent: str | None
    date: str | None
    reviewed_by: str
    reviewed_at: float
    due: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "call": self.call,
            "agent": self.agent,
            "date": self.date,
            "reviewed_by": self.reviewed_by,
            "reviewed_at": self.reviewed_at,
            "due": self.due,
        }


def overdue(store: Store, now: float | None = None) -> list[Overdue]:
    """Reviewed calls (their current version) not acknowledged one working day after their
    review, oldest first."""
    now = time.time() if now is None else now
    late = []
    for row in store.unacknowledged(reviewed_before=now - 86400):
        when = due(row.reviewed_at)
        if when < now:
            late.append(
                Overdue(row.call, row.agent, row.date, row.reviewed_by, row.reviewed_at, when)
            )
    return late


def acknowledge(store: Store, call: int, by: User) -> float:
    """The agent has seen the reviewed result of their own call; returns when. Refused for
    anyone but the call's agent, for a call not reviewed yet, and a second time."""
    stored = store.call(call)
    if stored is None or stored.review_id is None:
        raise NotFound(f"no scored call {call} in {store.where}")
    if by.role != "agent" or by.agent is None or stored.agent != by.agent:
        raise NotAllowed(f"user {by.name} cannot acknowledge call {call}: it is not their call")
    now = time.time()
    with store.transaction():
        store.lock_call(call)
        if store.kept_final(stored.review_id) is None:
            raise CallreviewError(
                f"call {call} is not reviewed yet; there is nothing to acknowledge"
            )
        if store.acknowledgement(stored.review_id) is not None:
            raise CallreviewError(f"call {call} is acknowledged already")
        store.add_acknowledgement(stored.review_id, call, by.name, now)
        store.add_audit(now, by.name, "acknowledge", f"call {call}", f"v{stored.version}")
    return now


@dataclass(frozen=True)
class ItemCount:
    item: str
    fails: int
    calls: int
    """Scored calls counted (the team's, or the agent's)."""

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "fails": self.fails, "calls": self.calls}


@dataclass(frozen=True)
class WeeklyFailures:
    week: str
    first: str
    last: str
    calls: int
    team: tuple[ItemCount, ...]
    """Every item that failed at least once, most failures first."""
    agents: Mapping[str, tuple[ItemCount, ...]]
    """Agent → their :data:`TOP` most common failures."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "week": self.week,
            "since": self.first,
            "until": self.last,
            "calls": self.calls,
            "team": [c.to_dict() for c in self.team],
            "agents": {a: [c.to_dict() for c in cs] for a, cs in self.agents.items()},
        }


def common_failures(store: Store, scorecard: Scorecard, week: str) -> WeeklyFailures:
    """The week's (``YYYY-Www``, the calls' dates) most common final failures."""
    first, last = parse_week(week)
    team: Counter[str] = Counter()
    per_agent: dict[str, Counter[str]] = defaultdict(Counter)
    calls: Counter[str] = Counter()
    for final in final_reviews(
        store, store.calls(since=first, until=last, state="scored"), scorecard
    ):
        agent = final.call.agent or "-"
        calls[agent] += 1
        for name, item in final.items.items():
            if item.status == "fail":
                team[name] += 1
                per_agent[agent][name] += 1
    total = sum(calls.values())
    return WeeklyFailures(
        week,
        first,
        last,
        total,
        tuple(ItemCount(i, n, total) for i, n in _ranked(team)),
        {
            agent: tuple(ItemCount(i, n, calls[agent]) for i, n in _ranked(per_agent[agent])[:TOP])
            for agent in sorted(calls)
        },
    )


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
