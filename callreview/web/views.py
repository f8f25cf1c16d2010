"""What the templates show, shaped from stored results: the same for the live app and the
static report. Nothing here judges or scores; it reads the stored review (the JSON contract
of :class:`callreview.results.CallReview`), the final statuses of :mod:`callreview.team.people`
and the stored transcript, and turns them into labels, clickable moments and "say instead"
lines (the words of :mod:`callreview.qc.labels`, as the terminal prints them).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from callreview.i18n import bilingual, gettext, ngettext
from callreview.qc.checks import as_details
from callreview.qc.checks.base import PART_LABELS
from callreview.qc.checks.base import Place as Moment  # a place a reviewer can click to hear
from callreview.qc.labels import gist
from callreview.web import words
from callreview.web.delivery import MetricView, delivery_views
from callreview.web.delivery import moment_of as _moment
from callreview.web.delivery import points_text as _points
from callreview.web.words import (
    ROLE_LABELS,
    TEMPLATES,
    band_name,
    environment,
    item_label,
    score_text,
    when,
)

if TYPE_CHECKING:
    from callreview.qc.scorecard import Scorecard
    from callreview.team.people import AgentSummary, FinalItem, FinalReview
    from callreview.transcript import Transcript

STATIC = Path(__file__).resolve().parent / "static"
__all__ = [
    "TEMPLATES",
    "band_name",
    "delivery_views",
    "environment",
    "item_label",
    "score_text",
    "when",
    "words",
]


@dataclass(frozen=True)
class ItemView:
    name: str
    label: str
    status: str
    auto: str
    overridden: bool
    points: str
    auto_points: str
    summary: str
    reasons: tuple[str, ...]
    moments: tuple[Moment, ...]
    say_instead: tuple[str, ...]
    parts: tuple[tuple[str, str], ...] = ()
    """(part label, ``found`` / ``missing`` / ``unsure``) of a greeting or closing."""


@dataclass(frozen=True)
class Line:
    """One transcript turn."""

    index: int
    role: str
    role_label: str
    start: float
    end: float
    text: str
    evidence: bool = False
    """Some item's evidence is in this turn."""
    flags: tuple[str, ...] = ()


def item_views(final: FinalReview, scorecard: Scorecard | None = None) -> list[ItemView]:
    """Each item of the call, a scorecard's own ones named as ``scorecard`` names them."""
    return [item_view(item, scorecard) for item in final.items.values()]


def item_view(item: FinalItem, scorecard: Scorecard | None = None) -> ItemView:
    d = item.data
    return ItemView(
        name=item.name,
        label=item_label(item.name, d, scorecard),
        status=item.status,
        auto=item.auto,
        overridden=item.overridden,
        points=_points(item.status, item.points, item.max_points, d),
        auto_points=_points(item.auto, item.auto_points, item.auto_max_points, d),
        summary=summary(item.name, item.auto, d),
        reasons=tuple(_reasons(item.name, d)),
        moments=tuple(moments(item.name, d)),
        say_instead=tuple(say_instead(item.name, item.auto, d))
        if item.auto in ("fail", "review") or item.status in ("fail", "review")
        else (),
        parts=tuple(
            (
                bilingual(PART_LABELS.get(k, k)),
                "found" if p.get("found") else "unsure" if p.get("uncertain") else "missing",
            )
            for k, p in (d.get("parts") or {}).items()
        ),
    )


def summary(name: str, status: str, d: Mapping[str, Any]) -> str:
    """The one-line gist of the automatic finding (the terminal report's, with what is fine said
    too)."""
    return gist(name, status, d, full=True)


def _reasons(name: str, d: Mapping[str, Any]) -> Iterable[str]:
    if reason := d.get("reason"):
        yield gettext(str(reason))  # a check's fixed sentence, stored in English
    typed = as_details(name, d)
    if typed is not None and typed.note:
        yield typed.note


def moments(name: str, d: Mapping[str, Any]) -> list[Moment]:
    """Every clickable place of an item, in time order, one per (time, quote)."""
    out: list[Moment] = []
    typed = as_details(name, d)
    if typed is not None:
        out += typed.places()
    for ev in d.get("evidence") or ():
        out.append(_moment(ev, _matched(ev), bad=typed is not None and typed.bad_evidence(ev)))
    seen: dict[tuple[float, str, str], Moment] = {}
    for m in out:
        key = (round(m.start, 2), m.text, m.note)
        seen.setdefault(key, m)
    merged: dict[tuple[float, str], Moment] = {}
    for m in seen.values():
        spot = (round(m.start, 2), m.text)
        if spot in merged:
            old = merged[spot]
            notes = (
                old.note if m.note in old.note else " · ".join(n for n in (old.note, m.note) if n)
            )
            merged[spot] = Moment(old.start, old.end, old.role, old.text, notes, old.bad or m.bad)
        else:
            merged[spot] = m
    return sorted(merged.values(), key=lambda m: (m.start, m.role != "hold"))


def _matched(ev: Mapping[str, Any]) -> str:
    """What an evidence quote matched: a lexicon pattern, a phrase heard otherwise, or the phrase
    itself."""
    matched = str(ev.get("matched") or "")
    if "{" in matched:
        return gettext("pattern %(pattern)s") % {"pattern": matched}
    if matched and matched not in str(ev.get("text", "")):
        return gettext("heard as %(phrase)s") % {"phrase": matched}
    return matched


def say_instead(name: str, status: str, d: Mapping[str, Any]) -> list[str]:
    """What the agent could have said: the lexicon's suggestions kept in the item's details."""
    typed = as_details(name, d)
    if typed is None:  # a scorecard's own item: its advice as stored
        return [str(d["suggestion"])] if d.get("suggestion") and status == "fail" else []
    return typed.advice(status)


def transcript_lines(
    transcript: Transcript | None, items: Sequence[ItemView], delivery: Sequence[MetricView] = ()
) -> list[Line]:
    if transcript is None:
        return []
    marked = [(m.start, m.end) for item in items for m in item.moments if m.role != "hold"]
    marked += [(q.start, q.end) for metric in delivery for f in metric.faults for q in f.quotes]
    lines = []
    for i, seg in enumerate(transcript.segments):
        hit = any(seg.start - 0.05 <= s and s <= seg.end + 0.05 for s, _ in marked)
        lines.append(
            Line(
                i,
                seg.role,
                bilingual(gettext(ROLE_LABELS.get(seg.role, seg.role))),
                seg.start,
                seg.end,
                seg.text,
                hit,
                tuple(seg.flags),
            )
        )
    return lines


# --- the agents page's weekly chart ------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """A server-rendered SVG line chart: numbers only, drawn by the template."""

    width: int
    height: int
    left: int
    top: int
    plot_w: int
    plot_h: int
    x_labels: list[tuple[float, str, str]]
    """(x, week, SVG ``text-anchor``): the last label ends at the plot's edge, never past it."""
    y_ticks: list[tuple[float, str]]
    series: list[dict[str, Any]] = field(default_factory=list)
    """``{"name", "css", "points": "x,y x,y", "dots": [(x, y, title)]}``."""


PALETTE = ("s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7")


def trend_chart(
    agents: Sequence[AgentSummary], width: int = 760, height: int = 260, max_series: int = 8
) -> Chart | None:
    """Weekly mean score per agent (the busiest ``max_series`` agents) on one shared week axis."""
    weeks = sorted({w for a in agents for w, _, mean in a.weeks if mean is not None and w != "?"})
    if not weeks:
        return None
    left, top, right, bottom = 44, 16, 16, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    lo = min((mean for a in agents for _, _, mean in a.weeks if mean is not None), default=0.0)
    floor = max(0.0, min(80.0, (int(lo) // 10) * 10.0))
    x = {
        w: left + (plot_w * (i / (len(weeks) - 1)) if len(weeks) > 1 else plot_w / 2)
        for i, w in enumerate(weeks)
    }

    def y(score: float) -> float:
        return top + plot_h * (1 - (score - floor) / (100.0 - floor))

    step = max(1, -(-len(weeks) // 8))
    chart = Chart(
        width,
        height,
        left,
        top,
        plot_w,
        plot_h,
        x_labels=[
            (round(x[w], 1), w, "end" if i == len(weeks) - 1 and len(weeks) > 1 else "middle")
            for i, w in enumerate(weeks)
            if i % step == 0 or i == len(weeks) - 1
        ],
        y_ticks=[(round(y(v), 1), f"{v:g}") for v in _ticks(floor)],
    )
    busiest = sorted(agents, key=lambda a: -a.calls)[:max_series]
    colours = _colours([a.agent or "" for a in busiest])
    for a in sorted(busiest, key=lambda a: a.agent or ""):
        pts = [
            (
                round(x[w], 1),
                round(y(mean), 1),
                ngettext(
                    "%(agent)s %(week)s: %(mean).1f over %(num)d call",
                    "%(agent)s %(week)s: %(mean).1f over %(num)d calls",
                    n,
                )
                % {"agent": a.agent or gettext("(no agent)"), "week": w, "mean": mean, "num": n},
            )
            for w, n, mean in a.weeks
            if mean is not None and w in x
        ]
        if pts:
            chart.series.append(
                {
                    "name": a.agent or gettext("(no agent)"),
                    "css": colours[a.agent or ""],
                    "points": " ".join(f"{px},{py}" for px, py, _ in pts),
                    "dots": pts,
                }
            )
    return chart


def _colours(agents: Sequence[str]) -> dict[str, str]:
    """Each agent's colour, from its id (so adding an agent changes no one else's): the
    palette slot its id hashes to, or, taken, the next free one (agents placed in id order)."""
    out: dict[str, str] = {}
    taken: set[int] = set()
    for agent in sorted(agents):
        slot = zlib.crc32(agent.encode("utf-8")) % len(PALETTE)
        if len(taken) < len(PALETTE):
            while slot in taken:
                slot = (slot + 1) % len(PALETTE)
        taken.add(slot)
        out[agent] = PALETTE[slot]
    return out


def _ticks(floor: float) -> list[float]:
    span = 100.0 - floor
    step = 5.0 if span <= 25 else 10.0 if span <= 50 else 20.0
    out, v = [], floor
    while v <= 100.0 + 1e-9:
        out.append(v)
        v += step
    return out


def spark(
    weeks: Sequence[tuple[str, int, float | None]], width: int = 120, height: int = 28
) -> str:
    """Points of a small per-agent trend line (weekly mean scores, 0-100 scale)."""
    vals = [m for _, _, m in weeks if m is not None]
    if not vals:
        return ""
    if len(vals) == 1:
        vals = vals * 2
    step = width / (len(vals) - 1)
    return " ".join(
        f"{round(i * step, 1)},{round(2 + (height - 4) * (1 - v / 100.0), 1)}"
        for i, v in enumerate(vals)
    )
