"""The team's figures over final results: per agent (calls, mean and lowest score, bands,
each item's failure rate, a weekly trend) and per item (how far automation and people
agree), folded from the tallies the store counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callreview.dates import iso_week
from callreview.results import ITEMS
from callreview.store import AgentTallies
from callreview.team.agreement import Agreement, agreement


@dataclass(frozen=True)
class AgentSummary:
    """One agent's figures over their scored calls (final results)."""

    agent: str | None
    calls: int
    mean: float | None
    minimum: float | None
    bands: dict[str, int]
    failures: dict[str, tuple[int, int]]
    """item → (calls failed, calls the item was judged pass or fail)."""
    weeks: list[tuple[str, int, float | None]] = field(default_factory=list)
    """(ISO week ``2026-W48``, calls, mean score), oldest first."""
    reviewed: int = 0
    open_appeals: int = 0

    def failure_rate(self, item: str) -> float | None:
        failed, judged = self.failures.get(item, (0, 0))
        return 100.0 * failed / judged if judged else None


def agent_summaries(tallies: AgentTallies) -> list[AgentSummary]:
    """Per agent, sorted by agent id (calls without an agent last)."""
    acc: dict[str | None, dict[str, Any]] = {}

    def agent(name: str | None) -> dict[str, Any]:
        return acc.setdefault(
            name,
            {
                "calls": 0,
                "sum": 0.0,
                "scored": 0,
                "min": None,
                "bands": {},
                "weeks": {},
                "reviewed": 0,
                "appeals": 0,
            },
        )

    for name, day, calls, total, scored, low, reviewed in tallies.days:
        a = agent(name)
        a["calls"] += calls
        a["sum"] += total
        a["scored"] += scored
        a["reviewed"] += reviewed
        if low is not None:
            a["min"] = low if a["min"] is None else min(a["min"], low)
        try:
            week = iso_week(str(day)[:10])
        except ValueError:  # an unreadable stored date
            week = "?"
        w = a["weeks"].setdefault(week, [0, 0.0, 0])
        w[0] += calls
        w[1] += total
        w[2] += scored
    for name, band, n in tallies.bands:
        agent(name)["bands"][band] = n
    for name, n in tallies.open_appeals:
        agent(name)["appeals"] = n
    failures: dict[str | None, dict[str, tuple[int, int]]] = {}
    for name, item, failed, judged in tallies.failures:
        failures.setdefault(name, {})[item] = (failed, judged)
    out = []
    for name in sorted(acc, key=lambda a: (a is None, a or "")):
        a = acc[name]
        weeks = [
            (wk, n, round(total / scored, 1) if scored else None)
            for wk, (n, total, scored) in sorted(a["weeks"].items())
        ]
        out.append(
            AgentSummary(
                name,
                a["calls"],
                round(a["sum"] / a["scored"], 1) if a["scored"] else None,
                a["min"],
                a["bands"],
                failures.get(name, {}),
                weeks,
                a["reviewed"],
                a["appeals"],
            )
        )
    return out


def agreements(
    counts: list[tuple[str, str, str, int]], items: tuple[str, ...] = ITEMS
) -> list[Agreement]:
    """Per checklist item (every item of ``items``, the scorecard's, reviewed or not; then any
    other item people reviewed), from (item, automatic, final, calls)."""
    table: dict[str, dict[tuple[str, str], int]] = {item: {} for item in items}
    for item, auto, final, n in counts:
        table.setdefault(item, {})[(auto, final)] = n
    return [agreement(item, c) for item, c in table.items()]
