"""The ``callreview`` command: parse options, call the library, print, set the exit code.

Nothing here knows how a call is transcribed or judged; see :mod:`callreview.review`.

* :mod:`~callreview.cli.app`: the typer app, ``--version`` and the ``user`` group;
* :mod:`~callreview.cli.options`: the options several commands share;
* :mod:`~callreview.cli.run`: errors → one line and an exit code, per-file results, JSON output;
* the commands: :mod:`~callreview.cli.scoring` (transcribe, score, model),
  :mod:`~callreview.cli.jobs` (batch, rescore, watch, status), :mod:`~callreview.cli.team`
  (export, summary, sample), :mod:`~callreview.cli.web` (serve), :mod:`~callreview.cli.users`
  (user add, list, remove, passwd, role, revoke), :mod:`~callreview.cli.audit` (audit),
  :mod:`~callreview.cli.purge` (purge);
* :mod:`~callreview.cli.render`: the terminal's view of a review.
"""

from __future__ import annotations

from callreview.cli import (
    appraisal,
    audit,
    calibration,
    feedback,
    jobs,
    purge,
    scoring,
    search,
    team,
    users,
    web,
)
from callreview.cli.app import app, user_app
from callreview.cli.scorecard import scorecard_app, scorecard_check, scorecard_list

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
app.command("audit")(audit.audit_cmd)
app.command("purge")(purge.purge_cmd)
app.command("search")(search.search_cmd)
app.command("feedback")(feedback.feedback_cmd)
app.command("appraisal")(appraisal.appraisal_cmd)
user_app.command("add")(users.user_add)
user_app.command("list")(users.user_list)
user_app.command("remove")(users.user_remove)
user_app.command("passwd")(users.user_passwd)
user_app.command("role")(users.user_role)
user_app.command("revoke")(users.user_revoke)
app.add_typer(scorecard_app, name="scorecard")
scorecard_app.command("check")(scorecard_check)
scorecard_app.command("list")(scorecard_list)
app.add_typer(calibration.calibration_app, name="calibration")
calibration.calibration_app.command("start")(calibration.calibration_start)
calibration.calibration_app.command("report")(calibration.calibration_report)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
