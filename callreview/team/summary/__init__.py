"""Figures for the weekly QC meeting: per agent, per week, per checklist item.

    stored_summary(store, scorecard, by, since, until) ─▶ store.summary_counts (SQL) ─┐
    final_reviews(store, store.calls(...), scorecard) ─▶ Summarizer.add(final) × N ──┴▶
        Summary {total, groups, waiting} ─▶ render_summary · to_dict

The figures are the calls' final results (:mod:`callreview.team.finals`: the stored review
with people's overrides and overturned appeals applied, what the web app shows); nothing is
scored here. :func:`stored_summary` (``callreview summary``, the Agents sheet of an XLSX
export) counts them in SQL over the store's indexes, without reading review bodies;
:func:`summarize` folds the same figures from a stream of final results, in one pass with
memory that does not grow with the number of calls (the reference the SQL one is tested
against, and the path of a read-only store whose index is not complete).

What the figures mean:

- ``mean_score``/``min_score``: over the calls that have a score (``no_score`` counts the others).
- ``bands``: calls per band, the best band first (bands ordered by their mean score).
- an item's ``fail_rate``: failed / judged, where judged is ``pass`` + ``fail``
  (``na``: no hold; ``review``: a person decides).
- a greeting or closing part's ``miss_rate``: calls where the part was not heard at all
  (neither found nor uncertain) / calls whose review has that part.
- ``forbidden_phrases``: certain hits per lexicon phrase in calls whose ``forbidden`` item
  failed, the most frequent first (hits on a mono recording wait for a person: ``review``).
- ``waiting``: calls that need a person (``needs_review``: some final status is ``review``).
"""

from callreview.team.summary.figures import (
    ALL,
    BY,
    NO_AGENT,
    NO_DATE,
    PART_ITEMS,
    By,
    Figures,
    ItemFigures,
    PartFigures,
    PhraseFigures,
    Summary,
    WaitingCall,
)
from callreview.team.summary.render import render_summary
from callreview.team.summary.stored import stored_summary
from callreview.team.summary.tally import Summarizer, summarize

__all__ = [
    "ALL",
    "BY",
    "NO_AGENT",
    "NO_DATE",
    "PART_ITEMS",
    "By",
    "Figures",
    "ItemFigures",
    "PartFigures",
    "PhraseFigures",
    "Summarizer",
    "Summary",
    "WaitingCall",
    "render_summary",
    "stored_summary",
    "summarize",
]
