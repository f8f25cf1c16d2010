"""Plain-text view of a :class:`CallReview`: what an agent reads about their own call.

One line per checklist item (status, points, what it is), and under each failed or
review item what was heard, when (mm:ss), and what to say instead. Then how the
agent spoke: one line per delivery metric (``INFO`` unless the scorecard weights
it), and under it each fault — the moment, what was heard — and what to do
instead. No colour codes: the CLI may add them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from callreview.qc.checks import as_details
from callreview.qc.checks.base import PART_LABELS, clock
from callreview.qc.checks.customer_name import NameDetails
from callreview.qc.checks.forbidden import ForbiddenDetails
from callreview.qc.checks.greeting import GreetingDetails
from callreview.qc.labels import LABELS, METRIC_LABELS, STATUS, gist
from callreview.results import (
    METRICS,
    CallReview,
    DeadAir,
    DeliveryMetrics,
    Interruptions,
    ItemResult,
    SpeechRate,
    TalkRatio,
)
from callreview.tables import pad
from callreview.transcript import Transcript

INDENT = " " * 15
__all__ = [
    "LABELS",
    "METRIC_LABELS",
    "PART_LABELS",
    "STATUS",
    "INDENT",
    "clock",
    "gist",
    "render_review",
    "render_batch",
    "render_delivery",
    "render_transcript",
    "pronoun_note",
    "name_advice",
    "bare_word",
]


def render_review(review: CallReview) -> str:
    """The checklist with PASS/FAIL/N/A/REVIEW, score and band, and the evidence under each
    problem."""
    lines = [
        f"{review.file} · {clock(review.duration_s)} · {review.profile}",
        _score_line(review),
        "",
    ]
    for item in review.items.values():
        lines.append(
            f"{STATUS[item.status]:<7}{_points(item):>7}"
            f"  {LABELS.get(item.name, item.name)}{_summary(item)}"
        )
        if item.status in ("fail", "review"):
            lines.extend(INDENT + line for line in _explain(item))
    if review.metrics is not None:
        lines += ["", "How the agent spoke 表达"] + render_delivery(review.metrics, review.delivery)
    for item in review.items.values():
        typed = as_details(item.name, item.details)
        note = typed.report_note if typed is not None else None
        if note:
            lines += ["", f"Note: {note}"]
    if review.redactions:
        lines += ["", render_redactions(review.redactions)]
    return "\n".join(lines)


def render_redactions(redactions: Iterable[Mapping[str, Any]]) -> str:
    """``Masked: [手机号] 00:27–00:29 customer, …``: what the output hides, and where."""
    return "Masked: " + ", ".join(
        f"{r['label']} {clock(r['start'])}–{clock(r['end'])} {r['role']}" for r in redactions
    )


def pronoun_note(d: Mapping[str, Any]) -> str | None:
    """``你 said 2× where 您 is expected (000 客服礼仪规范)``, in the lexicon's words; None when
    not counted. ``d``: the forbidden item's details (typed, or as stored)."""
    typed = as_details("forbidden", d)
    return typed.pronoun_note if isinstance(typed, ForbiddenDetails) else None


def name_advice(d: Mapping[str, Any]) -> str:
    """What to do when the customer's name was not used enough, with the lexicon's example of
    a name."""
    typed = as_details("customer_name", d)
    assert isinstance(typed, NameDetails)
    return typed.name_advice


def bare_word(d: Mapping[str, Any]) -> str:
    """The forbidden opening the agent's first words were (the lexicon's word, e.g. 喂)."""
    typed = as_details("greeting", d)
    return typed.bare_word if isinstance(typed, GreetingDetails) else ""


def render_delivery(
    metrics: DeliveryMetrics, weighted: dict[str, ItemResult] | None = None
) -> list[str]:
    """One line per delivery metric — ``INFO`` when it is information only, else its status and
    points — and under it each fault (when, what was heard) and what to do instead."""
    lines = []
    for name in METRICS:
        item = (weighted or {}).get(name)
        head = (
            f"{STATUS[item.status]:<7}{_points(item):>7}"
            if item is not None
            else f"{'INFO':<7}{'–':>7}"
        )
        metric = metrics.get(name)
        if metric is None:
            lines += [
                f"{head}  {METRIC_LABELS[name]}  — not measured",
                INDENT + metrics.unavailable.get(name, ""),
            ]
            continue
        lines.append(f"{head}  {METRIC_LABELS[name]}  — {_metric_summary(metric)}")
        lines.extend(INDENT + line for line in _metric_faults(metric))
        if item is not None and item.details.get("reason"):
            lines.append(INDENT + item.details["reason"])
        if metric.faults and metric.suggestion:
            lines.append(f"{INDENT}do instead: {metric.suggestion}")
    return lines


def _metric_summary(metric: SpeechRate | Interruptions | DeadAir | TalkRatio) -> str:
    if isinstance(metric, SpeechRate):
        per = f"{metric.unit}/min"
        text = (
            "no turn long enough to time"
            if metric.median is None
            else f"median {metric.median:.0f} {per}"
        )
        if metric.fastest is not None:
            text += f", fastest {metric.fastest.rate:.0f} at {clock(metric.fastest.start)}"
        text += f" ({'everybody: mono recording' if metric.role == 'unknown' else 'agent'})"
        return text + (f"; {len(metric.faults)} fast stretch(es)" if metric.faults else "")
    if isinstance(metric, Interruptions):
        text = str(metric.count) if metric.count else "none"
        return text + (
            f" ({metric.backchannels} back-channel(s) while the customer talked, not counted)"
            if metric.backchannels
            else ""
        )
    if isinstance(metric, DeadAir):
        text = (
            f"{metric.total_s:.0f} s in {len(metric.stretches)} stretch(es),"
            f" longest {metric.longest_s:.0f} s"
            if metric.stretches
            else "none"
        )
        return text + (
            f" ({len(metric.announced_holds)} announced hold(s) not counted)"
            if metric.announced_holds
            else ""
        )
    return (
        f"agent {metric.agent_share:.0f} % · customer {100 - metric.agent_share:.0f} %"
        f" ({metric.agent_s:.0f} s / {metric.customer_s:.0f} s of speech)"
    )


def _metric_faults(metric: SpeechRate | Interruptions | DeadAir | TalkRatio) -> Iterable[str]:
    for f in metric.faults:
        span = f"{clock(f.start)}–{clock(f.end)}"
        if isinstance(metric, SpeechRate):
            yield (
                f"{span} {f.value:.0f} {metric.unit}/min for {f.seconds:.1f} s of speech:"
                f" 「{f.evidence[0].text}」"
            )
        elif isinstance(metric, Interruptions):
            cut, agent = f.evidence
            yield (
                f"{clock(f.start)} talked over the customer for {f.seconds:.1f} s:"
                f" 「{agent.text}」 over 「{cut.text}」"
            )
        elif isinstance(metric, DeadAir):
            after = (
                f" after the {f.evidence[0].role}'s 「{f.evidence[0].text}」" if f.evidence else ""
            )
            yield f"{span} {f.seconds:.0f} s of silence{after}"
        else:
            yield f"{span} the agent's share is over the scorecard's agent_share_max"


def render_batch(outcomes: list[tuple[str, CallReview | Exception]]) -> str:
    """One line per call after a batch — score, band, what failed or needs review — so a
    QC reviewer sees at once which calls to open."""
    reviews = [o for _, o in outcomes if isinstance(o, CallReview)]
    scores = [r.score for r in reviews if r.score is not None]
    head = f"{len(outcomes)} calls"
    if scores:
        head += f" · mean score {sum(scores) / len(scores):.1f}"
    if n := sum(r.needs_review for r in reviews):
        head += f" · {n} need review"
    if n := len(outcomes) - len(reviews):
        head += f" · {n} could not be read"
    lines = [head]
    for file, outcome in outcomes:
        if not isinstance(outcome, CallReview):
            lines.append(f"{'error':>6}  {'':<{BAND_WIDTH}}  {file}")
            continue
        score = "—" if outcome.score is None else f"{outcome.score:.1f}"
        band = outcome.band_label or ""
        problems = [
            f"{STATUS[i.status]} {i.name}"
            for i in outcome.items.values()
            if i.status in ("fail", "review")
        ]
        lines.append(
            f"{score:>6}  {pad(band, BAND_WIDTH)}  {file}"
            + (f"  — {', '.join(problems)}" if problems else "")
        )
    return "\n".join(lines)


BAND_WIDTH = 6
"""Display columns of the widest band label (不合格: three CJK characters)."""


def _score_line(review: CallReview) -> str:
    if review.score is None:
        line = "Score —  (no item could be judged)"
    else:
        band = (review.band or "").replace("_", " ")
        line = f"Score {review.score:.1f} / 100 · {review.band_label or ''} ({band})"
    if review.needs_review:
        line += " · needs review: a person should listen to the REVIEW items"
    return line


def _points(item: ItemResult) -> str:
    weight = item.details.get("weight", item.max_points)
    if item.status == "na":
        return "–"
    if item.status == "review":
        return f"–/{weight:g}"
    return f"{item.points:g}/{item.max_points:g}"


def _summary(item: ItemResult) -> str:
    text = gist(item.name, item.status, item.details)
    return f"  — {text}" if text else ""


def _explain(item: ItemResult) -> Iterable[str]:
    d = item.details
    if d.get("reason"):
        yield d["reason"]
    typed = as_details(item.name, d)
    if typed is not None:
        yield from typed.explain(item)


def render_transcript(transcript: Transcript) -> str:
    """A head line (file, length, roles, model), then one line per turn: when, who, what."""
    head = (
        f"# {transcript.file}  {transcript.duration_s:.1f} s  {transcript.roles}"
        f"  model {transcript.model}"
    )
    if transcript.roles == "mono-unknown":
        head += "  (mono: speakers are not separated, every turn is 'unknown')"
    lines = [head]
    for seg in transcript.segments:
        lines.append(
            f"[{clock_tenths(seg.start)}–{clock_tenths(seg.end)}] {seg.role:>8}: {seg.text}"
        )
    return "\n".join(lines)


def clock_tenths(seconds: float) -> str:
    """``75.4`` → ``01:15.4``: a transcript's turns to the tenth of a second, where the
    checklist's :func:`clock` rounds to the second."""
    minutes, secs = divmod(seconds, 60)
    return f"{int(minutes):02d}:{secs:04.1f}"
