"""The exceptions callreview raises, as one small tree.

    CallreviewError              anything the user can fix; printed as one line
    ├── AudioError               a recording that cannot be decoded or used
    ├── ModelUnavailableError    the Whisper model cannot be found or loaded
    ├── LexiconError             a malformed lexicon file
    ├── ScorecardError           a malformed scorecard file
    ├── SettingsError            a malformed callreview.toml or a bad option
    ├── TranscriptError          a transcript JSON that does not follow the schema
    └── StoreError               the results store cannot be opened, read or written

Errors from PyAV, faster-whisper, and tomllib are translated into these
where they enter, so the CLI never shows a traceback for a user's mistake.
Every message names what is wrong, which file, and how to fix it.
"""

from __future__ import annotations


class CallreviewError(Exception):
    """Base class: a problem the user can fix. ``str(err)`` is one line."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        # One line, always: a multi-line message breaks log scrapers and the CLI contract.
        super().__init__(" ".join(message.split()))


class AudioError(CallreviewError):
    """A recording that is missing, empty, silent, corrupt or not audio."""

    exit_code = 2


class ModelUnavailableError(CallreviewError):
    """The Whisper model cannot be found, assembled or loaded."""

    exit_code = 3


class LexiconError(CallreviewError):
    """A lexicon file that is malformed: names the file, the key or line, the fault."""

    exit_code = 4


class ScorecardError(CallreviewError):
    """A scorecard file that is malformed."""

    exit_code = 4


class SettingsError(CallreviewError):
    """A malformed callreview.toml or an invalid option value."""

    exit_code = 4


class TranscriptError(CallreviewError):
    """A transcript JSON that does not follow the documented schema."""

    exit_code = 2


class StoreError(CallreviewError):
    """The results store cannot be opened, read or written (locked, read-only, unreachable, too
    new)."""

    exit_code = 5


def describe(err: BaseException) -> str:
    """``Type: first line of the message`` (or ``Type`` alone): an unexpected error in one line."""
    first = str(err).splitlines()[0] if str(err) else ""
    return f"{type(err).__name__}: {first}" if first else type(err).__name__
