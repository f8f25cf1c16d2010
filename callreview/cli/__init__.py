"""The ``callreview`` command: parse options, call the library, print, set the exit code.

Nothing here knows how a call is transcribed or judged; see :mod:`callreview.review`.

* :mod:`~callreview.cli.app`: the typer app, ``--version`` and the ``user`` group;
* :mod:`~callreview.cli.options`: the options several commands share;
* :mod:`~callreview.cli.run`: errors → one line and an exit code, per-file results, JSON output;
* the commands: :mod:`~callreview.cli.scoring` (transcribe, score, model),
  :mod:`~callreview.cli.jobs` (batch, rescore, watch, status), :mod:`~callreview.cli.team`
  (export, summary, sample), :mod:`~callreview.cli.web` (serve, user add, user list);
* :mod:`~callreview.cli.render`: the terminal's view of a review.
"""

from __future__ import annotations

from callreview.cli import jobs, scoring, team, web
from callreview.cli.app import app, user_app

__all__ = ["app", "main"]

# The commands, in the order `callreview --help` lists them.
app.command()(scoring.transcribe)
app.command()(scoring.score)
app.command("model")(scoring.model_info)
app.command()(jobs.batch)
app.command()(jobs.rescore)
app.command()(jobs.watch)
app.command()(jobs.status)
app.command("export")(team.export_calls)
app.command("summary")(team.summary_cmd)
app.command("sample")(team.sample_cmd)
app.command()(web.serve)
user_app.command("add")(web.user_add)
user_app.command("list")(web.user_list)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
