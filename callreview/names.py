"""File names as people read them: a name whose bytes are not UTF-8 (GBK from a Windows share)
shown with U+FFFD where a byte cannot be decoded, and found again on disk from that form.

Python hands such a name over as ``str`` with surrogate escapes, which SQLite, PostgreSQL, JSON
and a strict terminal all refuse. One representation everywhere: :func:`display` (the store,
logs, exports, the web app); :func:`on_disk` finds the real file a displayed path stands for
by listing its folder, so nothing of the exact bytes needs keeping.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

ERRORS = "callreview.display"
"""A codec error handler (for a stream or ``str.encode``): surrogate escapes become U+FFFD."""


def display(text: str | os.PathLike[str]) -> str:
    """``text`` with the undecodable bytes of a file name (surrogate escapes) as U+FFFD."""
    text = os.fspath(text)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
            raw = text.encode("utf-8", "surrogatepass")
        return raw.decode("utf-8", "replace")
    return text


def on_disk(path: str | os.PathLike[str]) -> Path | None:
    """The existing file that ``path`` (as :func:`display` shows it) stands for, else ``None``."""
    given = Path(path)
    if given.exists():
        return given
    if "\ufffd" not in str(given):
        return None
    folder = on_disk(given.parent) if given.parent != given else None
    if folder is None:
        return None
    try:
        names = os.listdir(folder)
    except OSError:
        return None
    matches = [name for name in names if display(name) == given.name]
    return folder / matches[0] if len(matches) == 1 else None


def _handler(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeEncodeError):
        raise err
    part = err.object[err.start : err.end]
    if not all("\udc80" <= ch <= "\udcff" for ch in part):
        raise err
    shown = display(part)
    if "utf" not in err.encoding.lower().replace("-", ""):
        shown = "?" * len(shown)
    return shown, err.end


codecs.register_error(ERRORS, _handler)
