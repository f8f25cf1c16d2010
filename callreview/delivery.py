"""How the agent spoke: speech rate, interruptions, dead air and talk ratio, with evidence.

    CallContext (turns, word timings) + the hold check's holds ─measure_delivery─▶ DeliveryMetrics
    DeliveryMetrics ─judge_delivery─▶ Finding per metric ─Scorecard.delivery_result─▶ ItemResult (weighted metrics only)

The seeds ask for more than the words: 000 语速舒缓 (an unhurried pace), 001 避免打断他们
(do not interrupt a venting customer), 004 matching the customer's 速度. Everything is
read from the transcript's timings (word timings where known, else segment times),
so stored transcripts are measured again without audio. The numbers the metrics
judge by are the scorecard's ``[delivery]``; the words (back-channels) and the advice
(请放慢语速, 请等客户说完再回应) are the lexicon's ``[delivery]``.

* **Speech time** of a turn: from its first word to its last, less every gap of at
  least ``pause_s`` between its words (a silent hold inside one segment is no speech).
  Whisper's word timings stretch words over the silence around them — a turn's
  first word starts early, its last (often a word misplaced from the next turn)
  ends late — so a word is taken to last at most ``char_max_s`` per character: the
  first word of a turn is cut from its start, any other from its end.
* **Speech rate**: characters (one per Chinese character or digit; a word per Latin
  word) per minute of speech time, per agent turn; turns under ``rate_min_turn_s``
  are too short to time. A **fast stretch** is a run of consecutive agent turns,
  each over ``rate_max``, holding more than ``fast_min_s`` of speech: a fault.
* **Interruption**: an agent turn that starts while a customer turn is under way
  and talks over it for at least ``interruption_overlap_s``, unless the words it
  says while the customer is still talking are only back-channels (嗯, 对, 好的).
* **Dead air**: a silence of both parties of at least ``dead_air_min_s`` mid-call
  (the hold check's own silence finder), except a hold the hold check found
  announced (请您稍等…). A silent hold nobody announced is dead air too. A stretch
  longer than ``dead_air_max_s`` is a fault.
* **Talk ratio**: each party's speech time and the agent's share; over
  ``agent_share_max`` is a fault.

A mono recording (roles ``unknown``) gets dead air and the speech rate of everybody
(``role: unknown``; a fast stretch there is ``review``, it may be the customer's);
interruptions and the talk ratio need two parties apart and are listed in
``unavailable`` with why.
"""

from __future__ import annotations

import re
from statistics import median
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from callreview.checks import CallContext, Finding
from callreview.checks.hold import silences
from callreview.match import Turn
from callreview.results import (
    METRICS,
    DeadAir,
    DeliveryMetrics,
    Evidence,
    Fault,
    Interruptions,
    Silence,
    SpeechRate,
    TalkRatio,
    TurnRate,
)

if TYPE_CHECKING:
    from callreview.lexicon import DeliveryPhrases
    from callreview.scorecard import DeliveryThresholds

MONO = "mono recording: who spoke when is not known, so {what} cannot be told; record the agent and the customer on two channels"
NO_AGENT = "no agent speech in the transcript; check the agent channel (agent_channel) and the recording"
NO_CUSTOMER = "no customer speech in the transcript; check the customer channel and the recording"


def measure_delivery(ctx: CallContext, th: "DeliveryThresholds", holds: Sequence[Mapping[str, Any]] = ()) -> DeliveryMetrics:
    """Measure how the agent spoke; ``holds`` are the hold check's (its ``announced`` ones are not dead air)."""
    lex = ctx.lexicon.delivery
    mono = ctx.transcript.roles == "mono"
    spans = {t.index: word_spans(t, th.char_max_s) for t in ctx.turns}
    speech = {t.index: speech_seconds(spans[t.index], th.pause_s) for t in ctx.turns}
    unavailable: dict[str, str] = {}

    speaker = [t for t in ctx.turns if t.role == ("unknown" if mono else "agent")]
    rate = _speech_rate(speaker, speech, th, lex) if speaker else None
    if rate is None:
        unavailable["speech_rate"] = NO_AGENT

    interruptions = talk = None
    if mono:
        unavailable["interruptions"] = MONO.format(what="the agent talking over the customer")
        unavailable["talk_ratio"] = MONO.format(what="each party's share of the talk")
    else:
        interruptions = _interruptions(ctx.turns, spans, th, lex)
        talk = _talk_ratio(ctx.turns, speech, th, lex)
        if talk is None:
            unavailable["talk_ratio"] = NO_CUSTOMER

    return DeliveryMetrics(
        roles=ctx.transcript.roles,
        speech_rate=rate,
        interruptions=interruptions,
        dead_air=_dead_air(ctx, th, lex, holds),
        talk_ratio=talk,
        unavailable=unavailable,
    )


def judge_delivery(metrics: DeliveryMetrics, th: "DeliveryThresholds") -> list[Finding]:
    """One finding per metric, for a scorecard that weights them: ``pass`` with no fault, ``fail`` with one
    (``interruptions``: more than ``interruptions_max``), ``na`` when not measured, ``review`` for a fast
    stretch on a mono recording."""
    findings = []
    for name in METRICS:
        metric = metrics.get(name)
        if metric is None:
            findings.append(Finding(name, "na", (), {"reason": metrics.unavailable.get(name, "not measured")}))
            continue
        faults = metric.faults
        failed = metric.count > th.interruptions_max if isinstance(metric, Interruptions) else bool(faults)
        details: dict[str, Any] = {"faults": len(faults)}
        status = "fail" if failed else "pass"
        if failed and name == "speech_rate" and metrics.roles == "mono":
            status = "review"
            details["reason"] = "mono recording: the fast speech may be the customer's; a person should listen"
        if failed and metric.suggestion:
            details["suggestion"] = metric.suggestion
        evidence = tuple(sorted({e for f in faults for e in f.evidence}, key=lambda e: (e.start, e.role)))
        findings.append(Finding(name, status, evidence, details))
    return findings


# --- speech time and rate ---------------------------------------------------------------


_UNIT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|\d|[^\W\d_]+")


def word_spans(turn: Turn, char_max_s: float) -> tuple[tuple[float, float], ...]:
    """When each word of a turn was said, each lasting at most ``char_max_s`` per character (a word per Latin
    word): the turn's first word is cut from its start, any other from its end. No word timings: the segment."""
    seg = turn.segment
    if not seg.words:
        return ((seg.start, seg.end),)
    out = []
    last = len(seg.words) - 1
    for i, word in enumerate(seg.words):
        start, end = word.start, word.end
        cap = max(1, len(_UNIT.findall(word.text))) * char_max_s
        if end - start > cap:
            if i == 0 and last:
                start = end - cap
            else:
                end = start + cap
        out.append((start, end))
    return tuple(out)


def speech_seconds(spans: tuple[tuple[float, float], ...], pause_s: float) -> float:
    """Seconds of speech in a turn's word spans: their time less gaps of ``pause_s`` or more."""
    total = 0.0
    run_start, run_end = spans[0]
    for start, end in spans[1:]:
        if start - run_end >= pause_s:
            total += run_end - run_start
            run_start = start
        if end > run_end:
            run_end = end
    return max(0.0, total + run_end - run_start)


def spoken_units(turn: Turn, unit: str = "characters") -> int:
    """Characters said: one per Chinese character and per digit (Whisper writes 八六五三二 as 86532), one per other word;
    ``words``: one per token."""
    tokens = turn.text.tokens
    if unit == "words":
        return len(tokens)
    return sum(len(tok) if tok.isdigit() else 1 for tok in tokens)


def _speech_rate(turns: list[Turn], speech: Mapping[int, float], th: "DeliveryThresholds", lex: "DeliveryPhrases") -> SpeechRate:
    rated: list[tuple[Turn, TurnRate]] = []
    for turn in turns:
        seconds = speech[turn.index]
        units = spoken_units(turn, lex.rate_unit)
        rate = units * 60.0 / seconds if seconds >= th.rate_min_turn_s else None
        rated.append((turn, TurnRate(turn.start, turn.end, units, seconds, rate)))
    timed = [r for _, r in rated if r.rate is not None]
    total_s = sum(r.speech_s for _, r in rated)
    faults = tuple(_fast_stretches(rated, th))
    return SpeechRate(
        role=turns[0].role,
        unit=lex.rate_unit,
        median=median(r.rate for r in timed) if timed else None,  # type: ignore[type-var]
        overall=sum(r.units for _, r in rated) * 60.0 / total_s if total_s > 0 else None,
        fastest=max(timed, key=lambda r: r.rate) if timed else None,  # type: ignore[arg-type, return-value]
        turns=tuple(r for _, r in rated),
        faults=faults,
        suggestion=lex.fast_suggestion if faults else None,
    )


def _fast_stretches(rated: list[tuple[Turn, TurnRate]], th: "DeliveryThresholds") -> Iterable[Fault]:
    """Runs of consecutive timed turns over ``rate_max`` with more than ``fast_min_s`` of speech (untimed turns are skipped)."""
    run: list[tuple[Turn, TurnRate]] = []
    for turn, rate in [*rated, (None, None)]:
        if rate is not None and rate.rate is None:
            continue
        if rate is not None and rate.rate > th.rate_max:  # type: ignore[operator]
            run.append((turn, rate))  # type: ignore[arg-type]
            continue
        seconds = sum(r.speech_s for _, r in run)
        if run and seconds > th.fast_min_s:
            units = sum(r.units for _, r in run)
            evidence = tuple(_evidence(t, "speech_rate") for t, _ in run)
            yield Fault(run[0][1].start, run[-1][1].end, units * 60.0 / seconds, seconds, evidence)
        run = []


# --- interruptions ----------------------------------------------------------------------


def _interruptions(
    turns: list[Turn], spans: Mapping[int, tuple[tuple[float, float], ...]], th: "DeliveryThresholds", lex: "DeliveryPhrases"
) -> Interruptions:
    faults: list[Fault] = []
    backchannels = 0
    talking: tuple[Turn, float, float] | None = None  # the customer turn that reaches furthest so far: turn, start, end
    for turn in turns:  # in start order
        words = spans[turn.index]
        start, end = words[0][0], max(e for _, e in words)
        if turn.role == "customer":
            if talking is None or end > talking[2]:
                talking = (turn, start, end)
            continue
        if turn.role != "agent" or talking is None or not talking[1] < start < talking[2]:
            continue
        customer, _, customer_end = talking
        if lex.is_backchannel(_keys_before(turn, customer_end)):
            backchannels += 1
            continue
        overlap = min(end, customer_end) - start
        if overlap < th.interruption_overlap_s:
            continue
        cut = _evidence(customer, "interrupted", at=start)
        faults.append(Fault(start, min(end, customer_end), overlap, overlap, (cut, _evidence(turn, "interruption", at=start))))
    return Interruptions(len(faults), backchannels, tuple(faults), lex.interruption_suggestion if faults else None)


def _keys_before(turn: Turn, time: float) -> tuple[str, ...]:
    """The keys of the words the turn says before ``time`` (all of them without word timings)."""
    spans = turn.token_spans() if turn.segment.words else None
    keys = turn.text.keys
    if spans is None:
        return keys
    n = 0
    while n < len(spans) and spans[n][0] < time:
        n += 1
    return keys[:n]


# --- dead air and talk ratio ----------------------------------------------------------------


def _dead_air(ctx: CallContext, th: "DeliveryThresholds", lex: "DeliveryPhrases", holds: Sequence[Mapping[str, Any]]) -> DeadAir:
    announced = [(h["start"], h["end"]) for h in holds if h.get("announced")]
    stretches: list[Silence] = []
    excluded: list[Silence] = []
    for start, end in silences(ctx.transcript.speech_spans(), th.dead_air_min_s):
        if any(start < h_end and h_start < end for h_start, h_end in announced):
            excluded.append(Silence(start, end))
        else:
            stretches.append(Silence(start, end))
    faults = tuple(
        Fault(s.start, s.end, s.duration, s.duration, _last_words(ctx.turns, s.start)) for s in stretches if s.duration > th.dead_air_max_s
    )
    return DeadAir(
        total_s=sum(s.duration for s in stretches),
        longest_s=max((s.duration for s in stretches), default=0.0),
        stretches=tuple(stretches),
        announced_holds=tuple(excluded),
        faults=faults,
        suggestion=lex.dead_air_suggestion if faults else None,
    )


def _last_words(turns: list[Turn], time: float) -> tuple[Evidence, ...]:
    """The sentence heard last before ``time``: what the silence followed."""
    before = [t for t in turns if t.start < time]
    if not before:
        return ()
    turn = max(before, key=lambda t: min(t.end, time))
    return (_evidence(turn, "before_dead_air", at=time - 0.01),)


def _talk_ratio(turns: list[Turn], speech: Mapping[int, float], th: "DeliveryThresholds", lex: "DeliveryPhrases") -> TalkRatio | None:
    agent = sum(speech[t.index] for t in turns if t.role == "agent")
    customer = sum(speech[t.index] for t in turns if t.role == "customer")
    if customer <= 0:
        return None
    share = 100.0 * agent / (agent + customer)
    faults = (Fault(turns[0].start, turns[-1].end, share, agent),) if share > th.agent_share_max else ()
    return TalkRatio(agent, customer, share, faults, lex.talk_ratio_suggestion if faults else None)


# --- evidence -----------------------------------------------------------------------------


def _evidence(turn: Turn, what: str, at: float | None = None) -> Evidence:
    """The turn as evidence; with ``at``, quoting the sentence being said at that moment (else the whole turn)."""
    text = turn.text
    n = len(text.tokens)
    if at is None or n == 0:
        return Evidence(turn.role, turn.start, turn.end, text.quote(0, n), what, 100.0)
    spans = turn.token_spans() if turn.segment.words else None
    if spans is not None:
        i = max(0, sum(1 for s, _ in spans if s <= at) - 1)
    else:  # no word timings: assume an even pace through the turn
        share = (at - turn.start) / (turn.end - turn.start) if turn.end > turn.start else 0.0
        i = min(n - 1, max(0, int(share * n)))
    return Evidence(turn.role, turn.start, turn.end, text.quote(i, i + 1), what, 100.0)
