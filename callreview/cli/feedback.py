"""``callreview feedback``: the week's most common failures and the reviewed calls whose agent
has not acknowledged them in time (:mod:`callreview.team.feedback`)."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Annotated

import typer

from callreview.cli.options import ConfigOpt, DebugOpt, StoreOpt
from callreview.cli.run import run_command
from callreview.cli.team import scorecard
from callreview.dates import iso_week, parse_week
from callreview.settings import load_settings
from callreview.tables import table

if TYPE_CHECKING:
    from callreview.team.feedback import Overdue, WeeklyFailures


def feedback_cmd(
    week: Annotated[
        str | None,
        typer.Option(
            "--week", metavar="YYYY-Www", help="ISO week of the calls' dates. Default: this week."
        ),
    ] = None,
    json_flag: Annotated[
        bool, typer.Option("--json", help="Print the lists as JSON instead of tables.")
    ] = False,
    db: StoreOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Feedback on time: the week's most common failures (team, then per agent) and the reviewed
    calls not acknowledged by their agent within one working day.

    Example: callreview feedback --week 2026-W49
    """
    # imported when the command runs, so `callreview --help` does not load the store
    from callreview.store import open_store
    from callreview.team.feedback import common_failures, overdue

    def run() -> int:
        chosen = week or iso_week(time.strftime("%Y-%m-%d"))
        parse_week(chosen)
        settings = load_settings(config)
        with open_store(db, settings.db) as store:
            failures = common_failures(store, scorecard(settings), chosen)
            late = overdue(store)
        if json_flag:
            payload = {**failures.to_dict(), "overdue": [o.to_dict() for o in late]}
            typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            typer.echo(render_feedback(failures, late))
        return 0

    run_command(run, debug)


def render_feedback(failures: WeeklyFailures, late: list[Overdue]) -> str:
    head = (
        f"week {failures.week} ({failures.first} to {failures.last}): {failures.calls} scored calls"
    )
    team = table(
        ["item", "failed", "calls"],
        [[c.item, str(c.fails), str(c.calls)] for c in failures.team],
        [False, True, True],
    )
    agents = table(
        ["agent", "most common failures"],
        [
            [agent, ", ".join(f"{c.item} {c.fails}/{c.calls}" for c in counts) or "-"]
            for agent, counts in failures.agents.items()
        ],
    )
    overdue = (
        table(
            ["call", "agent", "reviewed by", "due"],
            [
                [
                    str(o.call),
                    o.agent or "-",
                    o.reviewed_by,
                    time.strftime("%Y-%m-%d %H:%M", time.localtime(o.due)),
                ]
                for o in late
            ],
            [True, False, False, False],
        )
        if late
        else "nothing overdue"
    )
    return "\n\n".join(
        (head, team, agents, f"not acknowledged within a working day: {len(late)}\n{overdue}")
    )
