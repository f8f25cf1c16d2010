"""Counting calls' final results into a :class:`Summary` in one pass, with memory that does not
grow with the number of calls. Scores, bands and statuses are the final ones
(:mod:`callreview.team.finals`: overrides and overturned appeals applied); the evidence (parts,
phrases) is the automatic review's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from callreview.dates import iso_week
from callreview.results import ITEMS
from callreview.team.summary.figures import (
    ALL,
    NO_AGENT,
    NO_DATE,
    PART_ITEMS,
    PART_ORDER,
    By,
    Figures,
    ItemFigures,
    PartFigures,
    PhraseFigures,
    Summary,
    WaitingCall,
)

if TYPE_CHECKING:
    from callreview.store import StoredCall
    from callreview.team.finals import FinalReview


class _Tally:
    """What one group has seen so far; a few counters, whatever the number of calls."""

    def __init__(self, items: Sequence[str] = ITEMS) -> None:
        self.calls = 0
        self.scored = 0
        self.score_sum = 0.0
        self.min_score: float | None = None
        self.bands: Counter[str] = Counter()
        self.statuses: dict[str, Counter[str]] = {item: Counter() for item in items}
        self.parts: dict[tuple[str, str], list[int]] = {}
        self.hits: Counter[str] = Counter()
        self.hit_calls: Counter[str] = Counter()
        self.waiting = 0

    def add(
        self,
        review: Mapping[str, Any],
        statuses: Mapping[str, str],
        score: float | None,
        band: str | None,
        needs_review: bool,
    ) -> None:
        self.calls += 1
        if score is not None:
            self.scored += 1
            self.score_sum += score
            self.min_score = score if self.min_score is None else min(self.min_score, score)
        if band:
            self.bands[band] += 1
        items = review.get("items", {})
        for name in self.statuses:
            if name in statuses:  # a review made before an item existed does not count for it
                self.statuses[name][statuses[name]] += 1
        for name in PART_ITEMS:
            for part, seen in (items.get(name, {}).get("parts") or {}).items():
                counts = self.parts.setdefault((name, part), [0, 0, 0])
                counts[0] += 1
                if not seen.get("found"):
                    counts[2 if seen.get("uncertain") else 1] += 1
        forbidden = items.get("forbidden", {})
        # Hits that failed the item; on a mono recording they wait for a person (the words may
        # be the customer's).
        phrases = (
            [hit["phrase"] for hit in forbidden.get("hits", ())]
            if statuses.get("forbidden") == "fail"
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
    """Feed it calls one at a time (:meth:`add`), then take the :class:`Summary`
    (:meth:`result`)."""

    def __init__(
        self,
        by: By = "agent",
        since: str | None = None,
        until: str | None = None,
        top_phrases: int = 10,
        waiting_limit: int = 20,
        items: Sequence[str] = ITEMS,
    ):
        """``items``: the scorecard's (:meth:`~callreview.qc.scorecard.Scorecard.item_ids`), each
        one a row of the figures."""
        self.by, self.since, self.until = by, since, until
        self.top_phrases, self.waiting_limit = top_phrases, waiting_limit
        self.items = tuple(items)
        self.total = _Tally(self.items)
        self.groups: dict[str, _Tally] = {}
        self.band_scores: dict[str, list[float]] = {}  # band → [sum of scores, calls]
        self.band_labels: dict[str, str] = {}
        self.waiting: list[WaitingCall] = []
        self.first_date: str | None = None
        self.last_date: str | None = None

    def add(self, final: FinalReview) -> None:
        """Count one call's final result (:func:`callreview.team.finals.final_reviews`)."""
        call = final.call
        review = call.review or {}
        statuses = {name: item.status for name, item in final.items.items()}
        score, band, waits = final.score, final.band, final.needs_review
        self.total.add(review, statuses, score, band, waits)
        if self.by != "item":
            key = _group_key(call, self.by)
            tally = self.groups.get(key)
            if tally is None:
                tally = self.groups[key] = _Tally(self.items)
            tally.add(review, statuses, score, band, waits)
        if band:
            seen = self.band_scores.setdefault(band, [0.0, 0])
            seen[0] += score or 0.0
            seen[1] += 1
            if final.band_label and band not in self.band_labels:
                self.band_labels[band] = final.band_label
        if call.date:
            self.first_date = (
                call.date if self.first_date is None else min(self.first_date, call.date)
            )
            self.last_date = call.date if self.last_date is None else max(self.last_date, call.date)
        if waits and len(self.waiting) < self.waiting_limit:
            in_review = tuple(name for name in self.items if statuses.get(name) == "review")
            self.waiting.append(
                WaitingCall(
                    call.id, call.agent, call.date, call.call_id, call.path, score, in_review
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
    finals: Iterable[FinalReview],
    by: By = "agent",
    since: str | None = None,
    until: str | None = None,
    items: Sequence[str] = ITEMS,
    **options: int,
) -> Summary:
    """The figures of the calls' final results (typically ``final_reviews(store,
    store.calls(since=…, until=…), scorecard)``), in one pass; ``items``: the scorecard's."""
    summarizer = Summarizer(by, since, until, items=items, **options)
    for final in finals:
        summarizer.add(final)
    return summarizer.result()


def _group_key(call: StoredCall, by: By) -> str:
    return (call.agent or NO_AGENT) if by == "agent" else week_key(call.date)


def week_key(day: str | None) -> str:
    """The group of a call's date when grouping by week: its ISO week."""
    if not day:
        return NO_DATE
    try:
        return iso_week(day)
    except ValueError:  # a date the call system wrote some other way: its own group, not a crash
        return f"{day} (not YYYY-MM-DD)"


def _part_rank(part: str) -> tuple[int, str]:
    return (PART_ORDER.index(part), "") if part in PART_ORDER else (len(PART_ORDER), part)
