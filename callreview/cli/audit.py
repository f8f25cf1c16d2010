"""``callreview audit``: the audit trail, newest first — who logged in (or failed to), overrode,
appealed, decided, exported or changed a user, and when."""

from __future__ import annotations

import datetime
import json
import time
from typing import Annotated

import typer

from callreview.cli.options import ConfigOpt, DebugOpt, StoreOpt
from callreview.cli.run import run_command
from callreview.dates import day_range
from callreview.errors import SettingsError
from callreview.settings import load_settings
from callreview.tables import table


def _start_of(day: str) -> float:
    """Local midnight at the start of ``day``, as a Unix time."""
    return time.mktime(datetime.date.fromisoformat(day).timetuple())


def _local(at: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(at).astimezone()


def audit_cmd(
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="YYYY-MM-DD", help="Only entries on or after this day."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", metavar="YYYY-MM-DD", help="Only entries on or before this day."),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option("--user", help="Only what this user did (cli:<login> for shell commands)."),
    ] = None,
    action: Annotated[
        str | None,
        typer.Option("--action", help="Only this action: login, override, export, user_role…"),
    ] = None,
    json_flag: Annotated[
        bool, typer.Option("--json", help="Print the entries as JSON instead of a table.")
    ] = False,
    db: StoreOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """List the audit trail, newest first: log-ins and failures, overrides, appeals, decisions,
    exports and user changes, with who and when.

    Example: callreview audit --since 2026-11-23 --action override
    """

    def run() -> int:
        # imported when the command runs, so `callreview --help` does not load the store
        from callreview.store import AUDIT_ACTIONS, open_store

        if action is not None and action not in AUDIT_ACTIONS:
            raise SettingsError(f"--action {action}: use one of {', '.join(AUDIT_ACTIONS)}")
        first, last = day_range(since, until)
        start = _start_of(first) if first else None
        end = None
        if last:  # up to the start of the next day
            end = _start_of((datetime.date.fromisoformat(last) + datetime.timedelta(1)).isoformat())
        settings = load_settings(config)
        with open_store(db, settings.db) as store:
            entries = store.audit(start, end, user, action)
        if json_flag:
            rows = [
                {**e.to_dict(), "at": _local(e.at).isoformat(timespec="seconds")} for e in entries
            ]
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        elif not entries:
            typer.echo("no audit entries match these filters")
        else:
            typer.echo(
                table(
                    ("when", "who", "action", "subject", "detail"),
                    [
                        (
                            _local(e.at).strftime("%Y-%m-%d %H:%M:%S"),
                            e.actor,
                            e.action,
                            e.subject,
                            e.detail,
                        )
                        for e in entries
                    ],
                )
            )
        return 0

    run_command(run, debug)
