"""What a review produces: evidence, one result per checklist item, the scored call.

These dataclasses are the result contract. JSON comes from :meth:`CallReview.to_dict`
(documented in ``docs/result-format.md``), terminal text from
:func:`callreview.render.render_review`; nothing builds result dicts by hand.

    CallReview ── items ──▶ ItemResult × 5 ── evidence ──▶ Evidence (role, time, quote, phrase, similarity)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

Status = Literal["pass", "fail", "na", "review"]
STATUSES: tuple[Status, ...] = ("pass", "fail", "na", "review")
ITEMS: tuple[str, ...] = ("greeting", "customer_name", "hold", "forbidden", "closing")
"""The checklist items, in the order they are checked, rendered and serialized."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """One place in the call that a reviewer can play back to verify a judgement."""

    role: str
    """Who said it: ``agent``, ``customer`` or ``unknown`` (mono recording)."""
    start: float
    """Seconds from the start of the recording (word timing where known, else the segment's)."""
    end: float
    """Seconds from the start of the recording."""
    text: str
    """The quote as heard: the sentence of the segment that holds the match."""
    matched: str
    """The lexicon phrase it matched (or, for a name, the name it was counted as)."""
    similarity: float
    """0–100: how close the heard words are to ``matched`` in toneless pinyin (100: same sounds)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "start": round(self.start, 2),
            "end": round(self.end, 2),
            "text": self.text,
            "matched": self.matched,
            "similarity": round(self.similarity, 1),
        }


@dataclass(frozen=True, slots=True)
class ItemResult:
    """The judgement of one checklist item."""

    name: str
    """One of :data:`ITEMS`."""
    status: Status
    """``pass`` / ``fail``; ``na`` when the item does not apply (no hold); ``review`` when a person must decide."""
    points: float
    """Points earned. ``na`` and ``review`` items earn 0 of 0: they are kept out of the score."""
    max_points: float
    """Points this item counts for in this call's score (its weight, or 0 when kept out)."""
    evidence: tuple[Evidence, ...] = ()
    """Every quote the judgement rests on, in time order."""
    details: Mapping[str, Any] = field(default_factory=dict)
    """Item-specific facts: ``parts``, ``name``/``count``, ``holds``, ``hits``/``ni_count``… (see docs/result-format.md)."""

    @property
    def scored(self) -> bool:
        """Whether this item counts in the score (``pass`` or ``fail``)."""
        return self.status in ("pass", "fail")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "status": self.status,
            "points": round(self.points, 2),
            "max_points": round(self.max_points, 2),
            "evidence": [e.to_dict() for e in self.evidence],
        }
        for key, value in self.details.items():
            data[key] = _plain(value)
        return data


@dataclass(frozen=True, slots=True)
class CallReview:
    """A call scored against the checklist: the one result every command and report uses."""

    file: str
    """The recording (or transcript) reviewed, as given."""
    duration_s: float
    """Length of the recording in seconds."""
    score: float | None
    """0–100 over the items that count (``pass``/``fail``), scaled; ``None`` when none counts."""
    band: str | None
    """The scorecard band of ``score``: ``excellent`` / ``good`` / ``needs_improvement`` / ``below_standard``."""
    profile: str
    """Scorecard profile used: ``inbound`` or ``outbound``."""
    items: dict[str, ItemResult]
    """One result per item of :data:`ITEMS`, in that order."""
    needs_review: bool
    """True when any item is ``review``: a person should listen before the score is final."""
    band_label: str | None = None
    """The band as the QC manual names it, e.g. ``优秀``."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract (docs/result-format.md)."""
        return {
            "file": self.file,
            "duration_s": round(self.duration_s, 2),
            "score": None if self.score is None else round(self.score, 1),
            "band": self.band,
            "band_label": self.band_label,
            "profile": self.profile,
            "needs_review": self.needs_review,
            "items": {name: item.to_dict() for name, item in self.items.items()},
        }


def _plain(value: Any) -> Any:
    """Details hold Evidence, tuples and nested dicts; JSON gets plain lists and dicts."""
    if isinstance(value, Evidence):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 2)
    return value
