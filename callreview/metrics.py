"""Accuracy measures for transcripts: character error rate against a reference script."""

from __future__ import annotations

from callreview.text import normalize

_DIGITS = str.maketrans("0123456789", "零一二三四五六七八九")


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: edit distance over the reference's length, after :func:`normalize`.

    Punctuation, width, Traditional/Simplified and sentence-final particles are
    folded first, spaces ignored and digits spelled as characters (Whisper writes
    尾号八六五三 as 86 53), so only real recognition errors count.
    """
    from rapidfuzz.distance import Levenshtein

    ref = normalize(reference).replace(" ", "").translate(_DIGITS)
    hyp = normalize(hypothesis).replace(" ", "").translate(_DIGITS)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)
