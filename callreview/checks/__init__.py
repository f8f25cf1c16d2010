"""The five checklist items, one module each; each reads a :class:`CallContext` and returns a :class:`Finding`.

A check judges (status, evidence, details); it never counts points — the
scorecard turns findings into points (:mod:`callreview.scorecard`).

Every item judges the **agent's** speech: segments with role ``agent``, and on a
mono recording the ``unknown`` ones (whose evidence then says ``unknown``). A
check never blames the customer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from callreview.match import Hit, PatternHit, Phrase, Turn, find_in
from callreview.results import Evidence, Status

if TYPE_CHECKING:
    from callreview.checklist import CallInfo
    from callreview.lexicon import Lexicon
    from callreview.scorecard import Thresholds
    from callreview.transcript import Transcript


@dataclass(frozen=True)
class Finding:
    """What a check found, before scoring."""

    name: str
    status: Status
    evidence: tuple[Evidence, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class CallContext:
    """One call being checked: its turns (analysed once), the lexicon, the thresholds, what the caller told us."""

    transcript: "Transcript"
    lexicon: "Lexicon"
    thresholds: "Thresholds"
    call: "CallInfo"
    turns: list[Turn]
    """Every segment, in time order."""
    judged: list[Turn]
    """The agent's segments (``unknown`` ones on a mono recording), in time order."""

    @classmethod
    def build(cls, transcript: "Transcript", lexicon: "Lexicon", thresholds: "Thresholds", call: "CallInfo") -> "CallContext":
        turns = [Turn(seg, i) for i, seg in enumerate(transcript.segments)]
        judged = [t for t in turns if t.role in ("agent", "unknown")]
        return cls(transcript, lexicon, thresholds, call, turns, judged)

    @property
    def mono(self) -> bool:
        """Roles unknown: a fault heard may be the customer's, so faults lean to ``review``."""
        return self.transcript.roles == "mono" or any(t.role == "unknown" for t in self.judged)

    def customer_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.role == "customer"]


def part(hit: Hit | PatternHit | None, value: str | None = None, **extra: Any) -> dict[str, Any]:
    """One part of a greeting or closing: found (certain), or uncertain (grey zone), with its evidence."""
    if hit is None:
        return {"found": False, "uncertain": False, "text": None, "evidence": None, **extra}
    certain = hit.certain if isinstance(hit, Hit) else True
    ev = hit.evidence()
    out = {"found": certain, "uncertain": not certain, "text": ev.text, "evidence": ev, **extra}
    if value is not None:
        out["value"] = value
    return out


def parts_status(parts: dict[str, dict[str, Any]]) -> Status:
    """All parts found: pass; a part missing outright: fail; only uncertain ones missing: review."""
    if all(p["found"] for p in parts.values()):
        return "pass"
    if any(not p["found"] and not p["uncertain"] for p in parts.values()):
        return "fail"
    return "review"


def part_evidence(parts: dict[str, dict[str, Any]]) -> tuple[Evidence, ...]:
    seen: list[Evidence] = []
    for p in parts.values():
        ev = p.get("evidence")
        if ev is not None and ev not in seen:
            seen.append(ev)
    return tuple(sorted(seen, key=lambda e: e.start))


def find_part(turns: Sequence[Turn], phrases: Sequence[Phrase]) -> Hit | None:
    return find_in(turns, phrases) if phrases else None


def in_window(turns: Iterable[Turn], lo: float, hi: float) -> list[Turn]:
    """Turns that start within ``[lo, hi]`` seconds."""
    return [t for t in turns if lo <= t.start <= hi]
