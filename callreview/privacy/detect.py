"""Finding personal data in one piece of text: character spans, each with its kind and label.

Digit runs (written or spoken, :mod:`callreview.numerals`) are read as a whole and, when the whole
is no number, as each stretch of its groups (``请记一下 139 1234 5678 两个号``), longest first:

- ``id``       18 characters, the last a digit or ``X``, passing ISO 7064 MOD 11-2
- ``card``     16–19 digits passing Luhn
- ``mobile``   11 digits ``1[3-9]…`` (after an optional ``86``)
- ``landline`` ``0`` + area code + number, 10–12 digits

Email addresses, licence plates (a province's abbreviation, a letter, five or six letters or
digits) and the site's own patterns are regular expressions, run on the text with spoken digits
read as ASCII (one character each, so spans stay the same).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from callreview.numerals import DIGITS, DigitRun, digit_runs
from callreview.privacy.checks import id_number_ok, luhn_ok

LABELS: dict[str, str] = {
    "mobile": "[手机号]",
    "landline": "[座机号]",
    "id": "[身份证号]",
    "card": "[银行卡号]",
    "email": "[邮箱]",
    "plate": "[车牌号]",
}
"""The mask of each built-in kind; a site pattern's mask is its own label in brackets."""

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
EMAIL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PLATE = re.compile(
    rf"[{PROVINCES}]\s?[A-HJ-NP-Za-hj-np-z][\s·•-]?(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{{5,6}}(?![A-Za-z0-9])"
)
ID_EXTRA = "Xx"


@dataclass(frozen=True, slots=True)
class Pattern:
    """A site's own pattern: what it masks as, and the regular expression that finds it."""

    label: str
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Hit:
    """One stretch of personal data in a text."""

    kind: str
    """``mobile``, ``landline``, ``id``, ``card``, ``email``, ``plate``, or ``site``."""
    label: str
    """The mask shown instead, e.g. ``[手机号]``."""
    start: int
    end: int


def find(text: str, patterns: tuple[Pattern, ...] = ()) -> list[Hit]:
    """Every stretch of personal data in ``text``, in order, none overlapping (the first found
    and the longest win)."""
    hits = list(_numbers(text))
    folded = fold_digits(text)
    hits += [Hit("email", LABELS["email"], m.start(), m.end()) for m in EMAIL.finditer(folded)]
    hits += [Hit("plate", LABELS["plate"], m.start(), m.end()) for m in PLATE.finditer(folded)]
    for pattern in patterns:
        hits += [
            Hit("site", pattern.label, m.start(), m.end())
            for m in pattern.regex.finditer(folded)
            if m.end() > m.start()
        ]
    return _disjoint(hits)


def fold_digits(text: str) -> str:
    """``text`` with every spoken or full-width digit as its ASCII digit (same length)."""
    return text.translate(_FOLD)


_FOLD = str.maketrans(DIGITS)


def kind_of(digits: str) -> str | None:
    """What a run of digits is, if it is personal data."""
    if len(digits) == 18 and id_number_ok(digits):
        return "id"
    if not digits.isdigit():
        return None
    if 16 <= len(digits) <= 19 and luhn_ok(digits):
        return "card"
    if re.fullmatch(r"(?:86)?1[3-9]\d{9}", digits):
        return "mobile"
    if re.fullmatch(r"0[1-9]\d{8,10}", digits):
        return "landline"
    return None


def _numbers(text: str) -> Iterator[Hit]:
    for run in digit_runs(text, extra=ID_EXTRA, min_digits=10):
        yield from _in_run(run, text)


def _in_run(run: DigitRun, text: str) -> Iterator[Hit]:
    """The numbers in one run: the whole run, else its longest stretch of groups from its first
    group or to its last (a digit said before or after: ``…5678，两个``), else an 11-digit mobile
    number at either end of a group of 12 or 13 digits."""
    kind = kind_of(run.digits)
    if kind:
        yield Hit(kind, LABELS[kind], run.start, run.end)
        return
    n = len(run.groups)
    for size in range(n - 1, 0, -1):
        for first, last in ((0, size - 1), (n - size, n - 1)):
            part = run.part(first, last, text, extra=ID_EXTRA)
            kind = kind_of(part.digits)
            if kind:
                yield Hit(kind, LABELS[kind], part.start, part.end)
                return
    for a, b in run.groups:
        digits = fold_digits(text[a:b])
        if len(digits) not in (12, 13):
            continue
        for lo in (0, len(digits) - 11):
            if kind_of(digits[lo : lo + 11]) == "mobile":
                yield Hit("mobile", LABELS["mobile"], a + lo, a + lo + 11)
                return


def _disjoint(hits: list[Hit]) -> list[Hit]:
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        if kept and hit.start < kept[-1].end:
            continue
        kept.append(hit)
    return kept
