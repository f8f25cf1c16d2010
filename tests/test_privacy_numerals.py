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
