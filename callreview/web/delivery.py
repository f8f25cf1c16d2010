"""The call page's "How the agent spoke": each delivery metric of a stored review as one view,
its faults as clickable moments, in the current language (the static report's too)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from callreview.i18n import bilingual, gettext, ngettext
from callreview.qc.checks.base import Place as Moment
from callreview.qc.checks.base import clock
from callreview.qc.labels import METRIC_LABELS
from callreview.results import METRICS


@dataclass(frozen=True)
class FaultView:
    """One moment a delivery metric went wrong: when, what happened, the words to hear."""

    start: float
    end: float
    text: str
    """What happened, e.g. ``talked over the customer for 2.5 s``."""
    quotes: tuple[Moment, ...]
    """The evidence, in the review's order (an interruption: the customer's words cut into, then the
    agent's)."""


@dataclass(frozen=True)
class MetricView:
    """One delivery metric of the call page: information only (``status`` ``info``) unless the
    scorecard weights it."""

    name: str
    label: str
    status: str
    """``info``, or the weighted metric's ``pass`` / ``fail`` / ``na`` / ``review``."""
    points: str
    summary: str
    """The measurement in one line; for a metric not measured, why not."""
    faults: tuple[FaultView, ...]
    do_instead: str | None
    """The review's advice (the lexicon's text, 请放慢语速), shown with faults."""
    measured: bool = True
    reason: str | None = None
    """Why a weighted metric waits for a person (a fast stretch on a mono recording may be the
    customer's)."""


def delivery_views(review: Mapping[str, Any] | None) -> list[MetricView]:
    """The call page's "How the agent spoke": one view per metric of the review's ``metrics`` (none
    for a review stored before the metrics existed), in :data:`METRICS` order, as the terminal
    prints them."""
    metrics = (review or {}).get("metrics")
    if not metrics:
        return []
    weighted = (review or {}).get("delivery") or {}
    out = []
    for name in METRICS:
        item = weighted.get(name)
        status = item["status"] if item else "info"
        points = (
            points_text(item["status"], item["points"], item["max_points"], item) if item else "–"
        )
        m = metrics.get(name)
        if m is None:
            reason = gettext((metrics.get("unavailable") or {}).get(name, "not measured"))
            out.append(
                MetricView(
                    name, metric_label(name), status, points, reason, (), None, measured=False
                )
            )
            continue
        faults = tuple(_fault_view(name, m, f) for f in m.get("faults") or ())
        out.append(
            MetricView(
                name,
                metric_label(name),
                status,
                points,
                _metric_summary(name, m),
                faults,
                m.get("suggestion") if faults else None,
                reason=gettext(r) if (r := (item or {}).get("reason")) else None,
            )
        )
    return out


def _metric_summary(name: str, m: Mapping[str, Any]) -> str:
    if name == "speech_rate":
        per = _per_minute(m)
        text = (
            gettext("no turn long enough to time")
            if m.get("median") is None
            else gettext("median %(rate).0f %(per)s") % {"rate": m["median"], "per": per}
        )
        fastest = m.get("fastest")
        if fastest and fastest.get("rate") is not None:
            text += gettext(", fastest %(rate).0f at %(at)s") % {
                "rate": fastest["rate"],
                "at": clock(fastest["start"]),
            }
        text += gettext(" (everybody: mono recording)") if m.get("role") == "unknown" else ""
        n = len(m.get("faults") or ())
        return text + (
            ngettext("; %(num)d fast stretch", "; %(num)d fast stretches", n) % {"num": n}
            if n
            else ""
        )
    if name == "interruptions":
        text = str(m["count"]) if m.get("count") else gettext("none")
        bc = m.get("backchannels") or 0
        return text + (
            ngettext(
                " (%(num)d back-channel while the customer talked, not counted)",
                " (%(num)d back-channels while the customer talked, not counted)",
                bc,
            )
            % {"num": bc}
            if bc
            else ""
        )
    if name == "dead_air":
        stretches, holds = m.get("stretches") or (), m.get("announced_holds") or ()
        text = (
            ngettext(
                "%(total).0f s in %(num)d stretch, longest %(longest).0f s",
                "%(total).0f s in %(num)d stretches, longest %(longest).0f s",
                len(stretches),
            )
            % {"total": m["total_s"], "num": len(stretches), "longest": m["longest_s"]}
            if stretches
            else gettext("none")
        )
        n = len(holds)
        return text + (
            ngettext(
                " (%(num)d announced hold not counted)", " (%(num)d announced holds not counted)", n
            )
            % {"num": n}
            if holds
            else ""
        )
    share = m.get("agent_share", 0.0)
    return gettext(
        "agent %(agent).0f %% · customer %(customer).0f %% "
        "(%(agent_s).0f s / %(customer_s).0f s of speech)"
    ) % {
        "agent": share,
        "customer": 100 - share,
        "agent_s": m.get("agent_s", 0),
        "customer_s": m.get("customer_s", 0),
    }


def _per_minute(m: Mapping[str, Any]) -> str:
    unit = m.get("unit", "characters")
    return gettext("characters/min") if unit == "characters" else f"{unit}/min"


def metric_label(name: str) -> str:
    return bilingual(METRIC_LABELS[name])


def _fault_view(name: str, m: Mapping[str, Any], f: Mapping[str, Any]) -> FaultView:
    evidence = list(f.get("evidence") or ())
    if name == "speech_rate":
        text = gettext("%(rate).0f %(per)s for %(seconds).1f s of speech") % {
            "rate": f["value"],
            "per": _per_minute(m),
            "seconds": f["seconds"],
        }
        notes = [gettext("too fast")] * len(evidence)
    elif name == "interruptions":
        text = gettext("talked over the customer for %(seconds).1f s") % {"seconds": f["seconds"]}
        notes = [
            gettext("cut into") if ev.get("matched") == "interrupted" else gettext("talked over")
            for ev in evidence
        ]
    elif name == "dead_air":
        text = gettext("%(seconds).0f s of silence") % {"seconds": f["seconds"]}
        if evidence:
            role = evidence[0].get("role", "agent")
            text += (
                gettext(" after the customer's words")
                if role == "customer"
                else gettext(" after the agent's words")
            )
        notes = [gettext("before the silence")] * len(evidence)
    else:
        text = gettext("the agent's share is over the scorecard's agent_share_max")
        notes = [""] * len(evidence)
    return FaultView(
        float(f["start"]),
        float(f["end"]),
        text,
        tuple(moment_of(ev, note, bad=True) for ev, note in zip(evidence, notes)),
    )


def points_text(status: str, points: float, max_points: float, d: Mapping[str, Any]) -> str:
    weight = d.get("weight", max_points)
    if status == "na":
        return "–"
    if status == "review":
        return f"–/{weight:g}"
    return f"{points:g}/{max_points:g}"


def moment_of(ev: Mapping[str, Any], note: str, bad: bool = False) -> Moment:
    return Moment(
        float(ev["start"]), float(ev["end"]), ev.get("role", "agent"), ev.get("text", ""), note, bad
    )
