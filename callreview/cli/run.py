"""How every command runs: a user error becomes one line and its exit code, anything else
one line and exit 70 (the traceback only with ``--debug``); per-file results and JSON output."""

from __future__ import annotations

import io
import json
import sys
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from callreview.asr import clock
from callreview.errors import CallreviewError, describe
from callreview.files import write_output
from callreview.names import ERRORS, display

if TYPE_CHECKING:
    from callreview.review import Reviewer

INTERNAL_ERROR = 70

_debug = False
"""The running command's --debug: a file's error then also shows what caused it."""


def run_command(body: Callable[[], int], debug: bool) -> None:
    """Run a command body: user errors → one line and their exit code; anything else → one
    line and 70. With ``debug``, where the process's time went is printed last."""
    global _debug
    _debug = debug
    _show_names()
    if debug:
        clock.mark("the command starts")
    try:
        code = _timed_body(body, debug)
    except CallreviewError as err:
        error(err)
        raise typer.Exit(err.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("callreview: interrupted", err=True)
        raise typer.Exit(130) from None
    except Exception as err:  # a bug, not a user error: still one line unless --debug
        if debug:
            traceback.print_exc()
        echo(
            f"callreview: internal error: {describe(err)} "
            "(rerun with --debug for the traceback, and report it)",
            err=True,
        )
        raise typer.Exit(INTERNAL_ERROR) from None
    raise typer.Exit(code)


def _timed_body(body: Callable[[], int], debug: bool) -> int:
    """``body()``; with ``debug``, then its time split on stderr (as far as it got)."""
    try:
        return body()
    finally:
        if debug:
            clock.mark("the command ends")
            for line in clock.lines():
                typer.echo(f"callreview: {line}", err=True)


def echo(text: str, err: bool = False) -> None:
    """``typer.echo`` with a file name's undecodable bytes as U+FFFD (a strict stream refuses
    the surrogate escapes Python gives them as)."""
    typer.echo(display(text), err=err)


def _show_names() -> None:
    """Print a file name that is not UTF-8 with U+FFFD where a strict stream (a UTF-8 locale, a
    journal) would raise on its surrogate escapes."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors=ERRORS)


def error(err: CallreviewError) -> None:
    """``callreview: error: …`` on stderr; with --debug, first the traceback of its cause."""
    if _debug and err.__cause__ is not None:
        traceback.print_exception(err.__cause__)
    echo(f"callreview: error: {err}", err=True)


def load_rules(reviewer: Reviewer) -> None:
    """Load the lexicon and the scorecard now, so a malformed one is refused before any audio
    or store work."""
    _ = reviewer.lexicon, reviewer.scorecard


def report(
    outcomes: Iterable[tuple[Path, Any]],
    json_out: str | None,
    render: Callable[[Any], str],
    summary: Callable[[list[tuple[str, Any]]], str] | None = None,
) -> int:
    """Print each result (or its one-line error) as it comes, then a summary of a batch,
    then write the JSON; one bad file never stops the batch, and the exit code is the
    first error's."""
    results: list[dict[str, Any]] = []
    failed: list[CallreviewError] = []
    seen: list[tuple[str, Any]] = []
    for path, outcome in outcomes:
        seen.append((str(path), outcome))
        if isinstance(outcome, CallreviewError):
            error(outcome)
            failed.append(outcome)
            results.append({"file": str(path), "error": str(outcome)})
            continue
        results.append(outcome.to_dict())
        if json_out != "-":
            echo(("\n" if len(results) > 1 else "") + render(outcome))
    if summary and len(seen) > 1 and json_out != "-":
        echo("\n" + summary(seen))
    write_json(json_out, results)
    return failed[0].exit_code if failed else 0


def write_json(target: str | None, results: list[dict[str, Any]]) -> None:
    """One object for one file, an array for several; a file is replaced only when complete,
    so a crash never leaves half of one."""
    if target is None:
        return
    payload = results[0] if len(results) == 1 else results
    text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    write_output(target, text, what="the JSON output")  # '-' is standard output, as UTF-8
