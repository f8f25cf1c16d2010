"""Pinyin keys: what phrases and turns are compared by.

One key per Chinese character — its toneless pinyin with the initials and finals
ASR confuses folded (zh/z, ch/c, sh/s, -ng/-n) — and one lowercase word per Latin
word; each distinct key is interned as one private character, so key sequences are
strings and a phrase is found with ``str.find``. 贵心 and 贵姓 get the same keys.
"""

from __future__ import annotations

import re
from functools import lru_cache

from callreview.text import fuzzy_syllable, syllables

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(f"([{_CJK}]+)|([^\\s{_CJK}]+)")


class _Interner:
    """One private character per distinct key, so key sequences are strings (C-speed find/ratio)."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}

    def __call__(self, key: str) -> str:
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = chr(0xF0000 + len(self._ids)) if len(self._ids) < 0xFFFD else chr(0x100000 + len(self._ids) - 0xFFFD)
        return found


_intern = _Interner()


@lru_cache(maxsize=1)
def _pinyin_tables():
    """pypinyin's own dictionaries and segmenter: what :func:`callreview.text.syllables` uses, minus its slow styling."""
    try:
        from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
        from pypinyin.seg.mmseg import seg
    except ImportError:  # pragma: no cover - a pypinyin without these internals: the slow, public path
        return None
    return PINYIN_DICT, PHRASES_DICT, seg


@lru_cache(maxsize=65536)
def _toneless(reading: str) -> str:
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
    return plain.replace("ü", "v").lower()


@lru_cache(maxsize=65536)
def _word_keys(word: str) -> tuple[str, ...]:
    pinyin, phrases, _ = _pinyin_tables()
    readings = phrases.get(word)
    if readings and len(readings) == len(word):
        return tuple(fuzzy_syllable(_toneless(r[0])) for r in readings)
    out = []
    for char in word:
        reading = pinyin.get(ord(char))
        out.append(fuzzy_syllable(_toneless(reading.split(",")[0])) if reading else char)
    return tuple(out)


@lru_cache(maxsize=65536)
def _run_keys(run: str) -> tuple[str, ...]:
    """Fuzzy toneless pinyin of a run of Chinese characters, one key per character."""
    tables = _pinyin_tables()
    if tables is not None:
        keys: list[str] = []
        for word in tables[2].cut(run):
            keys.extend(_word_keys(word))
        if len(keys) == len(run):
            return tuple(keys)
    keys = [fuzzy_syllable(s) for s in syllables(run)]
    if len(keys) != len(run):  # never seen; keep one key per character whatever happens
        keys = [fuzzy_syllable((syllables(c) or [c])[0]) for c in run]
    return tuple(keys)


def keys_of(norm: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(tokens, keys)`` of normalized text: a token per Chinese character or Latin word, and its key."""
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
