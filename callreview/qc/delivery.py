"""How the agent spoke: speech rate, interruptions, dead air and talk ratio, with evidence.

    CallContext (turns, word timings) + the hold check's holds ─measure_delivery─▶ DeliveryMetrics
    DeliveryMetrics ─judge_delivery─▶ Finding per metric
                    ─Scorecard.delivery_result─▶ ItemResult (weighted metrics only)

The seeds ask for more than the words: 000 语速舒缓 (an unhurried pace), 001 避免打断他们
(do not interrupt a venting customer), 004 matching the customer's 速度. Everything is
read from the transcript's timings (word timings where known, else segment times),
so stored transcripts are measured again without audio. The numbers the metrics
judge by are the scorecard's ``[delivery]``; the words (back-channels) and the advice
(请放慢语速, 请等客户说完再回应) are the lexicon's ``[delivery]``.

* **Speech time** of a turn: from its first word to its last, less every gap of at
  least ``pause_s`` between its words (a silent hold inside one segment is no speech).
  Whisper's word timings stretch a turn's first word back over the silence before
  it and its last (often a word misplaced from the next turn) over the silence
  after, so those two are taken to last at most ``char_max_s`` per character.
* **Speech rate**: characters (one per Chinese character or digit; a word per Latin
  word) per minute of speech time, per agent turn; turns under ``rate_min_turn_s``
  are too short to time. A **fast stretch** is a run of consecutive agent turns,
  each over ``rate_max``, holding more than ``fast_min_s`` of speech: a fault.
* **Interruption**: an agent turn that starts while a customer turn is under way
  and talks over it for at least ``interruption_overlap_s``, unless the words it
  says while the customer is still talking are only back-channels (嗯, 对, 好的):
  those are counted as ``backchannels``, listening.
* **Dead air**: a silence of both parties of at least ``dead_air_min_s`` mid-call
  (the same scan of the call's silences as the hold check's), except a hold it found
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
from collections.abc import Mapping, Sequence
from functools import lru_cache
from statistics import median
from typing import TYPE_CHECKING, Any

from callreview.matching import Turn, analyze
from callreview.qc.checks.context import CallContext, Finding
from callreview.results import (
    METRICS,
    DeadAir,
    DeliveryMetrics,
    Evidence,
    Fault,
    Interruptions,
    Silence,
    SpeechRate,
    Status,
    TalkRatio,
    TurnRate,
)

if TYPE_CHECKING:
    from callreview.qc.lexicon import DeliveryPhrases
    from callreview.qc.thresholds import DeliveryThresholds

MONO = (
    "mono recording: who spoke when is not known, so {what} cannot be told; "
    "record the agent and the customer on two channels"
)
NO_AGENT = (
    "no agent speech in the transcript; check the agent channel (agent_channel) and the recording"
)
NO_CUSTOMER = "no customer speech in the transcript; check the customer channel and the recording"


def measure_delivery(
    ctx: CallContext, th: DeliveryThresholds, holds: Sequence[Mapping[str, Any]] = ()
) -> DeliveryMetrics:
    """Measure how the agent spoke; ``holds`` are the hold check's (its ``announced`` ones are not
    dead air)."""
    lex = ctx.lexicon.delivery
    mono = ctx.transcript.roles == "mono-unknown"
    char_max_s, pause_s = th.char_max_s, th.pause_s
    count = _COUNT[lex.rate_unit]
    # One pass over the call in start order (checking runs this on every call, so it is kept to
    # one): each turn's timing, each party's seconds of speech, the agent's turns to rate (on a mono
    # recording everybody's), and the agent cutting into a customer turn.
    spoken: list[
        tuple[Turn, float, float, int, float]
    ] = []  # the judged turns: turn, start, end, characters, speech seconds
    agent_s = customer_s = 0.0
    cuts: list[Fault] = []
    backchannels = 0
    talking: tuple[Turn, float, float] | None = (
        None  # the customer turn that reaches furthest so far: turn, start, end
    )
    for turn, runs in zip(ctx.turns, ctx.speech_runs()):
        start, end, seconds = turn_timing(turn, runs, char_max_s, pause_s)
        seg = turn.segment
        role = seg.role
        if role == "customer":
            customer_s += seconds
            if talking is None or end > talking[2]:
                talking = (turn, start, end)
            continue
        spoken.append((turn, start, end, count(seg.text), seconds))
        if role == "agent":
            agent_s += seconds
            if talking is not None and talking[1] < start < talking[2]:
                cut = _cut_in(turn, start, end, talking, th, lex)
                if cut is None:
                    backchannels += 1
                elif cut:
                    cuts.append(cut[0])
    unavailable: dict[str, str] = {}

    rate = _speech_rate(spoken, th, lex) if spoken else None
    if rate is None:
        unavailable["speech_rate"] = NO_AGENT

    interruptions = talk = None
    if mono:
        unavailable["interruptions"] = MONO.format(what="the agent talking over the customer")
        unavailable["talk_ratio"] = MONO.format(what="each party's share of the talk")
    else:
        interruptions = Interruptions(
            len(cuts), backchannels, tuple(cuts), lex.interruption_suggestion if cuts else None
        )
        talk = _talk_ratio(ctx.turns, agent_s, customer_s, th, lex)
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


def judge_delivery(metrics: DeliveryMetrics, th: DeliveryThresholds) -> list[Finding]:
    """One finding per metric, for a scorecard that weights them: ``pass`` with no fault, ``fail``
    with one (``interruptions``: more than ``interruptions_max``), ``na`` when not measured,
    ``review`` for a fast stretch on a mono recording."""
    findings = []
    for name in METRICS:
        metric = metrics.get(name)
        if metric is None:
            findings.append(
                Finding(name, "na", (), {"reason": metrics.unavailable.get(name, "not measured")})
            )
            continue
        faults = metric.faults
        failed = (
            metric.count > th.interruptions_max
            if isinstance(metric, Interruptions)
            else bool(faults)
        )
        details: dict[str, Any] = {"faults": len(faults)}
        status: Status = "fail" if failed else "pass"
        if (
            failed and name == "speech_rate" and metrics.roles in ("mono", "mono-unknown")
        ):  # "mono": stored before schema 2
            status = "review"
            details["reason"] = (
                "mono recording: the fast speech may be the customer's; a person should listen"
            )
        if failed and metric.suggestion:
            details["suggestion"] = metric.suggestion
        evidence = tuple(
            sorted({e for f in faults for e in f.evidence}, key=lambda e: (e.start, e.role))
        )
        findings.append(Finding(name, status, evidence, details))
    return findings


# --- speech time and rate ---------------------------------------------------------------


_UNIT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|\d|[^\W\d_]+")


@lru_cache(maxsize=16384)
def _units_in(text: str) -> int:
    return max(1, len(_UNIT.findall(text)))


def turn_timing(
    turn: Turn, runs: tuple[tuple[float, float], ...], char_max_s: float, pause_s: float
) -> tuple[float, float, float]:
    """``(start, end, speech seconds)`` of a turn from its runs of speech
    (:meth:`CallContext.speech_runs`).

    The turn's first and last words last at most ``char_max_s`` per character each (a word per Latin
    word): Whisper stretches them over the silence before and after the turn, so the first is cut
    from its start and the last from its end. (Inside a turn no gap is that long: transcription
    starts a new turn at 2 s.) Speech seconds leave out gaps of at least ``pause_s`` between
    runs."""
    words = turn.segment.words
    start, end = runs[0][0], runs[-1][1]
    if len(words) > 1:
        first, last = words[0], words[-1]
        if first.end - first.start > char_max_s:
            cap = _units_in(first.text) * char_max_s
            if first.end - first.start > cap:
                start = first.end - cap
        if last.end >= end and last.end - last.start > char_max_s:
            cap = _units_in(last.text) * char_max_s
            if last.end - last.start > cap:
                end = last.start + cap
    elif words and words[0].end - words[0].start > char_max_s:
        cap = _units_in(words[0].text) * char_max_s
        if end - start > cap:
            end = start + cap
    if len(runs) == 1:
        return start, end, (end - start if end > start else 0.0)
    total, run_start, run_end = 0.0, start, runs[0][1]
    for r_start, r_end in runs[1:]:
        if r_start - run_end >= pause_s:
            total += run_end - run_start
            run_start = r_start
        if r_end > run_end:
            run_end = r_end
    total += min(run_end, end) - run_start
    return start, end, (total if total > 0 else 0.0)


@lru_cache(maxsize=16384)
def _characters(text: str) -> int:
    """Characters said: one per Chinese character and per digit (Whisper writes 八六五三二 as
    86532), one per other word."""
    tokens = analyze(text).tokens
    if not any(map(str.isdigit, text)):  # most turns: one per token, no need to look at each
        return len(tokens)
    return sum(len(tok) if tok.isdigit() else 1 for tok in tokens)


@lru_cache(maxsize=16384)
def _words(text: str) -> int:
    """Words said (``rate_unit = "words"``): one per token."""
    return len(analyze(text).tokens)


_COUNT = {"characters": _characters, "words": _words}


def _speech_rate(
    spoken: list[tuple[Turn, float, float, int, float]],
    th: DeliveryThresholds,
    lex: DeliveryPhrases,
) -> SpeechRate:
    """The speaker's turns (turn, start, end, characters, speech seconds), in order: each turn's
    rate, the median, the fastest, and the fast stretches (runs of consecutive timed turns over
    ``rate_max``; turns too short to time neither count nor break a run)."""
    min_s, rate_max, fast_min_s = th.rate_min_turn_s, th.rate_max, th.fast_min_s
    rated: list[tuple[float, float, int, float, float | None]] = []  # TurnRate fields
    rates: list[float] = []
    fastest: tuple[float, float, int, float, float | None] | None = None
    top = 0.0  # fastest's rate
    faults: list[Fault] = []
    run: list[tuple[Turn, tuple]] = []
    all_units, all_seconds = 0, 0.0
    for turn, start, end, units, seconds in spoken:
        all_units += units
        all_seconds += seconds
        if seconds < min_s:
            rated.append((start, end, units, seconds, None))
            continue
        rate = units * 60.0 / seconds
        this = (start, end, units, seconds, rate)
        rated.append(this)
        rates.append(rate)
        if fastest is None or rate > top:
            fastest, top = this, rate
        if rate > rate_max:
            run.append((turn, this))
        elif run:
            faults += _fast_stretch(run, fast_min_s)
            run = []
    if run:
        faults += _fast_stretch(run, fast_min_s)
    return SpeechRate(
        role=spoken[0][0].segment.role,
        unit=lex.rate_unit,
        median=median(rates) if rates else None,
        overall=all_units * 60.0 / all_seconds if all_seconds > 0 else None,
        fastest=None if fastest is None else TurnRate(*fastest),
        per_turn=tuple(rated),
        faults=tuple(faults),
        suggestion=lex.fast_suggestion if faults else None,
    )


def _fast_stretch(run: list[tuple[Turn, tuple]], fast_min_s: float) -> list[Fault]:
    seconds = sum(r[3] for _, r in run)
    if seconds <= fast_min_s:
        return []
    units = sum(r[2] for _, r in run)
    return [
        Fault(
            run[0][1][0],
            run[-1][1][1],
            units * 60.0 / seconds,
            seconds,
            tuple(_evidence(t, "speech_rate") for t, _ in run),
        )
    ]


# --- interruptions ----------------------------------------------------------------------


def _cut_in(
    turn: Turn,
    start: float,
    end: float,
    talking: tuple[Turn, float, float],
    th: DeliveryThresholds,
    lex: DeliveryPhrases,
) -> tuple[Fault] | tuple[()] | None:
    """An agent turn that starts while the customer's is under way: ``()`` when it talks over them
    for less than ``interruption_overlap_s``; ``None`` when longer but what it says before the
    customer stops is only back-channels; else ``(fault,)``."""
    customer, _, customer_end = talking
    overlap = min(end, customer_end) - start
    if overlap < th.interruption_overlap_s:
        return ()
    if lex.is_backchannel(_keys_before(turn, customer_end)):
        return None
    cut = _evidence(customer, "interrupted", at=start)
    return (
        Fault(
            start,
            min(end, customer_end),
            overlap,
            overlap,
            (cut, _evidence(turn, "interruption", at=start)),
        ),
    )


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


def _dead_air(
    ctx: CallContext,
    th: DeliveryThresholds,
    lex: DeliveryPhrases,
    holds: Sequence[Mapping[str, Any]],
) -> DeadAir:
    announced = [(h["start"], h["end"]) for h in holds if h.get("announced")]
    stretches: list[Silence] = []
    excluded: list[Silence] = []
    faults: list[Fault] = []
    total = longest = 0.0
    for start, end in ctx.silences(th.dead_air_min_s):
        if announced and any(start < h_end and h_start < end for h_start, h_end in announced):
            excluded.append(Silence(start, end))
            continue
        stretches.append(Silence(start, end))
        seconds = end - start
        total += seconds
        if seconds > longest:
            longest = seconds
        if seconds > th.dead_air_max_s:
            faults.append(Fault(start, end, seconds, seconds, _last_words(ctx.turns, start)))
    return DeadAir(
        total_s=total,
        longest_s=longest,
        stretches=tuple(stretches),
        announced_holds=tuple(excluded),
        faults=tuple(faults),
        suggestion=lex.dead_air_suggestion if faults else None,
    )


def _last_words(turns: list[Turn], time: float) -> tuple[Evidence, ...]:
    """The sentence heard last before ``time``: what the silence followed."""
    before = [t for t in turns if t.start < time]
    if not before:
        return ()
    turn = max(before, key=lambda t: min(t.end, time))
    return (_evidence(turn, "before_dead_air", at=time - 0.01),)


def _talk_ratio(
    turns: list[Turn],
    agent: float,
    customer: float,
    th: DeliveryThresholds,
    lex: DeliveryPhrases,
) -> TalkRatio | None:
    if customer <= 0:
        return None
    share = 100.0 * agent / (agent + customer)
    faults = (
        (Fault(turns[0].start, turns[-1].end, share, agent),) if share > th.agent_share_max else ()
    )
    return TalkRatio(agent, customer, share, faults, lex.talk_ratio_suggestion if faults else None)


# --- evidence -----------------------------------------------------------------------------


def _evidence(turn: Turn, what: str, at: float | None = None) -> Evidence:
    """The turn as evidence; with ``at``, quoting the sentence being said at that moment (else the
    whole turn)."""
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
