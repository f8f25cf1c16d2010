"""``callreview appraisal``: the month's monitoring score per agent joined with an evaluation
CSV, (evaluation + monitoring) / 2 and its band (:mod:`callreview.team.appraisal`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from callreview.cli.options import ConfigOpt, DebugOpt, StoreOpt
from callreview.cli.run import run_command
from callreview.cli.team import scorecard
from callreview.files import STDOUT, open_output, write_output
from callreview.settings import load_settings
from callreview.tables import table


def appraisal_cmd(
    month: Annotated[str, typer.Option("--month", metavar="YYYY-MM", help="The calls' month.")],
    evaluation: Annotated[
        Path,
        typer.Option(
            "--evaluation", metavar="FILE", help="A CSV with the columns agent and score (0-100)."
        ),
    ],
    xlsx_out: Annotated[
        Path | None,
        typer.Option("--xlsx", metavar="FILE|-", help="Write an Excel workbook; '-' is stdout."),
    ] = None,
    csv_out: Annotated[
        Path | None,
        typer.Option(
            "--csv", metavar="FILE|-", help="Write a CSV (UTF-8 with a BOM); '-' is stdout."
        ),
    ] = None,
    json_flag: Annotated[
        bool, typer.Option("--json", help="Print the appraisal as JSON instead of a table.")
    ] = False,
    db: StoreOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """The monthly appraisal: per agent the month's monitoring score (mean final score), the
    evaluation score, (evaluation + monitoring) / 2 and its band (A 95+, B 85-94, C 80-84, D <80).

    Example: callreview appraisal --month 2026-12 --evaluation evaluation.csv --xlsx out.xlsx
    """
    # imported when the command runs, so `callreview --help` does not load the store
    from callreview.store import open_store
    from callreview.team.appraisal import (
        COLUMNS,
        appraise,
        month_range,
        read_evaluation,
        write_csv,
        write_xlsx,
    )

    def run() -> int:
        month_range(month)
        scores = read_evaluation(evaluation)  # a bad CSV is refused before the store is opened
        settings = load_settings(config)
        with open_store(db, settings.db) as store:
            rows = appraise(store, scorecard(settings), month, scores)
        to_stderr = STDOUT in (str(xlsx_out), str(csv_out))
        if xlsx_out is not None:
            with open_output(xlsx_out, what="the appraisal", binary_to_terminal=False) as fh:
                write_xlsx(rows, month, fh)
            typer.echo(f"wrote {len(rows)} agents to {xlsx_out}", err=to_stderr)
        if csv_out is not None:
            write_output(csv_out, write_csv(rows), what="the appraisal")
            typer.echo(f"wrote {len(rows)} agents to {csv_out}", err=to_stderr)
        if json_flag:
            typer.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
        elif xlsx_out is None and csv_out is None:
            cells = [["-" if v is None else str(v) for v in r.row()] for r in rows]
            typer.echo(table(list(COLUMNS), cells, [False, True, True, True, True, False]))
        return 0

    run_command(run, debug)
