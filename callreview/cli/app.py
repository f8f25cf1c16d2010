"""The ``callreview`` typer app: its root callback (``--version``, ``--lang``) and the ``user``
group.

The commands register themselves on these from their modules (see :mod:`callreview.cli`).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from callreview import __version__
from callreview.i18n import set_language
from callreview.i18n.choose import for_command, normalize, site_language

if TYPE_CHECKING:
    from callreview.settings import Settings

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
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            callback=_lang,
            help="Language of reports and messages: zh-CN | en. Default: $LC_ALL, $LC_MESSAGES,"
            " $LANG, else ui_language in callreview.toml, else the lexicon's.",
        ),
    ] = None,
) -> None:
    """callreview: transcribe calls offline with Whisper and score them against the QC checklist."""
    global _flag
    _flag = lang
    set_language(for_command(lang, os.environ, None))


_flag: str | None = None
"""The root's ``--lang``, kept for :func:`speak`."""


def _lang(value: str | None) -> str | None:
    if value is not None and normalize(value) is None:
        raise typer.BadParameter(f"{value!r} is not a language callreview speaks; use zh-CN or en")
    return value


def speak(settings: Settings) -> None:
    """Speak the command's language now that its settings are read: ``--lang``, else the
    environment's locale, else the site's ``ui_language`` (else the lexicon's)."""
    site = site_language(settings.ui_language, settings.lexicon)
    set_language(for_command(_flag, os.environ, site))
