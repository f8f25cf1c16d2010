"""How ``batch`` shows what it does: a progress bar on a terminal, else one plain line per call.

    [3/15] scored  calls/0412.flac · 75.0 below_standard · failed: greeting
    [4/15] already calls/0413.flac · 100.0 excellent
    [5/15] failed  /data/calls/0414.flac: cannot be decoded as audio (…); callreview reads …

and at the end (:func:`summary_lines`)::

    412 scored, 1,203 already scored, 2 failed
      /data/calls/0414.flac: cannot be decoded as audio (…); callreview reads …

A line names the file, its score and band, and the items that failed: never what was said
(transcripts are personal data).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from callreview.names import display as shown

if TYPE_CHECKING:
    from callreview.jobs.batch import BatchTally, Job, Outcome

_WORDS = {
    "scored": "scored ",
    "already": "already",
    "failed": "failed ",
    "failed_before": "failed ",
    "busy": "busy   ",
}


def display(path: str | Path) -> str:
    """A path as the user will recognise it: relative to the working folder when inside it, a
    name's undecodable bytes as U+FFFD."""
    text = str(path)
    try:
        rel = os.path.relpath(text)
    except ValueError:  # pragma: no cover - another drive on Windows
        return shown(text)
    return shown(text if rel.startswith("..") else rel)


def outcome_line(outcome: Outcome, tally: BatchTally) -> str:
    """One call's plain log line."""
    head = f"[{tally.done}/{tally.total}] {_WORDS[outcome.status]} "
    if outcome.status in ("failed", "failed_before"):
        return (
            head
            + _error(outcome)
            + (
                " (in an earlier run; --retry-failed tries again)"
                if outcome.status == "failed_before"
                else ""
            )
        )
    if outcome.status == "busy":
        return (
            head
            + f"{display(outcome.path)} · another batch is scoring it; checked again at the end"
        )
    score = "—" if outcome.score is None else f"{outcome.score:.1f}"
    line = head + f"{display(outcome.path)} · {score} {outcome.band or ''}".rstrip()
    if outcome.failed_items:
        line += f" · failed: {', '.join(outcome.failed_items)}"
    if outcome.needs_review:
        line += " · needs review"
    return line


def summary_lines(tally: BatchTally) -> list[str]:
    """``412 scored, 1,203 already scored, 2 failed``, then each failed file's one-line error."""
    lines = [tally.line()] + ["  " + _error(outcome) for outcome in tally.failed]
    left = tally.total - tally.done
    if tally.store_error is not None:
        lines.append(
            f"stopped: {left:,} call{'s' if left != 1 else ''} not scored yet; "
            "run the same command again once the store is fixed"
        )
    elif tally.interrupted:
        lines.append(
            f"interrupted: {left:,} call{'s' if left != 1 else ''} not scored yet; "
            "run the same command again to go on"
        )
    return lines


def _error(outcome: Outcome) -> str:
    error = outcome.error or "failed in an earlier run"
    if error.startswith(outcome.path):  # the message names the file: as the user gave it
        return display(outcome.path) + shown(error[len(outcome.path) :])
    return f"{display(outcome.path)}: {shown(error)}"


class PlainProgress:
    """One line per call on ``stream`` (a log file, a pipe, CI)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stream.flush()

    def running(self, jobs: Sequence[Job]) -> None:
        pass

    def outcome(self, outcome: Outcome, tally: BatchTally) -> None:
        self.stream.write(outcome_line(outcome, tally) + "\n")
        self.stream.flush()

    def waiting(self, count: int) -> None:
        self.stream.write(
            f"waiting for {count:,} call{'s' if count != 1 else ''} another batch is scoring\n"
        )
        self.stream.flush()


class BarProgress:
    """A rich progress bar on a terminal: calls done / total, audio hours, ETA, the file scored.
    Failures are printed above the bar as they happen."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        # late: rich loads only when a terminal shows the bar
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("calls · {task.fields[audio]} h audio · ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[current]}"),
            console=Console(file=stream or sys.stderr),
        )
        self.task = self.progress.add_task("scoring", total=total, audio="0.00", current="")

    def __enter__(self) -> BarProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.stop()

    def running(self, jobs: Sequence[Job]) -> None:
        current = display(jobs[0].path) if jobs else ""
        if len(current) > 40:
            current = "…" + current[-39:]
        if len(jobs) > 1:
            current += f" +{len(jobs) - 1}"
        self.progress.update(self.task, current=current)

    def outcome(self, outcome: Outcome, tally: BatchTally) -> None:
        self.progress.update(self.task, completed=tally.done, audio=f"{tally.audio_s / 3600:.2f}")
        if outcome.status in ("failed", "failed_before"):
            self.progress.console.print(outcome_line(outcome, tally), markup=False, highlight=False)

    def waiting(self, count: int) -> None:
        self.progress.update(
            self.task, description=f"waiting for {count} held by another batch", current=""
        )


def progress_for(total: int, stream: TextIO | None = None) -> PlainProgress | BarProgress:
    """A bar when ``stream`` (stderr) is a terminal, plain lines otherwise."""
    stream = stream or sys.stderr
    return BarProgress(total, stream) if stream.isatty() else PlainProgress(stream)
