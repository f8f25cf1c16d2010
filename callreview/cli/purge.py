"""``callreview purge``: delete the calls dated before a day, and their cached transcripts."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from callreview.cli.options import ConfigOpt, DebugOpt, StoreOpt
from callreview.cli.run import run_command
from callreview.cli.users import cli_actor
from callreview.errors import SettingsError
from callreview.settings import check_date, load_settings


def purge_cmd(
    before: Annotated[
        str,
        typer.Option(
            "--before",
            metavar="YYYY-MM-DD",
            help="Delete the calls dated before this day (the call's date, else the day it was"
            " stored); the day itself stays.",
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be deleted, and delete nothing.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="Delete without asking (scripts, cron).")
    ] = False,
    db: StoreOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Delete the calls dated before a day with their transcripts, reviews, overrides, appeals
    and cached transcripts (retention); runs and the audit trail stay. Asks first unless --yes.

    Killed midway, run it again: it goes on from what is left, nothing half-deleted.

    Example: callreview purge --before 2026-06-01 --dry-run
    """
    # imported when the command runs, so `callreview --help` does not load the store
    from callreview.jobs.retention import purge_calls
    from callreview.store import open_store

    def run() -> int:
        day = check_date(before, "--before")
        settings = load_settings(config)
        with open_store(db, settings.db) as store:
            plan = store.purge_plan(day)
            typer.echo(
                f"{plan.calls:,} calls before {day} ({plan.reviews:,} review versions,"
                f" {plan.transcripts:,} transcripts) in {store.where}"
                + (f"; {plan.held:,} held by a worker stay" if plan.held else "")
            )
            if dry_run or plan.calls == 0:
                return 0
            if store.db.read_only:
                raise SettingsError(f"{store.where}: the store is read-only; nothing was deleted")
            if not yes:
                if not sys.stdin.isatty():
                    raise SettingsError(
                        "purge: standard input is not a terminal to confirm on; "
                        "add --yes to delete without asking"
                    )
                if not typer.confirm(f"Delete these {plan.calls:,} calls for good?"):
                    typer.echo("nothing deleted")
                    return 1
            done = purge_calls(store, day, cli_actor())
            typer.echo(f"deleted {done:,} calls before {day}")
        return 0

    run_command(run, debug)
