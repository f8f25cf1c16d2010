"""What a call's final result is: its current automatic review with people's overrides
applied, scored by the scorecard (never here: :meth:`Scorecard.overridden`,
:meth:`Scorecard.total`). An appeal that is overturned is one more override.

:func:`final_review` is the one place it is computed: the web app and the static report (one
call, :meth:`callreview.team.people.People.final`), every export and the summary (a stream of
calls, :func:`final_reviews`) all show what it returns.

**The automatic result is never changed.** A review version is what the checklist said; an
override is a row on that version (who, when, from, to, note), and the final result is the
version with its latest override of each item applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from callreview.results import ItemResult

if TYPE_CHECKING:
    from callreview.qc.scorecard import Scorecard
    from callreview.store import Store, StoredCall

CHUNK = 500
"""Calls whose overrides :func:`final_reviews` reads in one go."""


@dataclass(frozen=True)
class FinalItem:
    """One item of a call: what the automation said and what stands after people's overrides."""

    name: str
    auto: str
    status: str
    """The final status (the automatic one unless overridden)."""
    points: float
    max_points: float
    auto_points: float
    auto_max_points: float
    data: Mapping[str, Any]
    """The automatic item as stored (evidence, details): the JSON contract of
    :class:`ItemResult`."""

    @property
    def overridden(self) -> bool:
        return self.status != self.auto


@dataclass(frozen=True)
class FinalReview:
    """A call's current review version with its overrides applied."""

    call: StoredCall
    items: dict[str, FinalItem]
    score: float | None
    band: str | None
    band_label: str | None
    auto_score: float | None
    auto_band: str | None
    auto_band_label: str | None
    reviewed_by: str | None = None
    reviewed_at: float | None = None

    @property
    def reviewed(self) -> bool:
        return self.reviewed_by is not None

    @property
    def changed(self) -> bool:
        """A person changed some item's status (an override, an overturned appeal)."""
        return any(item.overridden for item in self.items.values())

    @property
    def needs_review(self) -> bool:
        """Some item, or delivery metric, is ``review`` in the final result: the checklist's
        rule, on the statuses people left."""
        delivery = ((self.call.review or {}).get("delivery") or {}).values()
        return any(i.status == "review" for i in self.items.values()) or any(
            d.get("status") == "review" for d in delivery
        )

    def to_dict(self) -> dict[str, Any]:
        """The final result as JSON (a JSON Lines export's ``final``): scores, bands, each
        item's final and automatic status and points, and who reviewed it."""
        return {
            "score": self.score,
            "band": self.band,
            "band_label": self.band_label,
            "auto_score": self.auto_score,
            "auto_band": self.auto_band,
            "needs_review": self.needs_review,
            "reviewed": self.reviewed,
            "reviewed_by": self.reviewed_by,
            "reviewed_at": self.reviewed_at,
            "changed": self.changed,
            "items": {
                name: {
                    "status": item.status,
                    "points": item.points,
                    "max_points": item.max_points,
                    "auto_status": item.auto,
                    "auto_points": item.auto_points,
                }
                for name, item in self.items.items()
            },
        }


def final_reviews(
    store: Store, calls: Iterable[StoredCall], scorecard: Scorecard
) -> Iterator[FinalReview]:
    """The final result of each scored call of ``calls`` (a stream, e.g. ``store.calls(...)``),
    in order; calls without a review are left out. The overrides are read a chunk of calls at
    a time, so memory stays flat."""
    chunk: list[StoredCall] = []
    for call in calls:
        if call.review is None or call.review_id is None:
            continue
        chunk.append(call)
        if len(chunk) >= CHUNK:
            yield from _finals(store, chunk, scorecard)
            chunk = []
    yield from _finals(store, chunk, scorecard)


def _finals(store: Store, calls: list[StoredCall], scorecard: Scorecard) -> Iterator[FinalReview]:
    reviews = [call.review_id for call in calls]
    marks = store.final_marks([review for review in reviews if review is not None])
    for call, review in zip(calls, reviews):
        if review is not None:  # always: final_reviews keeps only scored calls
            mark = marks[review]
            yield final_review(call, mark.statuses, scorecard, mark.reviewed_by, mark.reviewed_at)


def final_review(
    call: StoredCall,
    statuses: Mapping[str, str],
    scorecard: Scorecard,
    by: str | None = None,
    at: float | None = None,
) -> FinalReview:
    """The call's current review with ``statuses`` (item → the latest override) applied; the
    score is the scorecard's, the automatic one while nothing is overridden."""
    body = call.review or {}
    auto = {name: item_result(name, data) for name, data in body.get("items", {}).items()}
    final = dict(auto)
    for name, status in statuses.items():
        if name in final and status != auto[name].status:
            final[name] = scorecard.overridden(auto[name], status)
    # weighted delivery metrics (``delivery`` in the review body) count in the score as they are
    counted = {
        **final,
        **{f"delivery:{n}": item_result(n, d) for n, d in (body.get("delivery") or {}).items()},
    }
    score = scorecard.total(counted) if statuses else body.get("score")
    band = scorecard.band(score) if statuses else None
    auto_band = scorecard.band(body.get("score"))
    items = {
        name: FinalItem(
            name,
            auto[name].status,
            final[name].status,
            final[name].points,
            final[name].max_points,
            auto[name].points,
            auto[name].max_points,
            body["items"][name],
        )
        for name in auto
    }
    return FinalReview(
        call=call,
        items=items,
        score=score,
        band=band.name if band else call.band,
        band_label=band.label if band else body.get("band_label"),
        auto_score=body.get("score"),
        auto_band=call.band,
        auto_band_label=body.get("band_label") or (auto_band.label if auto_band else None),
        reviewed_by=by,
        reviewed_at=at,
    )


def item_result(name: str, data: Mapping[str, Any]) -> ItemResult:
    """A stored item as an :class:`ItemResult` the scorecard can count (evidence stays in
    ``data``)."""
    details = {
        k: v for k, v in data.items() if k not in ("status", "points", "max_points", "evidence")
    }
    return ItemResult(
        name,
        data["status"],
        float(data.get("points", 0.0)),
        float(data.get("max_points", 0.0)),
        (),
        details,
    )
