"""Digit runs in heard text: ``139 1234 5678``, ``幺三九一二三四``, ``零两七…`` → ``"1391234"``.

Callers read phone numbers, ID numbers and agent ids spoken digit by digit. A run is a stretch
of digits (ASCII, full-width, or spoken one by one: 零〇一二三四五六七八九, 幺 = 1, 两 = 2,
洞 = 0) that may hold single separators (a space, a hyphen, a comma, a 、) between its digits,
as Whisper writes a number said in groups. Place-value words (十, 百, 万) end a run: ``一百``
is an amount, not the digits ``1`` ``0`` ``0``.

This module imports nothing of callreview, so any layer may use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

DIGITS: dict[str, str] = {
    **{str(d): str(d) for d in range(10)},
    **{chr(0xFF10 + d): str(d) for d in range(10)},  # full-width ０-９
    "零": "0",
    "〇": "0",
    "洞": "0",
    "一": "1",
    "幺": "1",
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}
"""Every character read as a digit, mapped to its ASCII digit."""

SEPARATORS = frozenset(" \t-‐–—,，、.·")
"""Characters allowed (one at a time) between two digits of one run."""


@dataclass(frozen=True, slots=True)
class DigitRun:
    """One run of digits found in a text."""

    digits: str
    """The digits read, ASCII (``"13912345678"``)."""
    start: int
    """Index in the text of the run's first digit."""
    end: int
    """Index in the text just past the run's last digit."""
    spoken: bool
    """True when any digit was a Chinese numeral (said, not written)."""
    groups: tuple[tuple[int, int], ...] = ()
    """Character spans of the run's groups (digits between separators), in order."""

    def part(self, first: int, last: int, text: str, *, extra: str = "") -> DigitRun:
        """The run made of groups ``first``..``last`` (inclusive) of this one, read in ``text``."""
        start, end = self.groups[first][0], self.groups[last][1]
        (run,) = digit_runs(text[start:end], extra=extra)
        return DigitRun(
            run.digits,
            start,
            end,
            run.spoken,
            tuple((a + start, b + start) for a, b in run.groups),
        )


def digit_runs(text: str, *, extra: str = "", min_digits: int = 1) -> list[DigitRun]:
    """Every maximal digit run in ``text``, in order, with its character span; ``min_digits``:
    only the runs of at least that many digits.

    ``extra`` names more characters to read as digits in this call (e.g. ``"Xx"`` for the check
    character of an ID number); each maps to itself, upper-cased.
    """
    runs: list[DigitRun] = []
    for match in _runs(extra).finditer(text):
        start, end = match.span()
        if end - start < min_digits:  # a run has at least as many characters as digits
            continue
        digits: list[str] = []
        groups: list[tuple[int, int]] = []
        spoken = False
        group = start
        for i in range(start, end):
            char = text[i]
            value = _digit(char, extra)
            if value is None:  # a separator (the pattern has one only between two digits)
                groups.append((group, i))
                group = i + 1
                continue
            digits.append(value)
            spoken = spoken or not (char.isascii() or "０" <= char <= "９")
        groups.append((group, end))
        if len(digits) >= min_digits:
            runs.append(DigitRun("".join(digits), start, end, spoken, tuple(groups)))
    return runs


@cache
def _runs(extra: str) -> re.Pattern[str]:
    """A run as a pattern: a digit, then digits each after at most one separator (matched as a
    whole by the regex engine: a text's scan is no Python loop over its characters)."""
    digit = "[" + "".join(re.escape(c) for c in (*DIGITS, *extra)) + "]"
    separator = "[" + "".join(re.escape(c) for c in sorted(SEPARATORS)) + "]"
    return re.compile(f"{digit}(?:{separator}?{digit})*")


def read_digits(text: str) -> str | None:
    """``text`` read as one digit run (``"幺三九"`` → ``"139"``), or ``None`` when anything else
    is in it (separators between digits allowed)."""
    runs = digit_runs(text.strip())
    if len(runs) == 1 and runs[0].start == 0 and runs[0].end == len(text.strip()):
        return runs[0].digits
    return None


def _digit(char: str, extra: str) -> str | None:
    if char in extra:
        return char.upper()
    return DIGITS.get(char)
