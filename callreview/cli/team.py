"""What a QC team takes out of the store: ``export``, ``summary`` and ``sample``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from callreview.cli.app import speak
from callreview.cli.options import (
    ConfigOpt,
    DebugOpt,
    NoRedactOpt,
    ScorecardOpt,
    SinceOpt,
    StoreOpt,
    UntilOpt,
)
from callreview.cli.run import run_command
from callreview.cli.users import cli_actor
from callreview.dates import day_range, parse_week
from callreview.errors import SettingsError
from callreview.files import STDOUT
from callreview.settings import Settings, load_settings

if TYPE_CHECKING:
    from callreview.qc.scorecard import Scorecard
    from callreview.store import Store


def export_calls(
    csv_out: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            metavar="FILE|-",
            help="Write a CSV: UTF-8 with a BOM (Excel shows Chinese), one row per call;"
            " '-' is standard output.",
        ),
    ] = None,
    xlsx_out: Annotated[
        Path | None,
        typer.Option(
            "--xlsx",
            metavar="FILE|-",
            help="Write an Excel workbook: a Calls sheet and an Agents summary sheet;"
            " '-' is standard output (a pipe or a file, not a terminal).",
        ),
    ] = None,
    jsonl_out: Annotated[
        Path | None,
        typer.Option(
            "--jsonl",
            metavar="FILE|-",
            help="Write JSON Lines: one stored call with its current review per line;"
            " '-' is standard output.",
        ),
    ] = None,
    html_out: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="DIR",
            help="Write a static report into DIR: the web app's call pages and an index,"
            " openable without a server.",
        ),
    ] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    agent: Annotated[str | None, typer.Option("--agent", help="Only this agent's calls.")] = None,
    no_redact: NoRedactOpt = False,
    redact_audio: Annotated[
        bool,
        typer.Option(
            "--redact-audio",
            help="With --html: each page plays a copy of its recording in DIR/audio/ with the"
            " masked stretches silenced, instead of the recording itself.",
        ),
    ] = False,
    scorecard_path: ScorecardOpt = None,
    db: StoreOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Export the scored calls with their current reviews: CSV, XLSX or JSON Lines (streamed;
    a file is replaced only when complete). Personal data is masked unless --no-redact.

    Example: callreview export --since 2026-11-23 --until 2026-11-29 --xlsx week48.xlsx
    """
    # imported when the command runs, so `callreview --help` does not load the store and exports
    from callreview.store import open_store
    from callreview.team.export import ExportFilter, export

    def run() -> int:
        targets = [
            (fmt, path)
            for fmt, path in (("csv", csv_out), ("xlsx", xlsx_out), ("jsonl", jsonl_out))
            if path is not None
        ]
        if not targets and html_out is None:
            raise SettingsError(
                "export: say where to write it: --csv FILE, --xlsx FILE, --jsonl FILE or --html DIR"
            )
        if redact_audio and html_out is None:
            raise SettingsError(
                "--redact-audio silences the report's audio copies: use it with --html DIR"
            )
        if html_out is not None and str(html_out) == STDOUT:
            raise SettingsError(
                "--html -: the static report is a folder of pages, not a stream; "
                "give a folder, e.g. --html week48-report"
            )
        # With '-' the data is standard output: the messages go to standard error.
        to_stderr = any(str(path) == STDOUT for _, path in targets)
        first, last = day_range(since, until)
        scope = (("--since", first), ("--until", last), ("--agent", agent))
        settings = load_settings(config, scorecard=scorecard_path)
        speak(settings)  # the static report's pages are in the command's language
        from callreview.privacy import rules_of  # the CLI's lazy start-up: only for exports

        rules = rules_of(settings)
        with open_store(db, settings.db) as store:
            if no_redact:
                _audit_unredacted(store, [str(p) for _, p in targets] + [str(html_out or "")])
            for fmt, path in targets:
                written = export(
                    store,
                    fmt,
                    path,
                    ExportFilter(first, last, agent),
                    scorecard(settings),
                    rules,
                    redacted=not no_redact,
                )
                _audit_export(store, f"{fmt} {path}", written, *scope)
                typer.echo(f"wrote {written:,} calls to {path}", err=to_stderr)
            if html_out is not None:
                # only --html needs the web app's pages
                from callreview.team.people import QueueFilter
                from callreview.web.report import write_report

                written = write_report(
                    store,
                    scorecard(settings),
                    html_out,
                    QueueFilter(agent=agent, since=first, until=last),
                    rules,
                    redacted=not no_redact,
                    redact_audio=redact_audio,
                )
                _audit_export(store, f"html {html_out}", written, *scope)
                typer.echo(
                    f"wrote {written:,} call pages and an index to {html_out}", err=to_stderr
                )
        return 0

    run_command(run, debug)


def _audit_export(
    store: Store, subject: str, written: int, *filters: tuple[str, str | None]
) -> None:
    """An export in the audit trail: which file, how many calls, which filters (a read-only
    store cannot take it: the export stands, with one warning)."""
    if store.db.read_only:
        typer.echo(
            "callreview: warning: the store is read-only; this export is not in the audit trail",
            err=True,
        )
        return
    detail = " ".join([f"{written} calls", *[f"{o} {v}" for o, v in filters if v]])
    store.add_audit(time.time(), cli_actor(), "export", subject, detail)


def _audit_unredacted(store: Store, targets: list[str]) -> None:
    """An unredacted export is in the audit trail before anything is written, or not made."""
    if store.db.read_only:
        raise SettingsError(
            "--no-redact: the store is read-only, so the audit trail cannot record who took the"
            " personal data out; run it where the store can be written, or export redacted"
        )
    subject = " ".join(t for t in targets if t)
    store.add_audit(time.time(), cli_actor(), "unredacted", subject, "export --no-redact")


def summary_cmd(
    by: Annotated[
        str, typer.Option("--by", help="Group the figures: agent | week | item.")
    ] = "agent",
    since: SinceOpt = None,
    until: UntilOpt = None,
    json_flag: Annotated[
        bool, typer.Option("--json", help="Print the figures as JSON instead of tables.")
    ] = False,
    scorecard_path: ScorecardOpt = None,
    db: StoreOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Figures for the QC meeting: calls, mean and minimum score, bands, failure rate per item
    and part, forbidden phrases, calls waiting for a person.

    Example: callreview summary --by agent --since 2026-11-23 --until 2026-11-29
    """
    # imported when the command runs, so `callreview --help` does not load the store
    from callreview.store import open_store
    from callreview.team.summary import BY, render_summary, stored_summary

    def run() -> int:
        if by not in BY:
            raise SettingsError(f"--by {by}: group by one of {', '.join(BY)}")
        first, last = day_range(since, until)
        settings = load_settings(config, scorecard=scorecard_path)
        rules = scorecard(settings)
        with open_store(db, settings.db) as store:
            figures = stored_summary(store, rules, by, first, last)
        if json_flag:
            typer.echo(json.dumps(figures.to_dict(), ensure_ascii=False, indent=2))
        else:
            typer.echo(render_summary(figures), nl=False)
        return 0

    run_command(run, debug)


def scorecard(settings: Settings) -> Scorecard:
    """The scorecard the settings name: the one the web app scores people's overrides with, so
    exports and the summary show the final results it shows."""
    from callreview.qc.scorecard import load_scorecard  # the CLI's lazy start-up

    return load_scorecard(settings.scorecard)


def sample_cmd(
    rate: Annotated[
        float,
        typer.Option("--rate", help="Share of each agent's calls to pick, 0.05-0.15."),
    ] = 0.1,
    min_per_agent: Annotated[
        int,
        typer.Option("--min-per-agent", help="Calls per agent at least (all of them when fewer)."),
    ] = 3,
    week: Annotated[
        str | None,
        typer.Option(
            "--week",
            metavar="YYYY-Www",
            help="ISO week of the calls' dates. Default: the latest week with scored calls.",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            help="Repeat a pick: the same seed and calls give the same picks."
            " Default: a random seed, printed.",
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            help="Save the sample under this name (default: the week);"
            " one of the same name is replaced.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Allow a rate outside 0.05-0.15.")] = False,
    json_flag: Annotated[
        bool, typer.Option("--json", help="Print the sample as JSON instead of tables.")
    ] = False,
    db: StoreOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Pick a week's calls for human QC: stratified by agent, at least N per agent, spread over
    the day; saved as a named sample.

    Example: callreview sample --rate 0.1 --min-per-agent 3 --week 2026-W48 --seed 7
    """
    # imported when the command runs, so `callreview --help` does not load the store
    from callreview.store import open_store
    from callreview.team.sampling import SampleOptions, render_sample, take_sample

    def run() -> int:
        options = SampleOptions(
            rate=rate, min_per_agent=min_per_agent, week=week, seed=seed, name=name, force=force
        )
        options.check()  # a bad option is refused before the store is opened
        if week:
            parse_week(week)
        settings = load_settings(config)
        with open_store(db, settings.db) as store:
            picked = take_sample(store, options)
        if json_flag:
            typer.echo(json.dumps(picked.to_dict(), ensure_ascii=False, indent=2))
        else:
            typer.echo(render_sample(picked), nl=False)
        return 0

    run_command(run, debug)
