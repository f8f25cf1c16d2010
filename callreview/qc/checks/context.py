"""What every check reads: the call being checked (:class:`CallContext`), what the caller told us
(:class:`CallInfo`), what a check returns (:class:`Finding`), and the ways a check looks for a
phrase in the agent's turns.

Every item judges the **agent's** speech: segments with role ``agent``, and on a mono recording
the ``unknown`` ones (whose evidence then says ``unknown``). A check never blames the customer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from callreview.matching import Hit, Phrase, Turn, find_in
from callreview.qc.thresholds import Thresholds
from callreview.results import Evidence, Status
from callreview.transcript import Segment

if TYPE_CHECKING:
    from callreview.qc.lexicon import Lexicon
    from callreview.transcript import Transcript

MIN_SILENCE_S = 0.5
"""The shortest silence :meth:`CallContext.silences` is asked for and the shortest pause the
delivery metrics look for (the scorecard's thresholds are at least this)."""


@dataclass(frozen=True)
class CallInfo:
    """What the caller knows about the call besides its recording."""

    direction: Literal["inbound", "outbound"] = "inbound"
    """``outbound`` (回访 follow-up calls) uses the outbound greeting parts and profile."""
    customer_name: str | None = None
    """The customer's name if known (王, 王先生, 王建国; Smith); else inferred from the call."""
    agent_name: str | None = None
    """The agent's name or staff number as they introduce themself; else taken from the greeting."""
    company_names: tuple[str, ...] = ()
    """Names the greeting must contain; none: recognized from the greeting's shape (欢迎致电X)."""
    agent_names: tuple[str, ...] = ()
    """The site's agents (``agent_names`` in callreview.toml) when ``agent_name`` is not known: any
    of them counts."""


@dataclass(frozen=True)
class Finding:
    """What a check found, before scoring."""

    name: str
    status: Status
    evidence: tuple[Evidence, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)
    """The item's typed details (:mod:`callreview.qc.checks.base`); a plain dict for a delivery
    metric, or for an item that was never judged (no agent speech: only ``reason``)."""


@dataclass
class CallContext:
    """One call being checked: its turns (analysed once), the lexicon, the thresholds, what the
    caller told us."""

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
    _joins: dict[int, JoinedTurn | None] | None = field(default=None, repr=False)

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
        """Each two of ``turns`` that the agent said one after the other (no judged turn between
        them, the customer's may be), at most ``join_gap_s`` apart, read as one turn
        (:func:`join_turns`), in the order of their first halves."""
        if self._joins is None:
            gap = self.thresholds.join_gap_s
            pairs = zip(self.judged, self.judged[1:])
            self._joins = {
                id(a): join_turns(a, b) if gap > 0 and b.start - a.end <= gap else None
                for a, b in pairs
            }
        given = {id(t) for t in turns}
        out: list[Turn] = []
        for turn in turns:
            joined = self._joins.get(id(turn))
            if joined is not None and id(joined.second) in given:
                out.append(joined)
        return out

    def customer_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.role == "customer"]

    def silences(self, min_s: float) -> list[tuple[float, float]]:
        """Stretches of at least ``min_s`` (≥ 0.5) seconds when nobody spoke, mid-call (word timings
        where known): scanned once per call, for the hold check and for dead air alike."""
        if self._gaps is None:
            self._gaps = silences(
                sorted(run for runs in self.speech_runs() for run in runs), MIN_SILENCE_S
            )
        return [g for g in self._gaps if g[1] - g[0] >= min_s]

    def speech_runs(self) -> list[tuple[tuple[float, float], ...]]:
        """Each turn's speech (by turn index) as runs of words with no gap of ``MIN_SILENCE_S`` or
        more inside; a turn without word timings is one run, the segment. One pass over the call's
        words.

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


def silences(spans: list[tuple[float, float]], min_s: float) -> list[tuple[float, float]]:
    """Stretches of at least ``min_s`` seconds between speech (of anybody), after the first word and
    before the last."""
    out = []
    reach = None
    for start, end in spans:
        if reach is not None and start - reach >= min_s:
            out.append((reach, start))
        reach = end if reach is None else max(reach, end)
    return out


def find_part(turns: Sequence[Turn], phrases: Sequence[Phrase]) -> Hit | None:
    return find_in(turns, phrases) if phrases else None


def find_across(ctx: CallContext, turns: Sequence[Turn], phrases: Sequence[Phrase]) -> Hit | None:
    """:func:`find_part`, and when no turn holds a certain hit, a certain hit across two of the
    agent's turns read as one (:meth:`CallContext.joined`): a sentence the decoder cut in two."""
    hit = find_part(turns, phrases)
    if hit is not None and hit.certain:
        return hit
    across = find_part(ctx.joined(turns), phrases)
    return across if across is not None and across.certain else hit


class JoinedTurn(Turn):
    """Two of the agent's turns read as one sentence: the first's text, words and start, then the
    second's."""

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
