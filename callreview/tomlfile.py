"""The one TOML reader of callreview: lexicons, scorecards, settings and call metadata files.

:func:`read_toml` parses a file and turns every failure — missing, unreadable, not UTF-8,
bad syntax — into one line naming the file (and the line and column); :class:`TomlReader`
gives typed access to the parsed tables and turns every fault into one line naming the
file and the key. The error class is the caller's (``LexiconError``, ``ScorecardError``,
``SettingsError``), so each file kind keeps its own exit code.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from callreview.text import normalize

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

T = TypeVar("T")

_TOML_AT = re.compile(r"^(.*?)\s*\(at (line \d+, column \d+|end of document)\)$")


def read_toml(path: Path, error: type[Exception], what: str) -> dict[str, Any]:
    """Parse TOML; syntax errors become one line with the file, line and column."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: no such {what} file; check the path") from None
    except (OSError, UnicodeDecodeError) as err:
        raise error(
            f"{path}: cannot be read as UTF-8 text ({err.__class__.__name__}); "
            f"save the {what} as UTF-8"
        ) from None
    try:
        return tomllib.loads(raw)
    except tomllib.TOMLDecodeError as err:
        msg = str(err)
        m = _TOML_AT.match(msg)
        if m:
            what_wrong, where = m.groups()
            msg = f"{where}: {what_wrong[:1].lower()}{what_wrong[1:]}"
        raise error(f"{path}: {msg}; fix the TOML syntax") from None


class TomlReader:
    """Typed access to parsed TOML that turns every fault into one line naming file and key."""

    def __init__(self, source: str, error: type[Exception], doc: str = "docs/lexicon-format.md"):
        self.source = source
        self.error = error
        self.doc = doc

    def fail(self, where: str, problem: str) -> Exception:
        return self.error(f"{self.source}: {where}: {problem}")

    def table(self, data: dict, key: str, where: str, required: bool = True) -> dict | None:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(where, f"missing table [{key}]; add it (see {self.doc})")
            return None
        if not isinstance(value, dict):
            raise self.fail(where, f"'{key}' must be a table, not {_kind(value)}")
        return value

    def text(self, data: dict, key: str, where: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if value is None:
            raise self.fail(where, f"missing '{key}'; add {key} = \"…\"")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"'{key}' must be non-empty text, not {_kind(value)}")
        return value

    def number(
        self,
        data: dict,
        key: str,
        where: str,
        default: float,
        lo: float,
        hi: float,
        integer: bool = False,
    ) -> float:
        value = data.get(key, default)
        ok = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok or not lo <= value <= hi:
            kind = "a whole number" if integer else "a number"
            raise self.fail(where, f"'{key}' must be {kind} {_num(lo)}-{_num(hi)}, not {value!r}")
        return value

    def choice(
        self, data: dict, key: str, where: str, choices: tuple[str, ...], default: str
    ) -> str:
        value = data.get(key, default)
        if value not in choices:
            raise self.fail(
                where,
                f"'{key}' must be one of {', '.join(repr(c) for c in choices)}, not {value!r}",
            )
        return value

    def known(self, data: dict, where: str, keys: tuple[str, ...]) -> None:
        for key in data:
            if key not in keys:
                raise self.fail(where, f"unknown key '{key}'; known keys: {', '.join(keys)}")

    def strings(self, data: dict, key: str, where: str, required: bool = True) -> list[str]:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(where, f"missing '{key}'; add {key} = [\"…\"]")
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.fail(where, f"'{key}' must be a list of text, not {_kind(value)}")
        if required and not value:
            raise self.fail(where, f"'{key}' is empty; add at least one")
        for i, item in enumerate(value):
            if not isinstance(item, str) or not normalize(item):
                raise self.fail(f"{where}.{key}[{i}]", f"must be non-empty text, not {item!r}")
        return value

    def compiled(self, make: Callable[[], T], where: str) -> T:
        try:
            return make()
        except ValueError as err:
            raise self.fail(where, str(err)) from None


def _kind(value: Any) -> str:
    return {
        str: "text",
        int: "a number",
        float: "a number",
        bool: "true/false",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__) + (
        f" ({value!r})"
        if isinstance(value, (int, float, str)) and not isinstance(value, bool)
        else ""
    )


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
