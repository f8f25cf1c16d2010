"""Finding and loading a lexicon file: a bundled one by name, or any TOML by path."""

from __future__ import annotations

from pathlib import Path

from callreview.errors import LexiconError
from callreview.qc.lexicon.build import build
from callreview.qc.lexicon.reader import LexiconReader
from callreview.qc.lexicon.schema import Lexicon
from callreview.tomlfile import read_toml

BUNDLED_DIR = Path(__file__).resolve().parents[2] / "lexicons"


def bundled_lexicons() -> list[str]:
    """Names that :func:`load_lexicon` resolves without a path."""
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.toml"))


def resolve_lexicon(path_or_name: str | Path) -> Path:
    """The file of a bundled lexicon's name, or ``path_or_name`` itself when it is a path."""
    text = str(path_or_name)
    if not text.endswith(".toml") and "/" not in text and "\\" not in text:
        bundled = BUNDLED_DIR / f"{text}.toml"
        if bundled.is_file():
            return bundled
        raise LexiconError(
            f"{text}: no bundled lexicon of that name; use one of "
            f"{', '.join(bundled_lexicons())} or a path to a lexicon TOML"
        )
    return Path(path_or_name)


def load_lexicon(path_or_name: str | Path) -> Lexicon:
    """Read, validate and compile a lexicon: ``"zh-CN"``, ``"en-US"`` or a path to a TOML file."""
    path = resolve_lexicon(path_or_name)
    data = read_toml(path, LexiconError, "lexicon")
    return build(data, LexiconReader(str(path), LexiconError))
