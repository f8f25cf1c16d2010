"""The ``callreview`` typer app: its root callback (``--version``) and the ``user`` group.

The commands register themselves on these from their modules (see :mod:`callreview.cli`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from callreview import __version__

app = typer.Typer(
    help="Score recorded call-center calls against the QC checklist, offline, with evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # transcripts are personal data: never print locals
    rich_markup_mode=None,
)

user_app = typer.Typer(
    help="Users of the web app (callreview serve): reviewers, supervisors, agents, admins."
    "\n\nExample: callreview user add rita --role reviewer",
    no_args_is_help=True,
)
app.add_typer(user_app, name="user")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"callreview {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """callreview: transcribe calls offline with Whisper and score them against the QC checklist."""
