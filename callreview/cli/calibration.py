"""``callreview calibration start|report``: blind calibration rounds of reviewers
(:mod:`callreview.team.calibration`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from callreview.cli.options import ConfigOpt, DebugOpt, StoreOpt
from callreview.cli.run import run_command
from callreview.cli.team import scorecard
from callreview.cli.users import cli_actor
from callreview.settings import load_settings
from callreview.tables import table

if TYPE_CHECKING:
    from callreview.team.calibration import CalibrationReport

calibration_app = typer.Typer(
    help="Reviewer calibration: rounds of calls several reviewers score blind, and how each"
    " agrees with the others and with the automation."
    "\n\nExample: callreview calibration start --calls 5 --reviewers rita,ray,rob",
    no_args_is_help=True,
)


def calibration_start(
    reviewers: Annotated[
        str,
        typer.Option(
            "--reviewers", help="The reviewers who score the round, comma-separated (two or more)."
        ),
    ],
    calls: Annotated[
        int | None, typer.Option("--calls", help="Pick this many scored calls at random.")
    ] = None,
    sample: Annotated[
        str | None, typer.Option("--sample", help="Use the calls of this saved sample instead.")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="The round's name (default: when it started).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Repeat a random pick of --calls.")
    ] = None,
    db: StoreOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Start a calibration round; its reviewers score it in the web app (Calibration).

    Example: callreview calibration start --calls 5 --reviewers rita,ray,rob
    """
    # imported when the command runs, so `callreview --help` does not load the store
    from callreview.store import open_store
    from callreview.team.calibration import Calibration

    def run() -> int:
        settings = load_settings(config)
        with open_store(db, settings.db) as store:
            started = Calibration(store, scorecard(settings)).start_round(
                [r.strip() for r in reviewers.split(",") if r.strip()],
                cli_actor(),
                calls=calls,
                sample=sample,
                name=name,
                seed=seed,
            )
        typer.echo(
            f"calibration round {started.id} ({started.name}): {len(started.calls)} calls for "
            f"{', '.join(started.reviewers)}"
        )
        return 0

    run_command(run, debug)


def calibration_report(
    round_id: Annotated[
        int | None, typer.Option("--round", help="One round only (default: every round).")
    ] = None,
    json_flag: Annotated[
        bool, typer.Option("--json", help="Print the figures as JSON instead of tables.")
    ] = False,
    db: StoreOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Per reviewer and item: agreement with the panel (the other reviewers' majority) and with
    the automation; bias (mean score minus the panel's) per round.

    Example: callreview calibration report --round 3
    """
    # imported when the command runs, so `callreview --help` does not load the store
    from callreview.store import open_store
    from callreview.team.calibration import Calibration

    def run() -> int:
        settings = load_settings(config)
        with open_store(db, settings.db) as store:
            report = Calibration(store, scorecard(settings)).report(round_id)
        if json_flag:
            typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        else:
            typer.echo(render_report(report))
        return 0

    run_command(run, debug)


def render_report(report: CalibrationReport) -> str:
    """The rounds, then one line per reviewer (bias over time), then per reviewer and item."""
    rounds = table(
        ["round", "name", "calls", "submitted"],
        [
            [
                str(r.round.id),
                r.round.name,
                str(len(r.round.calls)),
                ", ".join(f"{n} {r.submitted.get(n, 0)}" for n in r.round.reviewers),
            ]
            for r in report.rounds
        ],
        [True, False, True, False],
    )
    reviewers = table(
        ["reviewer", "calls", "bias", "per round", ""],
        [
            [
                f.reviewer,
                str(f.calls),
                _signed(f.bias),
                " ".join(f"#{b.round} {_signed(b.bias)}" for b in f.rounds),
                "retrain" if f.retrain else "",
            ]
            for f in report.reviewers
        ],
        [False, True, True, False, False],
    )
    items = table(
        ["reviewer", "item", "vs panel", "kappa", "vs automatic", "kappa", "bias"],
        [
            [
                f.reviewer,
                i.item,
                _percent(i.panel.percent, i.panel.count),
                _kappa(i.panel.kappa),
                _percent(i.auto.percent, i.auto.count),
                _kappa(i.auto.kappa),
                _signed(i.bias),
            ]
            for f in report.reviewers
            for i in f.items
        ],
        [False, False, True, True, True, True, True],
    )
    return "\n\n".join((rounds, reviewers, items))


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}"


def _percent(value: float | None, count: int) -> str:
    return "-" if value is None else f"{value:.0f}% ({count})"


def _kappa(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
