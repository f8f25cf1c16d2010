"""What a review produces: evidence, one result per checklist item, the scored call.

These dataclasses are the result contract. JSON comes from :meth:`CallReview.to_dict`
(documented in ``docs/result-format.md``), terminal text from
:func:`callreview.cli.render.render_review`; nothing builds result dicts by hand.

    CallReview ── items ──▶ ItemResult × 5
                              ── evidence ──▶ Evidence (role, time, quote, phrase, similarity)
               ── metrics ──▶ DeliveryMetrics: speech rate · interruptions · dead air · talk ratio
                              ── faults ──▶ Fault
               ── delivery ─▶ ItemResult per metric the scorecard weights (none by default)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["pass", "fail", "na", "review"]
STATUSES: tuple[Status, ...] = ("pass", "fail", "na", "review")
ITEMS: tuple[str, ...] = ("greeting", "customer_name", "hold", "forbidden", "closing")
"""The checklist items, in the order they are checked, rendered and serialized."""
METRICS: tuple[str, ...] = ("speech_rate", "interruptions", "dead_air", "talk_ratio")
"""The delivery metrics (how the agent spoke), in the order they are measured, rendered and
serialized."""


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
    """One of :data:`ITEMS`, or of :data:`METRICS` for a weighted delivery metric."""
    status: Status
    """``pass`` / ``fail``; ``na`` when the item does not apply (no hold); ``review`` when a person
    must decide."""
    points: float
    """Points earned. ``na`` and ``review`` items earn 0 of 0: they are kept out of the score."""
    max_points: float
    """Points this item counts for in this call's score (its weight, or 0 when kept out)."""
    evidence: tuple[Evidence, ...] = ()
    """Every quote the judgement rests on, in time order."""
    details: Mapping[str, Any] = field(default_factory=dict)
    """Item-specific facts: ``parts``, ``name``/``count``, ``holds``, ``hits``/``ni_count``… (see
    docs/result-format.md). A scored checklist item's are typed (:mod:`callreview.qc.checks`: what
    the item earns, its gist and advice); an item read back from the store, a delivery metric's, or
    an item never judged hold a plain dict (:func:`callreview.qc.checks.as_details` types a stored
    one)."""

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
    """The scorecard band of ``score``: ``excellent`` / ``good`` / ``needs_improvement`` /
    ``below_standard``."""
    profile: str
    """Scorecard profile used: ``inbound`` or ``outbound``."""
    items: dict[str, ItemResult]
    """One result per item of :data:`ITEMS`, in that order."""
    needs_review: bool
    """True when any item is ``review``: a person should listen before the score is final."""
    band_label: str | None = None
    """The band as the QC manual names it, e.g. ``优秀``."""
    metrics: DeliveryMetrics | None = None
    """How the agent spoke (speech rate, interruptions, dead air, talk ratio); ``None`` when not
    measured."""
    delivery: dict[str, ItemResult] = field(default_factory=dict)
    """One result per delivery metric the scorecard gives points (``delivery_weights``), in
    :data:`METRICS` order; empty when every metric is information only (the default). These count
    toward ``score``."""
    redactions: tuple[Mapping[str, Any], ...] | None = None
    """What this copy masks of the call (label, kind, role, start, end: never the value), set by
    :mod:`callreview.privacy` on every copy that leaves the store; ``None`` on the unredacted
    result (the store's)."""

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
            "metrics": None if self.metrics is None else self.metrics.to_dict(),
            "delivery": {name: item.to_dict() for name, item in self.delivery.items()},
            **(
                {}
                if self.redactions is None
                else {"redactions": [dict(r) for r in self.redactions]}
            ),
        }


# --- delivery metrics ----------------------------------------------------------------
# Not frozen, unlike the checklist's results: every call checked makes a set of these, and a frozen
# dataclass's __init__ costs several times a plain one's. Nothing changes one once it is made.


@dataclass(slots=True)
class Fault:
    """One moment a delivery metric went over its scorecard threshold."""

    start: float
    """Seconds from the start of the recording."""
    end: float
    value: float
    """What was measured: units per minute (``speech_rate``), seconds of talking over the customer
    (``interruptions``), seconds of silence (``dead_air``), the agent's share in %
    (``talk_ratio``)."""
    seconds: float
    """How long it lasted: seconds of speech at that rate, of overlap, of silence, of the agent's
    speech."""
    evidence: tuple[Evidence, ...] = ()
    """The words to play back around it."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": round(self.start, 2),
            "end": round(self.end, 2),
            "value": round(self.value, 1),
            "seconds": round(self.seconds, 2),
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class TurnRate:
    """The speech rate of one turn."""

    start: float
    end: float
    units: int
    """Characters spoken (one per Chinese character or digit, one per word otherwise)."""
    speech_s: float
    """Seconds of speech: the turn's time less pauses of ``pause_s`` or more between its words."""
    rate: float | None
    """``units`` per minute of ``speech_s``; ``None`` for a turn shorter than ``rate_min_turn_s``
    (too short to time)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": round(self.start, 2),
            "end": round(self.end, 2),
            "units": self.units,
            "speech_s": round(self.speech_s, 2),
            "rate": None if self.rate is None else round(self.rate, 1),
        }


@dataclass(slots=True)
class SpeechRate:
    """How fast the agent spoke (语速)."""

    role: str
    """Whose speech: ``agent``; ``unknown`` on a mono recording (everybody's speech)."""
    unit: str
    """What ``units`` count: ``characters`` or ``words`` (the lexicon's ``rate_unit``)."""
    median: float | None
    """Median of the turns' rates (turns of at least ``rate_min_turn_s``); ``None`` when no turn is
    that long."""
    overall: float | None
    """All the agent's units over all their seconds of speech."""
    fastest: TurnRate | None
    """The fastest turn that has a rate."""
    per_turn: tuple[tuple[float, float, int, float, float | None], ...]
    """Every turn of ``role`` in time order, as :class:`TurnRate` fields (:attr:`turns` gives them
    typed; plain tuples here because checking a call makes dozens)."""
    faults: tuple[Fault, ...] = ()
    """Stretches of consecutive turns faster than ``rate_max`` for more than ``fast_min_s`` of
    speech."""
    suggestion: str | None = None
    """What to do instead (the lexicon's ``fast_suggestion``, 请放慢语速); only with faults."""

    @property
    def turns(self) -> tuple[TurnRate, ...]:
        """Every turn of ``role``, in time order."""
        return tuple(TurnRate(*t) for t in self.per_turn)

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "unit": self.unit,
            "median": None if self.median is None else round(self.median, 1),
            "overall": None if self.overall is None else round(self.overall, 1),
            "fastest": None if self.fastest is None else self.fastest.to_dict(),
            "turns": [t.to_dict() for t in self.turns],
            "faults": [f.to_dict() for f in self.faults],
            "suggestion": self.suggestion,
        }


@dataclass(slots=True)
class Interruptions:
    """The agent starting to speak while the customer was mid-turn (抢话)."""

    count: int
    """Interruptions: talking over the customer for at least ``interruption_overlap_s``, with more
    than back-channels."""
    backchannels: int
    """Agent turns that talked over the customer as long as an interruption but said only
    back-channel words (嗯, 对, 好的) before the customer stopped: listening, not interrupting."""
    faults: tuple[Fault, ...] = ()
    """One per interruption: its evidence is the customer's words cut into, then the agent's."""
    suggestion: str | None = None
    """The lexicon's ``interruption_suggestion`` (请等客户说完再回应); only with faults."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "backchannels": self.backchannels,
            "faults": [f.to_dict() for f in self.faults],
            "suggestion": self.suggestion,
        }


@dataclass(slots=True)
class Silence:
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": round(self.start, 2),
            "end": round(self.end, 2),
            "duration": round(self.duration, 2),
        }


@dataclass(slots=True)
class DeadAir:
    """Stretches where neither party spoke (静音), announced holds left out."""

    total_s: float
    longest_s: float
    stretches: tuple[Silence, ...]
    """Every silence of at least ``dead_air_min_s`` mid-call that is not an announced hold, in time
    order."""
    announced_holds: tuple[Silence, ...] = ()
    """Silences left out: holds the hold check found announced (请您稍等…)."""
    faults: tuple[Fault, ...] = ()
    """Stretches longer than ``dead_air_max_s``; the evidence is the last words before the
    silence."""
    suggestion: str | None = None
    """The lexicon's ``dead_air_suggestion``; only with faults."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "total_s": round(self.total_s, 2),
            "longest_s": round(self.longest_s, 2),
            "stretches": [s.to_dict() for s in self.stretches],
            "announced_holds": [s.to_dict() for s in self.announced_holds],
            "faults": [f.to_dict() for f in self.faults],
            "suggestion": self.suggestion,
        }


@dataclass(slots=True)
class TalkRatio:
    """Seconds of speech of each party and the agent's share (说话占比)."""

    agent_s: float
    customer_s: float
    agent_share: float
    """``agent_s`` as a percentage of both parties' speech (0–100)."""
    faults: tuple[Fault, ...] = ()
    """One, spanning the call, when ``agent_share`` is over ``agent_share_max``."""
    suggestion: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent_s": round(self.agent_s, 2),
            "customer_s": round(self.customer_s, 2),
            "agent_share": round(self.agent_share, 1),
            "faults": [f.to_dict() for f in self.faults],
            "suggestion": self.suggestion,
        }


@dataclass(slots=True)
class DeliveryMetrics:
    """How the agent spoke, measured from the transcript's timings
    (:mod:`callreview.qc.delivery`)."""

    roles: str
    """The transcript's ``roles``: ``stereo``, ``mono-separated``, or ``mono-unknown`` (then only
    metrics that need no roles)."""
    speech_rate: SpeechRate | None
    interruptions: Interruptions | None
    dead_air: DeadAir | None
    talk_ratio: TalkRatio | None
    unavailable: Mapping[str, str] = field(default_factory=dict)
    """Metric → why it could not be measured (a ``None`` metric above)."""

    def get(self, name: str) -> SpeechRate | Interruptions | DeadAir | TalkRatio | None:
        """The metric called ``name`` (one of :data:`METRICS`)."""
        return getattr(self, name)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"roles": self.roles}
        for name in METRICS:
            metric = self.get(name)
            data[name] = None if metric is None else metric.to_dict()
        data["unavailable"] = dict(self.unavailable)
        return data


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
