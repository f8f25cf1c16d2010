"""The five checklist items, one module each; each reads a :class:`CallContext` and returns a :class:`Finding`.

A check judges (status, evidence, details); it never counts points — the
scorecard turns findings into points (:mod:`callreview.qc.scorecard`).

Every item judges the **agent's** speech: segments with role ``agent``, and on a
mono recording the ``unknown`` ones (whose evidence then says ``unknown``). A
check never blames the customer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from callreview.matching import Hit, PatternHit, Phrase, Turn, find_in
from callreview.qc.details import ItemDetails
from callreview.results import Evidence, Status
from callreview.transcript import Segment

LOW_ROLE_CONFIDENCE = 0.7
"""A turn of a separated mono call whose ``role_confidence`` is under this is not sure to be
whose it says: a verdict resting on it is ``review`` (:func:`lean_on_roles`)."""

MIN_SILENCE_S = 0.5
"""The shortest silence :meth:`CallContext.silences` is asked for and the shortest pause the delivery metrics
look for (the scorecard's thresholds are at least this)."""

if TYPE_CHECKING:
    from callreview.qc.checklist import CallInfo
    from callreview.qc.lexicon import Lexicon
    from callreview.qc.scorecard import Thresholds
    from callreview.transcript import Transcript


@dataclass(frozen=True)
class Finding:
    """What a check found, before scoring."""

    name: str
    status: Status
    evidence: tuple[Evidence, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)
    """The item's typed details (:mod:`callreview.qc.details`); a plain dict for a delivery metric, or for
    an item that was never judged (no agent speech: only ``reason``)."""


@dataclass
class CallContext:
    """One call being checked: its turns (analysed once), the lexicon, the thresholds, what the caller told us."""

    transcript: Transcript
    lexicon: Lexicon
    thresholds: Thresholds
    call: CallInfo
    turns: list[Turn]
    """Every segment, in time order."""
    judged: list[Turn]
    """The agent's segments (``unknown`` ones on a mono recording), in time order."""
    _gaps: list[tuple[float, float]] | None = field(default=None, repr=False)
    _runs: list[tuple[tuple[float, float], ...]] | None = field(default=None, repr=False)
    _joins: dict[int, Turn | None] | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls,
        transcript: Transcript,
        lexicon: Lexicon,
        thresholds: Thresholds,
        call: CallInfo,
    ) -> CallContext:
        turns = [Turn(seg, i) for i, seg in enumerate(transcript.segments)]
        judged = [t for t in turns if t.role in ("agent", "unknown")]
        return cls(transcript, lexicon, thresholds, call, turns, judged)

    @property
    def mono(self) -> bool:
        """Roles unknown: a fault heard may be the customer's, so faults lean to ``review``."""
        return self.transcript.roles == "mono-unknown" or any(
            t.role == "unknown" for t in self.judged
        )

    def joined(self, turns: Iterable[Turn]) -> list[Turn]:
        """Each two of ``turns`` that the agent said one after the other (no judged turn between them,
        the customer's may be), at most ``join_gap_s`` apart, read as one turn (:func:`join_turns`),
        in the order of their first halves."""
        if self._joins is None:
            gap = self.thresholds.join_gap_s
            pairs = zip(self.judged, self.judged[1:])
            self._joins = {
                id(a): join_turns(a, b) if gap > 0 and b.start - a.end <= gap else None
                for a, b in pairs
            }
        given = {id(t) for t in turns}
        out = []
        for turn in turns:
            joined = self._joins.get(id(turn))
            if joined is not None and id(joined.second) in given:
                out.append(joined)
        return out

    def customer_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.role == "customer"]

    def silences(self, min_s: float) -> list[tuple[float, float]]:
        """Stretches of at least ``min_s`` (≥ 0.5) seconds when nobody spoke, mid-call (word timings where known):
        scanned once per call, for the hold check and for dead air alike."""
        if self._gaps is None:
            from callreview.qc.checks.hold import silences

            self._gaps = silences(
                sorted(run for runs in self.speech_runs() for run in runs), MIN_SILENCE_S
            )
        return [g for g in self._gaps if g[1] - g[0] >= min_s]

    def speech_runs(self) -> list[tuple[tuple[float, float], ...]]:
        """Each turn's speech (by turn index) as runs of words with no gap of ``MIN_SILENCE_S`` or more
        inside; a turn without word timings is one run, the segment. One pass over the call's words.

        No silence of ``MIN_SILENCE_S`` or more lies inside a run, so the silences between runs are
        exactly those between words (:meth:`Transcript.speech_spans`), from far fewer spans."""
        if self._runs is None:
            out: list[tuple[tuple[float, float], ...]] = []
            for turn in self.turns:
                seg = turn.segment
                words = seg.words
                if not words:
                    out.append(((seg.start, seg.end),))
                    continue
                runs = []
                start, end = words[0].start, words[0].end
                for word in words:
                    w_start = word.start
                    if w_start - end >= MIN_SILENCE_S:
                        runs.append((start, end))
                        start = w_start
                    w_end = word.end
                    if w_end > end:
                        end = w_end
                runs.append((start, end))
                out.append(tuple(runs))
            self._runs = out
        return self._runs


def lean_on_roles(
    finding: Finding, ctx: CallContext, check: Callable[[CallContext], Finding] | None = None
) -> Finding:
    """A pass or fail that rests on a turn whose speaker was inferred with low confidence
    (a separated mono call) becomes ``review``; the details say which turn and why.

    It rests on the turn when the turn is part of its evidence, or — given the ``check`` that made it —
    when the verdict changes with the turn given to the other speaker: a greeting that fails for want
    of 您好 while a 您好 is the customer's at 68 % fails on that turn as much as on any quoted one.
    Run once after every check (:func:`callreview.qc.checklist.check_transcript`), so every item is covered."""
    if finding.status not in ("pass", "fail") or ctx.transcript.roles != "mono-separated":
        return finding
    unsure = []
    for ev in finding.evidence:
        for turn in ctx.turns:
            seg = turn.segment
            conf = seg.role_confidence
            if conf is None or conf >= LOW_ROLE_CONFIDENCE or seg.role != ev.role:
                continue
            if seg.start - 0.05 <= ev.start and ev.end <= seg.end + 0.05:
                unsure.append((seg, conf))
                break
    if unsure:
        seg, conf = min(unsure, key=lambda pair: pair[1])
        reason = (
            f"{finding.status} rests on the turn at {seg.start:.1f} s, whose speaker ({seg.role}) is only "
            f"{conf:.0%} sure: a mono call whose voices were told apart by the speaker model; listen to confirm"
        )
    elif check is not None and (flip := _hangs_on(finding, ctx, check)) is not None:
        seg, conf, other = flip
        reason = (
            f"{finding.status} would be {other} if the turn at {seg.start:.1f} s were the {_OTHER[seg.role]}'s: its "
            f"speaker ({seg.role}) is only {conf:.0%} sure (a mono call whose voices were told apart by the speaker model); listen to confirm"
        )
    else:
        return finding
    added = {"reason": reason, "role_confidence": round(conf, 3), "unsure_verdict": finding.status}
    details = (
        finding.details.with_extra(**added)
        if isinstance(finding.details, ItemDetails)
        else {**finding.details, **added}
    )
    return replace(finding, status="review", details=details)


_OTHER = {"agent": "customer", "customer": "agent"}


def _hangs_on(
    finding: Finding, ctx: CallContext, check: Callable[[CallContext], Finding]
) -> tuple[Segment, float, str] | None:
    """The least sure low-confidence turn whose speaker, changed, changes ``check``'s verdict:
    (its segment, its confidence, the verdict then); ``None`` when no such turn moves it."""
    segments = ctx.transcript.segments
    unsure = sorted(
        (seg.role_confidence, i)
        for i, seg in enumerate(segments)
        if seg.role_confidence is not None
        and seg.role_confidence < LOW_ROLE_CONFIDENCE
        and seg.role in _OTHER
    )
    for conf, i in unsure:
        seg = segments[i]
        flipped = replace(
            ctx.transcript,
            segments=segments[:i] + (replace(seg, role=_OTHER[seg.role]),) + segments[i + 1 :],
        )
        other = check(CallContext.build(flipped, ctx.lexicon, ctx.thresholds, ctx.call)).status
        if other != finding.status:
            return seg, conf, other
    return None


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


def find_across(ctx: CallContext, turns: Sequence[Turn], phrases: Sequence[Phrase]) -> Hit | None:
    """:func:`find_part`, and when no turn holds a certain hit, a certain hit across two of the agent's
    turns read as one (:meth:`CallContext.joined`): a sentence the decoder cut in two."""
    hit = find_part(turns, phrases)
    if hit is not None and hit.certain:
        return hit
    across = find_part(ctx.joined(turns), phrases)
    return across if across is not None and across.certain else hit


class JoinedTurn(Turn):
    """Two of the agent's turns read as one sentence: the first's text, words and start, then the second's."""

    second: Turn


def join_turns(a: Turn, b: Turn) -> JoinedTurn:
    sa, sb = a.segment, b.segment
    confidences = [c for c in (sa.role_confidence, sb.role_confidence) if c is not None]
    logprobs = [p for p in (sa.avg_logprob, sb.avg_logprob) if p is not None]
    segment = Segment(
        role=sa.role,
        start=sa.start,
        end=max(sa.end, sb.end),
        text=sa.text + sb.text,
        norm=sa.norm + sb.norm,
        words=sa.words + sb.words if sa.words and sb.words else (),
        avg_logprob=min(logprobs) if logprobs else None,
        flags=tuple(dict.fromkeys(sa.flags + sb.flags)),
        role_confidence=min(confidences) if confidences else None,
    )
    joined = JoinedTurn(segment, a.index)
    joined.second = b
    return joined


def in_window(turns: Iterable[Turn], lo: float, hi: float) -> list[Turn]:
    """Turns that start within ``[lo, hi]`` seconds."""
    return [t for t in turns if lo <= t.start <= hi]
