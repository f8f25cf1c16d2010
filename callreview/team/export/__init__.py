"""Exports of the stored reviews: CSV, XLSX and JSON Lines, each streamed to where it is pointed.

    store.calls(since, until, agent, state='scored') ─▶ final_reviews(store, calls, scorecard)
        ─▶ FORMATS[fmt](finals, out) ─▶ open_output(F)

Every format is a writer ``(finals, out) -> int`` in :data:`FORMATS` that reads the calls'
final results (:mod:`callreview.team.finals`: overrides and overturned appeals applied, the
same result the web app shows) once, as they stream from the store, and writes them to the
binary file ``out``.
:func:`callreview.files.open_output` decides what ``out`` is: for a file, a temporary one
beside it that is renamed over it only when everything is written (an interrupted or failed
export leaves the old file, or none, never half of one); a device or a pipe is written in
place, and ``-`` is standard output.

- ``csv``   (:mod:`.csvfile`): UTF-8 with a BOM so Excel shows Chinese; the columns of
  :mod:`.columns`.
- ``xlsx``  (:mod:`.xlsxfile`): a Calls sheet (the same columns) and an Agents summary sheet.
- ``jsonl`` (:mod:`.jsonlines`): one stored call per line: its current review as stored and
  its ``final`` result beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from callreview.errors import CallreviewError
from callreview.files import open_output
from callreview.privacy import Rules
from callreview.qc.scorecard import load_scorecard
from callreview.team.export.columns import custom_items
from callreview.team.export.csvfile import write_csv
from callreview.team.export.jsonlines import write_jsonl
from callreview.team.export.redaction import listed_calls, shown_calls
from callreview.team.export.xlsxfile import write_xlsx
from callreview.team.finals import final_reviews
from callreview.team.summary import stored_summary

if TYPE_CHECKING:
    from callreview.qc.scorecard import Scorecard
    from callreview.store import Store
    from callreview.team.finals import FinalReview

Writer = Callable[[Iterable["FinalReview"], BinaryIO, Sequence[str]], int]
"""Writes the calls' final results to an open binary file and returns how many it wrote; the
third argument: the scorecard's own items (each its columns after the built-ins')."""


FORMATS: dict[str, Writer] = {"csv": write_csv, "xlsx": write_xlsx, "jsonl": write_jsonl}
"""Format name (the CLI option without its dashes) → writer."""
WORDLESS = frozenset({"csv", "xlsx"})
"""The formats whose rows hold no words of a call (the columns of :mod:`.columns`): their
redactions are listed, and no quote needs masking (tests/test_privacy_outputs.py reads them
for every personal value)."""


@dataclass(frozen=True)
class ExportFilter:
    """Which stored calls an export holds: scored calls, by date (inclusive ``YYYY-MM-DD``) and
    agent."""

    since: str | None = None
    until: str | None = None
    agent: str | None = None


def export(
    store: Store,
    fmt: str,
    target: str | Path,
    where: ExportFilter = ExportFilter(),
    scorecard: Scorecard | None = None,
    rules: Rules = Rules(),
    redacted: bool = True,
) -> int:
    """Write the final results of the scored calls that ``where`` selects to ``target``, scored
    by ``scorecard`` where people overrode items (the web app's; ``None``: the bundled
    default), personal data masked by ``rules`` unless not ``redacted``; returns how many."""
    if fmt not in FORMATS:
        raise CallreviewError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    scorecard = scorecard or load_scorecard(None)
    write = FORMATS[fmt]
    if fmt == "xlsx":  # its Agents sheet: the summary of the same calls, counted in SQL
        agents = stored_summary(store, scorecard, "agent", where.since, where.until, where.agent)
        write = partial(write_xlsx, agents=agents)
    stored = store.calls(since=where.since, until=where.until, agent=where.agent, state="scored")
    if redacted and fmt in WORDLESS:
        calls = listed_calls(store, stored, rules)
    else:
        calls = shown_calls(store, stored, rules, redacted=redacted)
    finals = final_reviews(store, calls, scorecard)
    # An XLSX workbook's bytes would garble a terminal; CSV and JSON Lines read fine there.
    with open_output(target, what="the export", binary_to_terminal=fmt != "xlsx") as out:
        return write(finals, out, custom_items(scorecard.item_ids()))
