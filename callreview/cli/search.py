"""``callreview search``: every stored turn where the words were said (or, with
``--sounds-like``, something that sounds the same), newest call first."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from callreview.cli.options import ConfigOpt, DebugOpt, SinceOpt, StoreOpt, UntilOpt
from callreview.cli.run import echo, run_command
from callreview.errors import SettingsError
from callreview.settings import load_settings

MARK = ("«", "»")
"""How the terminal marks the matched words of a hit."""


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def search_cmd(
    query: Annotated[
        str,
        typer.Argument(
            help='Words every hit must contain (all of them), or a "quoted phrase".',
            show_default=False,
        ),
    ],
    role: Annotated[
        str | None, typer.Option("--role", help="Only what this side said: agent | customer.")
    ] = None,
    agent: Annotated[str | None, typer.Option("--agent", help="Only this agent's calls.")] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    sounds_like: Annotated[
        bool,
        typer.Option(
            "--sounds-like",
            help="Also find the words written with other characters of the same sound "
            "(请稍等 heard as 清少等).",
        ),
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", help="Show at most N hits; 0 shows every hit.", min=0)
    ] = 50,
    json_flag: Annotated[
        bool,
        typer.Option(
            "--json", help="Write the hits as JSON Lines (call, call_id, file, agent, date…)."
        ),
    ] = False,
    db: StoreOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Find every stored turn where something was said: the call, agent, date, who spoke, the
    time in the call and the turn, the match marked.

    Example: callreview search 投诉 --role customer --since 2026-11-23
    """

    def run() -> int:
        # imported when the command runs, so `callreview --help` loads neither store nor pinyin
        from callreview.dates import day_range
        from callreview.matching.index import (
            SearchError,
            SearchOptions,
            ensure_index,
            pieces,
            search,
        )
        from callreview.privacy import rules_of
        from callreview.store import QueueFilter, open_store
        from callreview.team.export.redaction import shown_hits

        try:
            first, last = day_range(since, until)
        except SettingsError as err:
            raise SearchError(str(err)) from None
        options = SearchOptions(
            query, role, QueueFilter(agent=agent, since=first, until=last), sounds_like, limit
        )
        settings = load_settings(config)
        with open_store(db, settings.db) as store:
            ensure_index(store, _progress())
            hits = shown_hits(store, search(store, options), rules_of(settings))
        for hit in hits:
            if json_flag:
                row = {
                    "call": hit.call,
                    "call_id": hit.call_id,
                    "file": hit.file,
                    "agent": hit.agent,
                    "date": hit.date,
                    "role": hit.role,
                    "start": hit.start,
                    "end": hit.end,
                    "text": hit.text,
                }
                echo(json.dumps(row, ensure_ascii=False))
                continue
            text = "".join(
                f"{MARK[0]}{piece}{MARK[1]}" if matched else piece
                for piece, matched in pieces(hit.text, options)
            )
            name = f"#{hit.call}" + (f" {hit.call_id}" if hit.call_id else "")
            echo(
                f"{hit.date or '-'}  {name}  {hit.agent or '-'}  {hit.role} "
                f"{_clock(hit.start)}  {text}"
            )
        if not hits and not json_flag:
            echo("no turn matches", err=True)
        return 0

    run_command(run, debug)


def _progress():
    """A progress line while an older store's calls are indexed (once): redrawn on a terminal,
    one line at the end elsewhere."""
    tty = sys.stderr.isatty()

    def show(done: int, total: int) -> None:
        if tty or done >= total:
            end = "\n" if done >= total else "\r"
            sys.stderr.write(f"indexing stored calls for search: {done}/{total}{end}")
            sys.stderr.flush()

    return show
