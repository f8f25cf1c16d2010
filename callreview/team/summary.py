"""Figures for the weekly QC meeting: per agent, per week, per checklist item.

    store.calls(...) ─▶ Summarizer.add(call) × N ─▶ Summary {total, groups, waiting} ─▶ render_summary · to_dict

The figures are read from stored reviews (the JSON contract of
:meth:`callreview.results.CallReview.to_dict`); nothing is scored again here. They are
computed in one pass with memory that does not grow with the number of calls, so the
same :class:`Summarizer` serves ``callreview summary``, the Agents sheet of an XLSX
export and the web app's Agents page.

What the figures mean:

- ``mean_score``/``min_score``: over the calls that have a score (``no_score`` counts the others).
- ``bands``: calls per band, the best band first (bands ordered by their mean score).
- an item's ``fail_rate``: failed / judged, where judged is ``pass`` + ``fail``
  (``na``: no hold; ``review``: a person decides).
- a greeting or closing part's ``miss_rate``: calls where the part was not heard at all
  (neither found nor uncertain) / calls whose review has that part.
- ``forbidden_phrases``: certain hits per lexicon phrase in calls whose ``forbidden`` item
  failed, the most frequent first (hits on a mono recording wait for a person: ``review``).
- ``waiting``: calls that need a person (``needs_review``: some item is ``review``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from callreview.dates import iso_week
from callreview.results import ITEMS
from callreview.tables import table

if TYPE_CHECKING:
    from callreview.store import StoredCall

By = Literal["agent", "week", "item"]
BY: tuple[By, ...] = ("agent", "week", "item")
PART_ITEMS = ("greeting", "closing")
_PART_ORDER = (
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


class _Tally:
    """What one group has seen so far; a few counters, whatever the number of calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.scored = 0
        self.score_sum = 0.0
        self.min_score: float | None = None
        self.bands: Counter[str] = Counter()
        self.statuses = {item: Counter() for item in ITEMS}
        self.parts: dict[tuple[str, str], list[int]] = {}
        self.hits: Counter[str] = Counter()
        self.hit_calls: Counter[str] = Counter()
        self.waiting = 0

    def add(
        self, review: dict[str, Any], score: float | None, band: str | None, needs_review: bool
    ) -> None:
        self.calls += 1
        if score is not None:
            self.scored += 1
            self.score_sum += score
            self.min_score = score if self.min_score is None else min(self.min_score, score)
        if band:
            self.bands[band] += 1
        items = review.get("items", {})
        for name in ITEMS:
            if name in items:  # a review made before an item existed does not count for it
                self.statuses[name][items[name].get("status")] += 1
        for name in PART_ITEMS:
            for part, seen in (items.get(name, {}).get("parts") or {}).items():
                counts = self.parts.setdefault((name, part), [0, 0, 0])
                counts[0] += 1
                if not seen.get("found"):
                    counts[2 if seen.get("uncertain") else 1] += 1
        forbidden = items.get("forbidden", {})
        # Hits that failed the item; on a mono recording they wait for a person (the words may be the customer's).
        phrases = (
            [hit["phrase"] for hit in forbidden.get("hits", ())]
            if forbidden.get("status") == "fail"
            else []
        )
        self.hits.update(phrases)
        self.hit_calls.update(set(phrases))
        self.waiting += bool(needs_review)

    def figures(self, key: str, bands: list[str], top: int) -> Figures:
        parts = sorted(
            self.parts.items(), key=lambda kv: (PART_ITEMS.index(kv[0][0]), _part_rank(kv[0][1]))
        )
        phrases = sorted(self.hits.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        return Figures(
            key=key,
            calls=self.calls,
            mean_score=self.score_sum / self.scored if self.scored else None,
            min_score=self.min_score,
            no_score=self.calls - self.scored,
            bands=tuple((band, self.bands.get(band, 0)) for band in bands),
            items=tuple(
                ItemFigures(
                    name, c.get("pass", 0), c.get("fail", 0), c.get("na", 0), c.get("review", 0)
                )
                for name, c in self.statuses.items()
            ),
            parts=tuple(PartFigures(item, part, *counts) for (item, part), counts in parts),
            phrases=tuple(
                PhraseFigures(phrase, hits, self.hit_calls[phrase]) for phrase, hits in phrases
            ),
            waiting=self.waiting,
        )


class Summarizer:
    """Feed it calls one at a time (:meth:`add`), then take the :class:`Summary` (:meth:`result`)."""

    def __init__(
        self,
        by: By = "agent",
        since: str | None = None,
        until: str | None = None,
        top_phrases: int = 10,
        waiting_limit: int = 20,
    ):
        self.by, self.since, self.until = by, since, until
        self.top_phrases, self.waiting_limit = top_phrases, waiting_limit
        self.total = _Tally()
        self.groups: dict[str, _Tally] = {}
        self.band_scores: dict[str, list[float]] = {}  # band → [sum of scores, calls]
        self.band_labels: dict[str, str] = {}
        self.waiting: list[WaitingCall] = []
        self.first_date: str | None = None
        self.last_date: str | None = None

    def add(self, call: StoredCall) -> None:
        """Count one stored call; calls without a review (pending, failed) are left out."""
        review = call.review
        if review is None:
            return
        items = review.get("items", {})
        self.total.add(review, call.score, call.band, call.needs_review)
        if self.by != "item":
            key = _group_key(call, self.by)
            tally = self.groups.get(key)
            if tally is None:
                tally = self.groups[key] = _Tally()
            tally.add(review, call.score, call.band, call.needs_review)
        if call.band:
            seen = self.band_scores.setdefault(call.band, [0.0, 0])
            seen[0] += call.score or 0.0
            seen[1] += 1
            if review.get("band_label") and call.band not in self.band_labels:
                self.band_labels[call.band] = review["band_label"]
        if call.date:
            self.first_date = (
                call.date if self.first_date is None else min(self.first_date, call.date)
            )
            self.last_date = call.date if self.last_date is None else max(self.last_date, call.date)
        if call.needs_review and len(self.waiting) < self.waiting_limit:
            in_review = tuple(
                name for name in ITEMS if items.get(name, {}).get("status") == "review"
            )
            self.waiting.append(
                WaitingCall(
                    call.id, call.agent, call.date, call.call_id, call.path, call.score, in_review
                )
            )

    def result(self) -> Summary:
        bands = sorted(
            self.band_scores, key=lambda b: (-self.band_scores[b][0] / self.band_scores[b][1], b)
        )
        top = self.top_phrases
        return Summary(
            by=self.by,
            since=self.since,
            until=self.until,
            first_date=self.first_date,
            last_date=self.last_date,
            total=self.total.figures(ALL, bands, top),
            groups=tuple(self.groups[key].figures(key, bands, top) for key in sorted(self.groups)),
            band_labels={
                band: self.band_labels[band] for band in bands if band in self.band_labels
            },
            waiting=tuple(self.waiting),
        )


def summarize(
    calls: Iterable[StoredCall],
    by: By = "agent",
    since: str | None = None,
    until: str | None = None,
    **options: int,
) -> Summary:
    """The figures of ``calls`` (typically ``store.calls(since=…, until=…)``), in one pass."""
    summarizer = Summarizer(by, since, until, **options)
    for call in calls:
        summarizer.add(call)
    return summarizer.result()


def _group_key(call: StoredCall, by: By) -> str:
    if by == "agent":
        return call.agent or NO_AGENT
    if not call.date:
        return NO_DATE
    try:
        return iso_week(call.date)
    except ValueError:  # a date the call system wrote some other way: its own group, not a crash
        return f"{call.date} (not YYYY-MM-DD)"


def _part_rank(part: str) -> tuple[int, str]:
    return (_PART_ORDER.index(part), "") if part in _PART_ORDER else (len(_PART_ORDER), part)


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


# --- the terminal view ----------------------------------------------------------


def render_summary(summary: Summary) -> str:
    """The summary as plain fixed-width text: the same bytes on a terminal and in a pipe."""
    total = summary.total
    if total.calls == 0:
        return f"no scored calls {_span(summary.since, summary.until)}".rstrip() + "\n"
    dates = (
        f"{summary.first_date} to {summary.last_date}" if summary.first_date else "no call dates"
    )
    head = (
        f"{total.calls:,} calls · {dates} · mean {_score(total.mean_score)} · min {_score(total.min_score)} · "
        f"{total.waiting:,} waiting for a person"
    )
    blocks = [head]
    if summary.groups:
        blocks.append(_groups_table(summary))
    blocks.append(_items_table(total))
    if total.parts:
        blocks.append(_parts_table(total))
    blocks.append(_phrases_table(total))
    blocks.append(_waiting_table(summary))
    return "\n\n".join(blocks) + "\n"


def _groups_table(summary: Summary) -> str:
    bands = [band for band, _ in summary.total.bands]
    headers = [summary.by, "calls", "mean", "min", *bands, *ITEMS, "waiting"]
    rows = []
    for g in (*summary.groups, summary.total):
        rows.append(
            [
                g.key,
                f"{g.calls:,}",
                _score(g.mean_score),
                _score(g.min_score),
                *(f"{n:,}" for _, n in g.bands),
                *(_percent(i.fail_rate) for i in g.items),
                f"{g.waiting:,}",
            ]
        )
    title = f"by {summary.by}: calls, scores, calls per band, failure rate per item"
    return title + "\n" + table(headers, rows, [False] + [True] * (len(headers) - 1))


def _items_table(total: Figures) -> str:
    rows = [
        [
            i.item,
            f"{i.passed:,}",
            f"{i.failed:,}",
            f"{i.na:,}",
            f"{i.review:,}",
            _percent(i.fail_rate),
        ]
        for i in total.items
    ]
    title = "items: failure rate = fail / (pass + fail)"
    return (
        title
        + "\n"
        + table(["item", "pass", "fail", "na", "review", "fail rate"], rows, [False] + [True] * 5)
    )


def _parts_table(total: Figures) -> str:
    rows = [
        [p.name, f"{p.missed:,}", f"{p.uncertain:,}", f"{p.calls:,}", _percent(p.miss_rate)]
        for p in total.parts
    ]
    title = "greeting and closing parts: not heard"
    return (
        title
        + "\n"
        + table(
            ["part", "missed", "uncertain", "of calls", "miss rate"], rows, [False] + [True] * 4
        )
    )


def _phrases_table(total: Figures) -> str:
    if not total.phrases:
        return "forbidden phrases: none heard"
    rows = [[p.phrase, f"{p.hits:,}", f"{p.calls:,}"] for p in total.phrases]
    return "forbidden phrases, most frequent\n" + table(
        ["phrase", "hits", "calls"], rows, [False, True, True]
    )


def _waiting_table(summary: Summary) -> str:
    count = summary.total.waiting
    if not count:
        return "waiting for a person: none"
    shown = f" (the first {len(summary.waiting)})" if len(summary.waiting) < count else ""
    rows = [
        [
            str(w.id),
            w.agent or "",
            w.date or "",
            w.call_id or "",
            _score(w.score),
            ", ".join(w.items),
            w.path,
        ]
        for w in summary.waiting
    ]
    headers = ["call", "agent", "date", "call_id", "score", "to review", "file"]
    return f"waiting for a person: {count:,}{shown}\n" + table(
        headers, rows, [True, False, False, False, True, False, False]
    )


def _span(since: str | None, until: str | None) -> str:
    if since and until:
        return f"from {since} to {until}"
    if since:
        return f"from {since}"
    if until:
        return f"until {until}"
    return "in the store"


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"
