"""The arguments and options several commands share, each defined once.

An option only one command has stays beside that command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Files = Annotated[
    list[Path],
    typer.Argument(
        help="Recordings (wav, flac, mp3, ogg, m4a) or transcript JSONs.", show_default=False
    ),
]
JsonOut = Annotated[
    str | None,
    typer.Option(
        "--json", help="Write JSON to PATH, or '-' for standard output.", metavar="PATH|-"
    ),
]

# --- how a recording is heard ---

ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="Model: a CTranslate2 folder or a faster-whisper name. Default: $CALLREVIEW_MODEL,"
        " callreview.toml, else the bundled base model.",
    ),
]
DeviceOpt = Annotated[
    str | None,
    typer.Option("--device", help="auto | cpu | cuda (auto uses a GPU when one is present)."),
]
ChannelOpt = Annotated[
    str | None,
    typer.Option(
        "--agent-channel",
        help="Which stereo channel is the agent: left | right | auto (from what is said).",
    ),
]
LanguageOpt = Annotated[
    str | None,
    typer.Option("--language", help="Whisper language code (default: from the lexicon, zh)."),
]
NoCacheOpt = Annotated[
    bool,
    typer.Option("--no-cache", help="Transcribe again even if this audio was transcribed before."),
]

# --- how a call is judged ---

CompanyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--company", help="A company or department name the greeting must contain (repeatable)."
    ),
]
ScorecardOpt = Annotated[
    str | None, typer.Option("--scorecard", help="Scorecard TOML (weights, thresholds, bands).")
]
LexiconOpt = Annotated[
    str | None,
    typer.Option("--lexicon", help="Lexicon: zh-CN, en-US or a path to a lexicon TOML."),
]

# --- where results are kept, and which of them ---

StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="The results store: an SQLite file or a postgresql:// URL. Default: $CALLREVIEW_DB,"
        " db in callreview.toml, else ./callreview.db.",
    ),
]
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="YYYY-MM-DD",
        help="Only calls on or after this day (the call's date, else the day it was stored).",
    ),
]
UntilOpt = Annotated[
    str | None,
    typer.Option("--until", metavar="YYYY-MM-DD", help="Only calls on or before this day."),
]

# --- every command ---

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="Settings file (default: ./callreview.toml if present)."),
]
DebugOpt = Annotated[
    bool,
    typer.Option(
        "--debug",
        help="Show the traceback of an unexpected error (without local variables), and where"
        " the time went (start-up, audio decode, model load, speech detection, decoding).",
    ),
]

# --- what leaves the store ---

NoRedactOpt = Annotated[
    bool,
    typer.Option(
        "--no-redact",
        help="Show phone, ID and card numbers, e-mails and plates as said instead of masked"
        " (an export from a store records who asked in its audit trail; docs/privacy.md).",
    ),
]
