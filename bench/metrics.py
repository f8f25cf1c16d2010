"""Accuracy measures for transcripts: character error rate against a reference script."""

from __future__ import annotations

from callreview.text import normalize

_DIGITS = str.maketrans("0123456789", "零一二三四五六七八九")


def cer(reference: str, hypothesis: str, fold_numbers: bool = True) -> float:
    """Character error rate: edit distance over the reference's length, after :func:`normalize`.

    Punctuation, width, Traditional/Simplified and sentence-final particles are
    folded first and spaces ignored, so only real recognition errors count. Numbers
    are written one way on both sides: ``fold_numbers`` (the default) turns Chinese
    numerals into Arabic ones with cn2an, so the script's 五十元 / 两千三百 / 二零四六 and
    Whisper's 50元 / 2300 / 2046 are the same words heard right; ``False`` spells each
    digit as a character instead (86 53 = 八六五三, but 50 = 五零, not 五十), the measure
    the figures before 2026-12-03 were taken with.
    """
    from rapidfuzz.distance import Levenshtein

    ref, hyp = (_canonical(text, fold_numbers) for text in (reference, hypothesis))
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)


def _canonical(text: str, fold_numbers: bool) -> str:
    if not fold_numbers:
        return normalize(text).replace(" ", "").translate(_DIGITS)
    import warnings

    import cn2an

    # one notation for every number, both sides alike, before punctuation goes (百分之二十 = 20%);
    # cn2an warns of a numeral it leaves as it is (a lone 千), which then counts like any character
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return normalize(cn2an.transform(text, "cn2an")).replace(" ", "")
