"""Specs of callreview.team.agreement: agreement %, Cohen's kappa and the confusion table, by hand."""

from __future__ import annotations

import pytest

from callreview.team.agreement import MIN_REVIEWED, agreement, cohen_kappa

# (table rows: one rater, columns: the other) → kappa, each worked out by hand in the comment
KAPPA_CASES = [
    # p_o = 8/10; marginals 7/3 both sides: p_e = .49 + .09 = .58; (.8 - .58) / .42
    ([[6, 1], [1, 2]], (0.8 - 0.58) / 0.42),
    # the textbook case (Cohen 1960 style): p_o = 35/50 = .7, p_e = (25·25 + 25·25)/2500 = .5 → .4
    ([[20, 5], [10, 15]], 0.4),
    # perfect agreement over two statuses
    ([[3, 0], [0, 7]], 1.0),
    # systematic disagreement: p_o = 0, p_e = .5 → -1
    ([[0, 5], [5, 0]], -1.0),
    # as often apart as chance would have it: p_o = .5, p_e = .5 → 0
    ([[1, 1], [1, 1]], 0.0),
    # three statuses: p_o = 7/10; rows 4,3,3, columns 3,4,3: p_e = (12 + 12 + 9)/100 = .33; (.7-.33)/.67
    ([[3, 1, 0], [0, 2, 1], [0, 1, 2]], (0.7 - 0.33) / 0.67),
]


@pytest.mark.parametrize("table, expected", KAPPA_CASES)
def test_cohen_kappa_matches_the_hand_computed_value(table, expected):
    assert cohen_kappa(table) == pytest.approx(expected)


@pytest.mark.parametrize("table", [[[0, 0], [0, 0]], [[5, 0], [0, 0]]])
def test_cohen_kappa_is_undefined_without_calls_or_with_one_status_only(table):
    assert cohen_kappa(table) is None


def test_agreement_of_an_item_counts_percent_kappa_and_confusion():
    counts = {("pass", "pass"): 5, ("pass", "fail"): 2, ("fail", "fail"): 1}
    result = agreement("greeting", counts)
    assert result.item == "greeting"
    assert result.count == 8
    assert result.agreed == 6
    assert result.percent == pytest.approx(75.0)
    # p_o = .75; automatic 7 pass / 1 fail, final 5 pass / 3 fail: p_e = (35 + 3) / 64; kappa = 5/13
    assert result.kappa == pytest.approx(5 / 13)
    assert result.labels == ("pass", "fail", "na", "review")
    assert result.table == ((5, 2, 0, 0), (0, 1, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0))
    assert result.provisional  # 8 < 20 reviewed calls


def test_agreement_with_no_reviewed_call_has_no_figures():
    result = agreement("hold", {})
    assert (result.count, result.agreed, result.percent, result.kappa) == (0, 0, None, None)


def test_agreement_is_not_provisional_from_the_minimum_count():
    assert not agreement(
        "closing", {("pass", "pass"): MIN_REVIEWED - 1, ("fail", "fail"): 1}
    ).provisional


def test_agreement_keeps_a_status_outside_the_known_ones():
    result = agreement("greeting", {("pass", "skipped"): 1})
    assert result.labels[-1] == "skipped"
    assert result.table[0][-1] == 1
