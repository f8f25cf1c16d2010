"""Pinyin keys: what phrases and turns are compared by.

One key per Chinese character — its toneless pinyin with the initials and finals
ASR confuses folded (zh/z, ch/c, sh/s, -ng/-n) — and one lowercase word per Latin
word; each distinct key is interned as one private character, so key sequences are
strings and a phrase is found with ``str.find``. 贵心 and 贵姓 get the same keys.
"""

from __future__ import annotations

import re
from functools import lru_cache

from callreview.text import fuzzy_syllable

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(f"([{_CJK}]+)|([^\\s{_CJK}]+)")


class _Interner:
    """One private character per distinct key, so key sequences are strings (C-speed find/ratio)."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}

    def __call__(self, key: str) -> str:
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = (
                chr(0xF0000 + len(self._ids))
                if len(self._ids) < 0xFFFD
                else chr(0x100000 + len(self._ids) - 0xFFFD)
            )
        return found


_intern = _Interner()


def _readings(text: str) -> list[str]:
    """pypinyin's toneless readings of ``text``, a character with no reading kept as itself."""
    from pypinyin import Style, lazy_pinyin  # late: heavy dictionary load

    # pypinyin's stub types the ``errors`` callback as returning str; it takes a list too.
    return lazy_pinyin(text, style=Style.NORMAL, errors=list)  # type: ignore[arg-type]


@lru_cache(maxsize=65536)
def _run_keys(run: str) -> tuple[str, ...]:
    """Fuzzy toneless pinyin of a run of Chinese characters, one key per character.

    pypinyin's public ``lazy_pinyin`` (its own word segmentation and phrase readings, the first
    reading of each), with ü written u as the keys always had it (女 is ``nu``); a character
    with no reading is its own key."""
    keys = [fuzzy_syllable(r.replace("v", "u")) for r in _readings(run)]
    if len(keys) != len(run):  # never seen; keep one key per character whatever happens
        keys = [fuzzy_syllable((_readings(c) or [c])[0].replace("v", "u")) for c in run]
    return tuple(keys)


def keys_of(norm: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(tokens, keys)`` of normalized text: a token per Chinese character or Latin word, and
    its key."""
    tokens: list[str] = []
    keys: list[str] = []
    for match in _RUNS.finditer(norm):
        run, word = match.groups()
        if run:
            tokens.extend(run)
            keys.extend(_run_keys(run))
        else:
            tokens.append(word)
            keys.append(word)
    return tuple(tokens), tuple(keys)
