"""Which tokens of a turn write a number: digits, the lexicon's numerals, and inside such a run
the characters that sound like a phone-speak digit (幺 yāo for 1, 两 for 2, 洞 for 0)."""

from __future__ import annotations

from functools import lru_cache

from callreview.matching.keys import _run_keys
from callreview.matching.turns import TurnText
from callreview.numerals import DIGITS


@lru_cache(maxsize=1)
def phone_digit_keys() -> frozenset[str]:
    """The keys of the digits' phone-speak readings: the characters :mod:`callreview.numerals`
    reads as a digit whose sound differs from the plain digit's (幺 yao for 一 yi, 两 for 二, 洞 for
    零)."""
    plain = {c: v for c, v in DIGITS.items() if c in "零一二三四五六七八九"}
    plain_keys = {v: _run_keys(c)[0] for c, v in plain.items()}
    return frozenset(
        key
        for c, v in DIGITS.items()
        if "\u4e00" <= c <= "\u9fff" and (key := _run_keys(c)[0]) != plain_keys.get(v)
    )


def number_tokens(text: TurnText, numerals: str) -> frozenset[int]:
    """Indices of the tokens that write a number: digits, the lexicon's ``numerals``, and inside a
    run of such tokens (one clause) any character that sounds like a phone-speak digit — an id read
    digit by digit says 1 as 幺 yāo, which the model writes 腰 / 要 / 妖 (50 3腰), 0 as 洞. A run
    made only of such sound-alikes is no number (我要 is not 1)."""
    plain = [t.isdigit() or bool(t and all(c in numerals for c in t)) for t in text.tokens]
    phone = phone_digit_keys()
    like = [len(t) == 1 and k in phone for t, k in zip(text.tokens, text.keys)]
    out: set[int] = set()
    i, n = 0, len(plain)
    while i < n:
        if not (plain[i] or like[i]):
            i += 1
            continue
        j = i
        while j < n and (plain[j] or like[j]) and text.clause[j] == text.clause[i]:
            j += 1
        if any(plain[i:j]):
            out.update(range(i, j))
        i = j
    return frozenset(out)
