"""Digit runs: written, full-width and spoken digits, read with their character spans."""

import pytest

from callreview.numerals import digit_runs, read_digits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13912345678", "13912345678"),
        ("139 1234-5678", "13912345678"),
        ("１３９１２３４５６７８", "13912345678"),
        ("幺三九一二三四五六七八", "13912345678"),
        ("一三九，两零零八，洞洞幺幺", "13920080011"),
        ("零〇", "00"),
    ],
)
def test_read_digits_reads_every_form(text: str, expected: str) -> None:
    assert read_digits(text) == expected


def test_read_digits_refuses_anything_else() -> None:
    assert read_digits("一百") is None
    assert read_digits("工号幺零") is None


def test_digit_runs_give_spans_and_groups() -> None:
    text = "号码是幺三九 一二三四，好的"
    (run,) = digit_runs(text)
    assert (run.digits, text[run.start : run.end], run.spoken) == (
        "1391234",
        "幺三九 一二三四",
        True,
    )
    assert [text[a:b] for a, b in run.groups] == ["幺三九", "一二三四"]
    assert run.part(1, 1, text).digits == "1234"


def test_place_values_and_double_separators_end_a_run() -> None:
    assert [r.digits for r in digit_runs("一百二十 三  四")] == ["1", "2", "3", "4"]


def test_extra_characters_read_as_digits_when_asked() -> None:
    assert [r.digits for r in digit_runs("11010519491231002x", extra="Xx")] == [
        "11010519491231002X"
    ]


def _runs_one_character_at_a_time(text: str, extra: str = "") -> list[tuple]:
    """What a digit run is, spelt out: a digit, then digits each after at most one separator
    (the reference the regular-expression scan of :func:`digit_runs` must equal)."""
    from callreview.numerals import DIGITS, SEPARATORS

    def digit(char: str) -> str | None:
        return char.upper() if char in extra else DIGITS.get(char)

    runs, i, n = [], 0, len(text)
    while i < n:
        if digit(text[i]) is None:
            i += 1
            continue
        start, digits, spoken, group, groups = i, [], False, i, []
        end = i
        while i < n:
            if (value := digit(text[i])) is not None:
                digits.append(value)
                spoken = spoken or not (text[i].isascii() or "０" <= text[i] <= "９")
                i = end = i + 1
            elif text[i] in SEPARATORS and i + 1 < n and digit(text[i + 1]) is not None:
                groups.append((group, i))
                i += 1
                group = i
            else:
                break
        groups.append((group, end))
        runs.append(("".join(digits), start, end, spoken, tuple(groups)))
        i = end
    return runs


def test_digit_runs_are_the_runs_read_one_character_at_a_time() -> None:
    import random

    rng = random.Random(7)
    alphabet = "0123456789０１２零〇洞一幺二两三四五六七八九十百万 \t-‐–—,，、.·XxabC号码是"
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30)))
        for extra in ("", "Xx"):
            found = [
                (r.digits, r.start, r.end, r.spoken, r.groups)
                for r in digit_runs(text, extra=extra)
            ]
            assert found == _runs_one_character_at_a_time(text, extra), text
            long = [r for r in found if len(r[0]) >= 10]
            assert [
                (r.digits, r.start, r.end, r.spoken, r.groups)
                for r in digit_runs(text, extra=extra, min_digits=10)
            ] == long, text
