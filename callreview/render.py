"""Plain-text view of a :class:`CallReview`: what an agent reads about their own call.

One line per checklist item (status, points, what it is), and under each failed or
review item what was heard, when (mm:ss), and what to say instead. Then how the
agent spoke: one line per delivery metric (``INFO`` unless the scorecard weights
it), and under it each fault — the moment, what was heard — and what to do
instead. No colour codes: the CLI may add them.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from callreview.results import METRICS, CallReview, DeadAir, DeliveryMetrics, Evidence, Interruptions, ItemResult, SpeechRate, TalkRatio

LABELS = {
    "greeting": "Greeting 开头语",
    "customer_name": "Customer's name 称呼客户姓名",
    "hold": "Hold 等候",
    "forbidden": "Forbidden phrases 服务忌语",
    "closing": "Closing 结束语",
}
PART_LABELS = {
    "salutation": "salutation 问候",
    "company": "company 公司名称",
    "agent_name": "agent's name 工号/姓名",
    "offer_help": "offer to help 提供帮助",
    "confirm_identity": "confirm who answers 确认客户身份",
    "ask_time": "ask for time 询问是否方便",
    "question": "closing question 询问其他需求",
    "thanks": "thanks 致谢",
    "farewell": "farewell 道别",
}
METRIC_LABELS = {
    "speech_rate": "Speech rate 语速",
    "interruptions": "Interruptions 抢话",
    "dead_air": "Dead air 静音",
    "talk_ratio": "Talk ratio 说话占比",
}
STATUS = {"pass": "PASS", "fail": "FAIL", "na": "N/A", "review": "REVIEW"}
INDENT = " " * 15


def render_review(review: CallReview) -> str:
    """The checklist with PASS/FAIL/N/A/REVIEW, score and band, and the evidence under each problem."""
    lines = [f"{review.file} · {clock(review.duration_s)} · {review.profile}", _score_line(review), ""]
    for item in review.items.values():
        lines.append(f"{STATUS[item.status]:<7}{_points(item):>7}  {LABELS.get(item.name, item.name)}{_summary(item)}")
        if item.status in ("fail", "review"):
            lines.extend(INDENT + line for line in _explain(item))
    if review.metrics is not None:
        lines += ["", "How the agent spoke 表达"] + render_delivery(review.metrics, review.delivery)
    ni = review.items.get("forbidden")
    note = pronoun_note(ni.details) if ni is not None else None
    if note:
        example = ni.details.get("ni_examples", [{}])[0]
        lines += ["", f"Note: {note}" + (f", e.g. {clock(example['start'])} 「{example['text']}」" if example else "")]
    return "\n".join(lines)


def pronoun_note(d: Mapping[str, Any]) -> str | None:
    """``你 said 2× where 您 is expected (000 客服礼仪规范)``, in the lexicon's words; None when not counted."""
    if not d.get("ni_count") or not d.get("informal"):
        return None
    source = f" ({d['politeness_source']})" if d.get("politeness_source") else ""
    return f"{d['informal']} said {d['ni_count']}× where {d.get('formal') or 'the polite form'} is expected{source}"


def name_advice(d: Mapping[str, Any]) -> str:
    """What to do when the customer's name was not used enough, with the lexicon's example of a name."""
    if d.get("name"):
        return f"use the customer's name ({d['name']}) at least {d.get('threshold', 2)} times"
    example = f" ({d['name_example']})" if d.get("name_example") else ""
    return f"once you have the name, use it{example} at least {d.get('threshold', 2)} times"


def bare_word(d: Mapping[str, Any]) -> str:
    """The forbidden opening the agent's first words were (the lexicon's word, e.g. 喂)."""
    ev = d.get("bare_opening")
    return str(ev.get("matched", "") if isinstance(ev, dict) else getattr(ev, "matched", ""))


def render_delivery(metrics: DeliveryMetrics, weighted: dict[str, ItemResult] | None = None) -> list[str]:
    """One line per delivery metric — ``INFO`` when it is information only, else its status and points —
    and under it each fault (when, what was heard) and what to do instead."""
    lines = []
    for name in METRICS:
        item = (weighted or {}).get(name)
        head = f"{STATUS[item.status]:<7}{_points(item):>7}" if item is not None else f"{'INFO':<7}{'–':>7}"
        metric = metrics.get(name)
        if metric is None:
            lines += [f"{head}  {METRIC_LABELS[name]}  — not measured", INDENT + metrics.unavailable.get(name, "")]
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
        text = "no turn long enough to time" if metric.median is None else f"median {metric.median:.0f} {per}"
        if metric.fastest is not None:
            text += f", fastest {metric.fastest.rate:.0f} at {clock(metric.fastest.start)}"
        text += f" ({'everybody: mono recording' if metric.role == 'unknown' else 'agent'})"
        return text + (f"; {len(metric.faults)} fast stretch(es)" if metric.faults else "")
    if isinstance(metric, Interruptions):
        text = str(metric.count) if metric.count else "none"
        return text + (f" ({metric.backchannels} back-channel(s) while the customer talked, not counted)" if metric.backchannels else "")
    if isinstance(metric, DeadAir):
        text = f"{metric.total_s:.0f} s in {len(metric.stretches)} stretch(es), longest {metric.longest_s:.0f} s" if metric.stretches else "none"
        return text + (f" ({len(metric.announced_holds)} announced hold(s) not counted)" if metric.announced_holds else "")
    return f"agent {metric.agent_share:.0f} % · customer {100 - metric.agent_share:.0f} % ({metric.agent_s:.0f} s / {metric.customer_s:.0f} s of speech)"


def _metric_faults(metric: SpeechRate | Interruptions | DeadAir | TalkRatio) -> Iterable[str]:
    for f in metric.faults:
        span = f"{clock(f.start)}–{clock(f.end)}"
        if isinstance(metric, SpeechRate):
            yield f"{span} {f.value:.0f} {metric.unit}/min for {f.seconds:.1f} s of speech: 「{f.evidence[0].text}」"
        elif isinstance(metric, Interruptions):
            cut, agent = f.evidence
            yield f"{clock(f.start)} talked over the customer for {f.seconds:.1f} s: 「{agent.text}」 over 「{cut.text}」"
        elif isinstance(metric, DeadAir):
            after = f" after the {f.evidence[0].role}'s 「{f.evidence[0].text}」" if f.evidence else ""
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
        problems = [f"{STATUS[i.status]} {i.name}" for i in outcome.items.values() if i.status in ("fail", "review")]
        lines.append(f"{score:>6}  {band}{' ' * (BAND_WIDTH - _width(band))}  {file}" + (f"  — {', '.join(problems)}" if problems else ""))
    return "\n".join(lines)


BAND_WIDTH = 6
"""Display columns of the widest band label (不合格: three CJK characters)."""


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def clock(seconds: float) -> str:
    """``75.4`` → ``01:15``."""
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def _score_line(review: CallReview) -> str:
    if review.score is None:
        line = "Score —  (no item could be judged)"
    else:
        line = f"Score {review.score:.1f} / 100 · {review.band_label or ''} ({(review.band or '').replace('_', ' ')})"
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


def gist(name: str, status: str, d: Mapping[str, Any], full: bool = False) -> str:
    """The one-line gist of an item's finding, from its details. ``full`` (the web app) also says
    when nothing is wrong ("all parts heard", "none heard") and names forbidden hits as such."""
    if name in ("greeting", "closing") and "parts" in d:
        if d.get("bare_opening"):
            return f"opened with {bare_word(d)}"
        missing = [PART_LABELS.get(k, k) for k, p in d["parts"].items() if not p.get("found")]
        return f"missing: {', '.join(missing)}" if missing else ("all parts heard" if full else "")
    if name == "customer_name":
        if d.get("name") is None:
            return "name never used" if status == "fail" else "name unknown"
        return f"{d['name']} used in {d.get('count', 0)} turn(s), {d.get('threshold', 2)} needed"
    if name == "hold":
        holds = d.get("holds") or []
        if not holds:
            return "no hold"
        bad = sum(1 for h in holds if not (h.get("permission") and h.get("thanked")))
        return f"{len(holds)} hold(s)" + (f", {bad} without permission or thanks" if bad else "")
    if name == "forbidden":
        hits, possible = d.get("hits") or [], d.get("possible_hits") or []
        what = "forbidden phrase(s)" if full else "hit(s)"
        if hits:
            return f"{len(hits)} {what}"
        if possible:
            return f"{len(possible)} possible {what}"
        return "none heard" if full else ""
    return ""


def _heard(ev: Evidence | dict[str, Any] | None) -> str:
    if ev is None:
        return ""
    if isinstance(ev, dict):
        start, text, role = ev["start"], ev["text"], ev.get("role", "agent")
    else:
        start, text, role = ev.start, ev.text, ev.role
    who = "" if role == "agent" else f" ({role})"
    return f"{clock(start)}{who} 「{text}」"


def _explain(item: ItemResult) -> Iterable[str]:
    d = item.details
    if d.get("reason"):
        yield d["reason"]
    if item.name in ("greeting", "closing") and "parts" in d:
        if d.get("bare_opening"):
            yield f"{_heard(d['bare_opening'])} — {bare_word(d)} is a forbidden opening"
        for name, p in d["parts"].items():
            if p.get("uncertain"):
                value = f" ({p['value']})" if p.get("value") else ""
                yield f"{PART_LABELS.get(name, name)}: unsure{value} — {_heard(p.get('evidence'))}"
        if d.get("suggestion"):
            yield f"say instead: {d['suggestion']}"
    elif item.name == "customer_name":
        for ev in item.evidence:
            yield f"{_heard(ev)} — {ev.matched}"
        if item.status == "fail":
            yield f"say instead: {name_advice(d)}"
    elif item.name == "hold":
        for i, h in enumerate(d.get("holds", []), 1):
            yield f"hold {i}: {clock(h['start'])}–{clock(h['end'])} ({h['duration']:.0f} s)"
            if h["permission"]:
                yield f"  permission ✓ {_heard(h['permission_evidence'])}"
            else:
                told = h.get("imperative_evidence")
                yield "  permission ✗" + (f" — told to wait: {_heard(told)}" if told else " — not asked")
            yield f"  thanks ✓ {_heard(h['thanks_evidence'])}" if h["thanked"] else "  thanks ✗ — no thanks or apology on return"
        for key in ("permission_suggestion", "thanks_suggestion"):
            if d.get(key):
                yield f"say instead: {d[key]}"
    elif item.name == "forbidden":
        for label, hits in (("", d.get("hits", [])), ("possibly ", d.get("possible_hits", []))):
            for h in hits:
                who = "" if h.get("role", "agent") == "agent" else f" ({h['role']})"
                yield f"{clock(h['start'])}{who} 「{h['text']}」 — {label}{h['phrase']} ({h['similarity']:.0f})"
                yield f"  say instead: {h['suggestion']}"
