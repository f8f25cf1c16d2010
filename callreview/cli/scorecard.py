"""``callreview scorecard check FILE`` (validate a scorecard, its custom items against the lexicon,
without scoring) and ``callreview scorecard list`` (the bundled scorecards)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from callreview.cli.options import ConfigOpt, DebugOpt, LexiconOpt
from callreview.cli.run import run_command
from callreview.settings import load_settings

if TYPE_CHECKING:  # the scorecard loads when a command runs, not for `callreview --help`
    from callreview.qc.scorecard import Scorecard

scorecard_app = typer.Typer(
    help="Scorecards: the QC form's weights, bands and custom items (docs/scorecards.md)."
    "\n\nExample: callreview scorecard check scorecards/site.toml",
    no_args_is_help=True,
)


def scorecard_check(
    file: Annotated[
        str,
        typer.Argument(
            help="A scorecard TOML, or a bundled scorecard's name (seeds).", show_default=False
        ),
    ],
    lexicon: LexiconOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Validate a scorecard without scoring: its tables, and its custom items against the
    lexicon (their phrase sets exist, their phrases compile). Prints one OK line, or the one line
    that names the file, the line and what is wrong (exit 4).

    Example: callreview scorecard check seeds
    """

    def run() -> int:
        # the lexicon and scorecard load when the command runs, not for `callreview --help`
        from callreview.qc.lexicon import load_lexicon
        from callreview.qc.scorecard import load_scorecard

        card = load_scorecard(file)
        lex = load_lexicon(lexicon or load_settings(config).lexicon)
        card.check_lexicon(lex)
        typer.echo(f"OK {card.source}: {_summary(card)} (lexicon {lex.language})")
        return 0

    run_command(run, debug)


def scorecard_list(debug: DebugOpt = False) -> None:
    """The scorecards that come with callreview: name, version and items (use one with
    --scorecard NAME).

    Example: callreview scorecard list
    """

    def run() -> int:
        # the scorecards load when the command runs, not for `callreview --help`
        from callreview.qc.scorecard import bundled_scorecards, load_scorecard

        for path in bundled_scorecards():
            card = load_scorecard(path)
            typer.echo(f"{Path(path).stem:<10} v{card.version}  {_summary(card)}")
            typer.echo(f"{'':<10}     {', '.join(_named(card))}")
        return 0

    run_command(run, debug)


def _summary(card: Scorecard) -> str:
    flags = sum(1 for c in card.custom if c.kind == "flag")
    custom = len(card.custom)
    return (
        f"scorecard '{card.name}' v{card.version}, {len(card.item_ids())} items "
        f"({len(card.item_ids()) - custom} built-in, {custom - flags} custom, {flags} flag"
        f"{'' if flags == 1 else 's'})"
    )


def _named(card: Scorecard) -> list[str]:
    return [i + (" (flag)" if card.item_kind(i) == "flag" else "") for i in card.item_ids()]
