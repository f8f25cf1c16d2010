"""Plain-text view of a :class:`CallReview`: what an agent reads about their own call.

One line per checklist item (status, points, what it is), and under each failed or
review item what was heard, when (mm:ss), and what to say instead. Then how the
agent spoke: one line per delivery metric (``INFO`` unless the scorecard weights
it), and under it each fault — the moment, what was heard — and what to do
instead. No colour codes: the CLI may add them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from callreview.i18n import N_, bilingual, current, gettext
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
from callreview.web.words import STATUS_WORDS, band_name, direction_word, item_label

if TYPE_CHECKING:
    from callreview.qc.scorecard import Scorecard

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


INFO = N_("INFO")
"""A delivery metric that is information only (the scorecard does not weigh it)."""


def status_word(status: str) -> str:
    """PASS/FAIL/N/A/REVIEW in the current language, padded to the status column."""
    return pad(gettext(STATUS_WORDS[status]) if status in STATUS_WORDS else status, 7)


def render_review(review: CallReview, scorecard: Scorecard | None = None) -> str:
    """The checklist with PASS/FAIL/N/A/REVIEW, score and band, and the evidence under each
    problem, in the current language (:mod:`callreview.i18n`); a scorecard's own items by the
    label ``scorecard`` gives them (a flag after ⚑)."""
    lines = [
        f"{review.file} · {clock(review.duration_s)} · {direction_word(review.profile)}",
        _score_line(review),
        "",
    ]
    for item in review.items.values():
        lines.append(
            f"{status_word(item.status)}{_points(item):>7}"
            f"  {item_label(item.name, item.details, scorecard)}{_summary(item)}"
        )
        if item.status in ("fail", "review"):
            lines.extend(INDENT + line for line in _explain(item))
    if review.metrics is not None:
        lines += ["", bilingual("How the agent spoke 表达")]
        lines += render_delivery(review.metrics, review.delivery)
    for item in review.items.values():
        typed = as_details(item.name, item.details)
        note = typed.report_note if typed is not None else None
        if note:
            lines += ["", gettext("Note: %(note)s") % {"note": note}]
    if review.redactions:
        lines += ["", render_redactions(review.redactions)]
    return "\n".join(lines)


def render_redactions(redactions: Iterable[Mapping[str, Any]]) -> str:
    """``Masked: [手机号] 00:27–00:29 customer, …``: what the output hides, and where."""
    return gettext("Masked: %(where)s") % {
        "where": ", ".join(
            f"{r['label']} {clock(r['start'])}–{clock(r['end'])} {_role(r['role'])}"
            for r in redactions
        )
    }


ROLES = {"agent": N_("agent"), "customer": N_("customer"), "unknown": N_("speaker")}


def _role(role: str) -> str:
    return gettext(ROLES[role]) if role in ROLES else role


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
            f"{status_word(item.status)}{_points(item):>7}"
            if item is not None
            else f"{pad(gettext(INFO), 7)}{'–':>7}"
        )
        label = bilingual(METRIC_LABELS[name])
        metric = metrics.get(name)
        if metric is None:
            unavailable = metrics.unavailable.get(name, "")
            lines += [
                f"{head}  {label}  — " + gettext("not measured"),
                INDENT + (gettext(unavailable) if unavailable else ""),
            ]
            continue
        lines.append(f"{head}  {label}  — {_metric_summary(metric)}")
        lines.extend(INDENT + line for line in _metric_faults(metric))
        if item is not None and (reason := item.details.get("reason")):
            lines.append(INDENT + gettext(reason))
        if metric.faults and metric.suggestion:
            lines.append(INDENT + gettext("do instead: %(text)s") % {"text": metric.suggestion})
    return lines


def _metric_summary(metric: SpeechRate | Interruptions | DeadAir | TalkRatio) -> str:
    _ = gettext
    if isinstance(metric, SpeechRate):
        per = _("characters/min") if metric.unit == "characters" else f"{metric.unit}/min"
        text = (
            _("no turn long enough to time")
            if metric.median is None
            else _("median %(rate).0f %(per)s") % {"rate": metric.median, "per": per}
        )
        if metric.fastest is not None:
            text += _(", fastest %(rate).0f at %(at)s") % {
                "rate": metric.fastest.rate,
                "at": clock(metric.fastest.start),
            }
        who = _("everybody: mono recording") if metric.role == "unknown" else _("agent")
        text += f" ({who})"
        n = len(metric.faults)
        return text + (_("; %(num)d fast stretch(es)") % {"num": n} if n else "")
    if isinstance(metric, Interruptions):
        text = str(metric.count) if metric.count else _("none")
        return text + (
            _(" (%(num)d back-channel(s) while the customer talked, not counted)")
            % {"num": metric.backchannels}
            if metric.backchannels
            else ""
        )
    if isinstance(metric, DeadAir):
        text = (
            _("%(total).0f s in %(num)d stretch(es), longest %(longest).0f s")
            % {"total": metric.total_s, "num": len(metric.stretches), "longest": metric.longest_s}
            if metric.stretches
            else _("none")
        )
        n = len(metric.announced_holds)
        return text + (_(" (%(num)d announced hold(s) not counted)") % {"num": n} if n else "")
    return _(
        "agent %(agent).0f %% · customer %(customer).0f %% "
        "(%(agent_s).0f s / %(customer_s).0f s of speech)"
    ) % {
        "agent": metric.agent_share,
        "customer": 100 - metric.agent_share,
        "agent_s": metric.agent_s,
        "customer_s": metric.customer_s,
    }


def _metric_faults(metric: SpeechRate | Interruptions | DeadAir | TalkRatio) -> Iterable[str]:
    _ = gettext
    for f in metric.faults:
        span = f"{clock(f.start)}–{clock(f.end)}"
        if isinstance(metric, SpeechRate):
            per = _("characters/min") if metric.unit == "characters" else f"{metric.unit}/min"
            yield _("%(span)s %(rate).0f %(per)s for %(seconds).1f s of speech: %(quote)s") % {
                "span": span,
                "rate": f.value,
                "per": per,
                "seconds": f.seconds,
                "quote": f"「{f.evidence[0].text}」",
            }
        elif isinstance(metric, Interruptions):
            cut, agent = f.evidence
            yield _(
                "%(at)s talked over the customer for %(seconds).1f s: %(agent)s over %(cut)s"
            ) % {
                "at": clock(f.start),
                "seconds": f.seconds,
                "agent": f"「{agent.text}」",
                "cut": f"「{cut.text}」",
            }
        elif isinstance(metric, DeadAir):
            silence = _("%(span)s %(seconds).0f s of silence") % {
                "span": span,
                "seconds": f.seconds,
            }
            if f.evidence:
                silence += _(" after the %(role)s's %(quote)s") % {
                    "role": _role(f.evidence[0].role),
                    "quote": f"「{f.evidence[0].text}」",
                }
            yield silence
        else:
            yield span + " " + _("the agent's share is over the scorecard's agent_share_max")


def render_batch(outcomes: list[tuple[str, CallReview | Exception]]) -> str:
    """One line per call after a batch — score, band, what failed or needs review — so a
    QC reviewer sees at once which calls to open."""
    _ = gettext
    reviews = [o for _r, o in outcomes if isinstance(o, CallReview)]
    scores = [r.score for r in reviews if r.score is not None]
    head = _("%(num)d calls") % {"num": len(outcomes)}
    if scores:
        head += _(" · mean score %(score).1f") % {"score": sum(scores) / len(scores)}
    if n := sum(r.needs_review for r in reviews):
        head += _(" · %(num)d need review") % {"num": n}
    if n := len(outcomes) - len(reviews):
        head += _(" · %(num)d could not be read") % {"num": n}
    lines = [head]
    for file, outcome in outcomes:
        if not isinstance(outcome, CallReview):
            failed = pad(_("error"), 6, right=True)
            lines.append(f"{failed}  {'':<{BAND_WIDTH}}  {file}")
            continue
        score = "—" if outcome.score is None else f"{outcome.score:.1f}"
        band = outcome.band_label or ""
        problems = [
            f"{gettext(STATUS_WORDS[i.status])} {i.name}"
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
    _ = gettext
    if review.score is None:
        line = _("Score —  (no item could be judged)")
    else:
        label = review.band_label or ""
        if current() != "zh_CN":  # the scorecard's label is Chinese: English adds its own name
            label += f" ({band_name(review.band)})"
        line = _("Score %(score).1f / 100 · %(band)s") % {"score": review.score, "band": label}
    if review.needs_review:
        line += _(" · needs review: a person should listen to the %(review)s items") % {
            "review": _(STATUS_WORDS["review"])
        }
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
    if reason := d.get("reason"):
        yield gettext(reason)
    typed = as_details(item.name, d)
    if typed is not None:
        yield from typed.explain(item)
    elif d.get("suggestion") and item.status == "fail":  # a scorecard's own item's advice
        yield gettext("say instead: %(text)s") % {"text": d["suggestion"]}


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
