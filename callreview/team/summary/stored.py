"""The summary of a range of stored calls from the store's counts
(:mod:`callreview.store.aggregates`: SQL over indexed rows): the same figures
:func:`~callreview.team.summary.summarize` folds from every call's final result, without reading
a review body.

What each count is read from: the final score and band are the ones a person's review kept
(``review_finals``, computed by :func:`callreview.team.finals.final_review` when they saved it),
else the automatic ones; item statuses are the final ones (``review_items``); parts and phrase
hits are the automatic review's evidence, as in the body-reading path. A read-only store whose
index is not complete is summarized from the bodies instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from callreview.store import CallRange, GroupRow
from callreview.team.finals import final_reviews
from callreview.team.summary.figures import NO_AGENT, PART_ITEMS, By, Summary, WaitingCall
from callreview.team.summary.tally import Summarizer, _Tally, summarize, week_key

if TYPE_CHECKING:
    from callreview.qc.scorecard import Scorecard
    from callreview.store import Store

HITS_OF = ("forbidden", "fail")
"""The calls whose phrase hits count: those whose ``forbidden`` item failed (on a mono recording
the hits wait for a person, ``review``: the words may be the customer's)."""


def stored_summary(
    store: Store,
    scorecard: Scorecard,
    by: By = "agent",
    since: str | None = None,
    until: str | None = None,
    agent: str | None = None,
    top_phrases: int = 10,
    waiting_limit: int = 20,
) -> Summary:
    """The figures of the scored calls from ``since`` to ``until`` (inclusive days; one agent's
    with ``agent``), each item of ``scorecard`` a row; the index of reviews stored before it
    existed is filled first (once)."""
    items = scorecard.item_ids()
    where = CallRange(since, until, agent)
    if not _indexed(store):
        calls = store.calls(since=since, until=until, agent=agent, state="scored")
        finals = final_reviews(store, calls, scorecard)
        return summarize(
            finals, by, since, until, items, top_phrases=top_phrases, waiting_limit=waiting_limit
        )
    counts = store.summary_counts(
        where, "date" if by == "week" else "agent", HITS_OF, waiting_limit
    )
    summary = Summarizer(by, since, until, top_phrases, waiting_limit, items)

    def tallies(key: str | None) -> Iterable[_Tally]:
        yield summary.total
        if by != "item":
            name = (key or NO_AGENT) if by == "agent" else week_key(key)
            tally = summary.groups.get(name)
            if tally is None:
                tally = summary.groups[name] = _Tally(items)
            yield tally

    for g in counts.groups:
        for tally in tallies(g.key):
            _count(tally, g)
        if g.band:
            seen = summary.band_scores.setdefault(g.band, [0.0, 0])
            seen[0] += g.score_sum
            seen[1] += g.calls
        for day in (g.first_date, g.last_date):
            if day:
                first, last = summary.first_date, summary.last_date
                summary.first_date = day if first is None else min(first, day)
                summary.last_date = day if last is None else max(last, day)
    for key, item, status, n in counts.statuses:
        for tally in tallies(key):
            if item in tally.statuses:  # the scorecard's items only
                tally.statuses[item][status] += n
    for key, phrase, hits, with_hits in counts.hits:
        for tally in tallies(key):
            tally.hits[phrase] += hits
            tally.hit_calls[phrase] += with_hits
    summary.band_labels = _band_labels(store, where, counts.groups, scorecard)
    summary.waiting = [
        WaitingCall(
            w.id,
            w.agent,
            w.date,
            w.call_id,
            w.path,
            w.score,
            tuple(name for name in items if name in w.items),
        )
        for w in counts.waiting
    ]
    return summary.result()


def _indexed(store: Store) -> bool:
    """Fill the indexes the counts read (unless the store is read-only); whether they hold every
    stored review. Reviews are written with both, so a store whose facts are complete has its
    item index complete too."""
    if store.facts_complete():
        return True
    if store.db.read_only:
        return False
    store.index_items()
    store.index_facts()
    return True


def _count(tally: _Tally, g: GroupRow) -> None:
    tally.calls += g.calls
    tally.scored += g.scored
    tally.score_sum += g.score_sum
    if g.min_score is not None:
        low = tally.min_score
        tally.min_score = g.min_score if low is None else min(low, g.min_score)
    if g.band:
        tally.bands[g.band] += g.calls
    for item, part, heard in g.parts:
        if item in PART_ITEMS:
            counts = tally.parts.setdefault((item, part), [0, 0, 0])
            counts[0] += g.calls
            if heard != "found":
                counts[2 if heard == "uncertain" else 1] += g.calls
    for item, status in g.statuses or ():  # the reviewed calls' final ones are counted apart
        if item in tally.statuses:  # the scorecard's items only
            tally.statuses[item][status] += g.calls
    if g.waits:
        tally.waiting += g.calls


def _band_labels(
    store: Store, where: CallRange, groups: list[GroupRow], scorecard: Scorecard
) -> dict[str, str]:
    """Band → the label of the first call in call order with that final band and a label: the
    automatic review's, or the scorecard's where overrides gave the call its score."""
    labels = {b.name: b.label for b in scorecard.bands}
    found: dict[str, dict[tuple[str | None, bool], str]] = {}
    for g in groups:
        label = labels.get(g.band or "") if g.rescored else g.band_label
        if g.band and label:
            found.setdefault(g.band, {})[g.band_label, g.rescored] = label
    chosen = {}
    for band, candidates in found.items():
        if len(set(candidates.values())) == 1:
            chosen[band] = next(iter(candidates.values()))
            continue
        firsts = []
        for (label, rescored), shown in candidates.items():
            first = store.first_labelled(where, band, label, rescored)
            if first is not None:
                firsts.append((first, shown))
        if firsts:
            chosen[band] = min(firsts)[1]
    return chosen
