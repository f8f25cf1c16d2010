"""What ``callreview summary`` reports, as data: the figures of a group of calls (an agent,
a week, or all), per item, per greeting and closing part, per forbidden phrase, and the calls
waiting for a person. JSON comes from their ``to_dict``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

By = Literal["agent", "week", "item"]
BY: tuple[By, ...] = ("agent", "week", "item")
PART_ITEMS = ("greeting", "closing")
PART_ORDER = (
    "salutation",
    "company",
    "confirm_identity",
    "agent_name",
    "offer_help",
    "ask_time",
    "question",
    "thanks",
    "farewell",
)
NO_AGENT = "(no agent)"
NO_DATE = "(no date)"
ALL = "all"


@dataclass(frozen=True)
class ItemFigures:
    """How often one checklist item passed, failed, did not apply or waits for a person."""

    item: str
    passed: int = 0
    failed: int = 0
    na: int = 0
    review: int = 0

    @property
    def judged(self) -> int:
        """Calls where the item counted: ``pass`` or ``fail``."""
        return self.passed + self.failed

    @property
    def fail_rate(self) -> float | None:
        """failed / judged; ``None`` when the item was never judged."""
        return self.failed / self.judged if self.judged else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "pass": self.passed,
            "fail": self.failed,
            "na": self.na,
            "review": self.review,
            "fail_rate": _rate(self.fail_rate),
        }


@dataclass(frozen=True)
class PartFigures:
    """How often one part of the greeting or closing was not heard."""

    item: str
    part: str
    calls: int
    """Calls whose review has this part (inbound and outbound greetings have different parts)."""
    missed: int
    """Not heard at all: neither found nor uncertain."""
    uncertain: int
    """Heard only in the grey zone (a person decides)."""

    @property
    def name(self) -> str:
        return f"{self.item}.{self.part}"

    @property
    def miss_rate(self) -> float | None:
        return self.missed / self.calls if self.calls else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "missed": self.missed,
            "uncertain": self.uncertain,
            "miss_rate": _rate(self.miss_rate),
        }


@dataclass(frozen=True)
class PhraseFigures:
    """A forbidden phrase (the lexicon's canonical form) and how often agents said it."""

    phrase: str
    hits: int
    """Certain hits; a phrase said in two turns is two hits."""
    calls: int
    """Calls with at least one certain hit of it."""

    def to_dict(self) -> dict[str, Any]:
        return {"phrase": self.phrase, "hits": self.hits, "calls": self.calls}


@dataclass(frozen=True)
class Figures:
    """The figures of one group of calls: an agent, a week, or all of them."""

    key: str
    """The agent, the ISO week (``2026-W48``), or ``all``."""
    calls: int
    mean_score: float | None
    min_score: float | None
    no_score: int
    """Calls without a score (every item ``na`` or ``review``)."""
    bands: tuple[tuple[str, int], ...]
    """(band, calls) for every band of the summary, best first, zeros included."""
    items: tuple[ItemFigures, ...]
    """One per checklist item, in checklist order."""
    parts: tuple[PartFigures, ...]
    phrases: tuple[PhraseFigures, ...]
    """The most frequent forbidden phrases, most hits first."""
    waiting: int
    """Calls that need a person (``needs_review``)."""

    def item(self, name: str) -> ItemFigures:
        return next(i for i in self.items if i.item == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "calls": self.calls,
            "mean_score": None if self.mean_score is None else round(self.mean_score, 1),
            "min_score": self.min_score,
            "no_score": self.no_score,
            "bands": dict(self.bands),
            "items": {i.item: i.to_dict() for i in self.items},
            "parts": {p.name: p.to_dict() for p in self.parts},
            "forbidden_phrases": [p.to_dict() for p in self.phrases],
            "waiting": self.waiting,
        }


@dataclass(frozen=True)
class WaitingCall:
    """A call whose automatic review a person must finish."""

    id: int
    agent: str | None
    date: str | None
    call_id: str | None
    path: str
    score: float | None
    items: tuple[str, ...]
    """The items in ``review``."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "agent": self.agent,
            "date": self.date,
            "call_id": self.call_id,
            "file": self.path,
            "score": self.score,
            "review_items": list(self.items),
        }


@dataclass(frozen=True)
class Summary:
    by: By
    since: str | None
    until: str | None
    first_date: str | None
    """The earliest call date among the calls summarized."""
    last_date: str | None
    total: Figures
    groups: tuple[Figures, ...]
    """Per agent or per week, sorted by key; empty for ``by = item``."""
    band_labels: dict[str, str] = field(default_factory=dict)
    """Band name → the label the reviews carry (``excellent`` → ``优秀``)."""
    waiting: tuple[WaitingCall, ...] = ()
    """The first calls waiting for a person, in call order (``total.waiting`` counts them all)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "since": self.since,
            "until": self.until,
            "first_date": self.first_date,
            "last_date": self.last_date,
            "band_labels": self.band_labels,
            "total": self.total.to_dict(),
            "groups": [g.to_dict() for g in self.groups],
            "waiting": [w.to_dict() for w in self.waiting],
        }


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
