"""Pick a week's calls for human QC, as the monitoring rules ask (seed 004 监控制度).

    store.briefs(week) ─group by agent─▶ quota per agent
                       ─systematic pick, random start─▶ picks ─▶ store.save_sample

The rules: 5–15 % of the week's calls, at least three calls per agent, drawn at random
and not only from the quiet hours. So the pick is **stratified by agent**: each agent
gets ``ceil(rate × their calls)`` picks, at least ``min_per_agent`` (all of their calls if
they took fewer). Within an agent it is **systematic**: their calls are put in order of
time of day (a ``time`` in the call's metadata, ``HH:MM``; then date, call id) and every
``calls / picks``-th call is taken from a random start, so the picks spread over the
day (and, without times, over the week) instead of bunching where a plain random
draw may put them.

The same seed gives the same picks for the same calls: each agent's start comes from
``random.Random(f"{seed}:{week}:{agent}")``, so adding an agent leaves the others' picks as
they were. A pick is saved in the store as a named sample (the web app's queue).
"""

from __future__ import annotations

import math
import random
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from callreview.dates import iso_week, parse_week
from callreview.errors import CallreviewError, SettingsError
from callreview.tables import table

if TYPE_CHECKING:
    from callreview.store import CallBrief, Store

RATE_RANGE = (0.05, 0.15)
"""Seed 004: monitor 5–15 % of the call volume. Other rates need ``force``."""
NO_AGENT = "(no agent)"
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?")


@dataclass(frozen=True)
class SampleOptions:
    rate: float = 0.1
    """Share of each agent's calls to pick (rounded up)."""
    min_per_agent: int = 3
    """Picks per agent at least (all of an agent's calls when they took fewer)."""
    week: str | None = None
    """ISO week, ``2026-W48``; ``None``: the latest week with scored calls."""
    seed: int | None = None
    """``None``: a random seed, reported so the pick can be repeated."""
    name: str | None = None
    """The sample's name in the store; ``None``: the week."""
    force: bool = False
    """Allow a rate outside :data:`RATE_RANGE` (still above 0 and at most 1)."""

    def check(self) -> None:
        low, high = RATE_RANGE
        if not 0 < self.rate <= 1:
            raise SettingsError(
                f"--rate {self.rate:g}: must be a share of the calls above 0 and at most 1, "
                "e.g. 0.1 for 10 %"
            )
        if not low <= self.rate <= high and not self.force:
            raise SettingsError(
                f"--rate {self.rate:g}: QC monitoring samples "
                f"{100 * low:.0f}–{100 * high:.0f} % of a week's calls (seed 004); "
                f"give a rate from {low:g} to {high:g}, or add --force to use {self.rate:g}"
            )
        if self.min_per_agent < 0:
            raise SettingsError(f"--min-per-agent {self.min_per_agent}: must be 0 or more")
        if self.name is not None and not self.name.strip():
            raise SettingsError("--name: the sample needs a name that is not empty")


@dataclass(frozen=True)
class Pick:
    """One call picked for a person to review."""

    id: int
    agent: str | None
    date: str | None
    time: str | None
    call_id: str | None
    path: str
    score: float | None
    band: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "agent": self.agent,
            "date": self.date,
            "time": self.time,
            "call_id": self.call_id,
            "file": self.path,
            "score": self.score,
            "band": self.band,
        }


@dataclass(frozen=True)
class AgentQuota:
    agent: str
    calls: int
    """The agent's scored calls that week."""
    picked: int


@dataclass(frozen=True)
class Sample:
    name: str
    week: str
    first_day: str
    last_day: str
    rate: float
    min_per_agent: int
    seed: int
    volume: int
    """Scored calls in the week."""
    agents: tuple[AgentQuota, ...]
    """Per agent, sorted by agent."""
    picks: tuple[Pick, ...]
    """In date, time, id order."""
    replaced: bool = False
    """A sample of this name was in the store and is replaced."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "week": self.week,
            "first_day": self.first_day,
            "last_day": self.last_day,
            "rate": self.rate,
            "min_per_agent": self.min_per_agent,
            "seed": self.seed,
            "volume": self.volume,
            "replaced": self.replaced,
            "agents": [
                {"agent": a.agent, "calls": a.calls, "picked": a.picked} for a in self.agents
            ],
            "picks": [p.to_dict() for p in self.picks],
        }


def quota(calls: int, rate: float, min_per_agent: int) -> int:
    """Picks for an agent with ``calls`` calls: ``ceil(rate × calls)``, at least
    ``min_per_agent``, at most ``calls``."""
    share = math.ceil(round(rate * calls, 9))  # 0.1 × 30 is 3.0000000000000004: still 3
    return min(calls, max(min_per_agent, share))


def draw(
    briefs: Iterable[CallBrief], rate: float, min_per_agent: int, seed: int, week: str
) -> tuple[list[AgentQuota], list[Pick]]:
    """The stratified, systematic pick (module docstring): pure, so the same input gives the
    same picks."""
    by_agent: dict[str, list[Pick]] = {}
    for brief in briefs:
        pick = Pick(
            brief.id,
            brief.agent,
            brief.date,
            call_time(brief.metadata),
            brief.call_id,
            brief.path,
            brief.score,
            brief.band,
        )
        by_agent.setdefault(brief.agent or NO_AGENT, []).append(pick)
    quotas: list[AgentQuota] = []
    picks: list[Pick] = []
    for agent in sorted(by_agent):
        calls = sorted(
            by_agent[agent], key=lambda p: (p.time or "", p.date or "", p.call_id or "", p.id)
        )
        k = quota(len(calls), rate, min_per_agent)
        quotas.append(AgentQuota(agent, len(calls), k))
        picks.extend(
            calls[i] for i in systematic(len(calls), k, random.Random(f"{seed}:{week}:{agent}"))
        )
    picks.sort(key=lambda p: (p.date or "", p.time or "", p.id))
    return quotas, picks


def systematic(n: int, k: int, rng: random.Random) -> list[int]:
    """``k`` of the positions ``0…n-1``, one every ``n/k`` from a random start in the first step."""
    if k <= 0:
        return []
    step = n / k
    start = rng.random() * step
    return [min(n - 1, int(start + i * step)) for i in range(k)]


def call_time(metadata: Any) -> str | None:
    """The call's time of day from its metadata (``time``: ``9:05``, ``09:05`` or ``09:05:30``)
    as ``HH:MM:SS``."""
    value = metadata.get("time") if hasattr(metadata, "get") else None
    match = _TIME.fullmatch(str(value).strip()) if value is not None else None
    if not match:
        return None
    return f"{int(match[1]):02d}:{match[2]}:{match[3] or '00'}"


def take_sample(store: Store, options: SampleOptions) -> Sample:
    """Pick the week's calls, save them as a named sample in the store, and say what was picked."""
    options.check()
    if options.week:
        week = options.week
        first, last = parse_week(week)
    else:
        latest = store.last_day("scored")
        if latest is None:
            raise CallreviewError(
                f"{store.where}: no scored calls to sample; score calls with callreview batch first"
            )
        try:
            week = iso_week(latest)
        except ValueError:
            raise CallreviewError(
                f"{store.where}: the latest call date {latest!r} is not YYYY-MM-DD; "
                "give the week with --week"
            ) from None
        first, last = parse_week(week)
    seed = options.seed if options.seed is not None else secrets.randbelow(1_000_000)
    quotas, picks = draw(
        store.briefs(since=first, until=last, state="scored"),
        options.rate,
        options.min_per_agent,
        seed,
        week,
    )
    # what people see: the final score and band of a call a person has reviewed already
    kept = store.kept_finals([p.id for p in picks])
    picks = [
        replace(p, score=kept[p.id][0], band=kept[p.id][1]) if p.id in kept else p for p in picks
    ]
    volume = sum(q.calls for q in quotas)
    if not volume:
        raise CallreviewError(
            f"{store.where}: no scored calls in {week} ({first} to {last}); pick another --week"
        )
    name = options.name.strip() if options.name else week
    replaced = name in store.samples()
    params = {
        "week": week,
        "rate": options.rate,
        "min_per_agent": options.min_per_agent,
        "seed": seed,
        "volume": volume,
    }
    store.save_sample(name, [p.id for p in picks], params)
    return Sample(
        name,
        week,
        first,
        last,
        options.rate,
        options.min_per_agent,
        seed,
        volume,
        tuple(quotas),
        tuple(picks),
        replaced,
    )


def render_sample(sample: Sample) -> str:
    share = len(sample.picks) / sample.volume
    head = (
        f"sample {sample.name}: {len(sample.picks):,} of {sample.volume:,} calls "
        f"({100 * share:.1f} %) · {sample.week} ({sample.first_day} to {sample.last_day}) · "
        f"rate {sample.rate:g}, at least {sample.min_per_agent} per agent · seed {sample.seed}"
    )
    agents = table(
        ["agent", "calls", "picked"],
        [[a.agent, f"{a.calls:,}", f"{a.picked:,}"] for a in sample.agents],
        [False, True, True],
    )
    timed = any(p.time for p in sample.picks)  # the time column only where the metadata has times
    rows = [
        [
            str(p.id),
            p.agent or "",
            p.date or "",
            *([p.time or ""] if timed else []),
            p.call_id or "",
            "–" if p.score is None else f"{p.score:.1f}",
            p.path,
        ]
        for p in sample.picks
    ]
    headers = ["call", "agent", "date", *(["time"] if timed else []), "call_id", "score", "file"]
    picks = table(
        headers, rows, [True, False, False, *([False] if timed else []), False, True, False]
    )
    saved = f"saved as sample '{sample.name}'" + (
        " (replacing the earlier one of that name)" if sample.replaced else ""
    )
    return "\n\n".join([head, agents, picks, saved]) + "\n"
