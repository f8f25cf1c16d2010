"""The summary as plain fixed-width text: the same bytes on a terminal and in a pipe."""

from __future__ import annotations

from callreview.tables import table
from callreview.team.summary.figures import Figures, Summary


def render_summary(summary: Summary) -> str:
    """The summary as plain fixed-width text: the same bytes on a terminal and in a pipe."""
    total = summary.total
    if total.calls == 0:
        return f"no scored calls {_span(summary.since, summary.until)}".rstrip() + "\n"
    dates = (
        f"{summary.first_date} to {summary.last_date}" if summary.first_date else "no call dates"
    )
    head = (
        f"{total.calls:,} calls · {dates} · mean {_score(total.mean_score)} · "
        f"min {_score(total.min_score)} · "
        f"{total.waiting:,} waiting for a person"
    )
    blocks = [head]
    if summary.groups:
        blocks.append(_groups_table(summary))
    blocks.append(_items_table(total))
    if total.parts:
        blocks.append(_parts_table(total))
    blocks.append(_phrases_table(total))
    blocks.append(_waiting_table(summary))
    return "\n\n".join(blocks) + "\n"


def _groups_table(summary: Summary) -> str:
    bands = [band for band, _ in summary.total.bands]
    headers = [summary.by, "calls", "mean", "min", *bands, *(i.item for i in summary.total.items)]
    headers.append("waiting")
    rows = []
    for g in (*summary.groups, summary.total):
        rows.append(
            [
                g.key,
                f"{g.calls:,}",
                _score(g.mean_score),
                _score(g.min_score),
                *(f"{n:,}" for _, n in g.bands),
                *(_percent(i.fail_rate) for i in g.items),
                f"{g.waiting:,}",
            ]
        )
    title = f"by {summary.by}: calls, scores, calls per band, failure rate per item"
    return title + "\n" + table(headers, rows, [False] + [True] * (len(headers) - 1))


def _items_table(total: Figures) -> str:
    rows = [
        [
            i.item,
            f"{i.passed:,}",
            f"{i.failed:,}",
            f"{i.na:,}",
            f"{i.review:,}",
            _percent(i.fail_rate),
        ]
        for i in total.items
    ]
    title = "items: failure rate = fail / (pass + fail)"
    return (
        title
        + "\n"
        + table(["item", "pass", "fail", "na", "review", "fail rate"], rows, [False] + [True] * 5)
    )


def _parts_table(total: Figures) -> str:
    rows = [
        [p.name, f"{p.missed:,}", f"{p.uncertain:,}", f"{p.calls:,}", _percent(p.miss_rate)]
        for p in total.parts
    ]
    title = "greeting and closing parts: not heard"
    return (
        title
        + "\n"
        + table(
            ["part", "missed", "uncertain", "of calls", "miss rate"], rows, [False] + [True] * 4
        )
    )


def _phrases_table(total: Figures) -> str:
    if not total.phrases:
        return "forbidden phrases: none heard"
    rows = [[p.phrase, f"{p.hits:,}", f"{p.calls:,}"] for p in total.phrases]
    return "forbidden phrases, most frequent\n" + table(
        ["phrase", "hits", "calls"], rows, [False, True, True]
    )


def _waiting_table(summary: Summary) -> str:
    count = summary.total.waiting
    if not count:
        return "waiting for a person: none"
    shown = f" (the first {len(summary.waiting)})" if len(summary.waiting) < count else ""
    rows = [
        [
            str(w.id),
            w.agent or "",
            w.date or "",
            w.call_id or "",
            _score(w.score),
            ", ".join(w.items),
            w.path,
        ]
        for w in summary.waiting
    ]
    headers = ["call", "agent", "date", "call_id", "score", "to review", "file"]
    return f"waiting for a person: {count:,}{shown}\n" + table(
        headers, rows, [True, False, False, False, True, False, False]
    )


def _span(since: str | None, until: str | None) -> str:
    if since and until:
        return f"from {since} to {until}"
    if since:
        return f"from {since}"
    if until:
        return f"until {until}"
    return "in the store"


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"
