"""Closing: a closed question, thanks and farewell in the agent's last turns; a lost last turn is review."""

from __future__ import annotations

import pytest

from fixtures.calls import GREETING, PERFECT, item, talk

A, C = "agent", "customer"


def ending(*script, duration=None):
    return [GREETING] + talk((C, "我想问一下你们几点关门。"), (A, "我们晚上九点关门。"), *script, start=6.5), duration


@pytest.mark.parametrize(
    "script, status, parts",
    [
        ([(C, "好的。"), (A, "请问还有什么可以帮您？"), (C, "没有了。"), (A, "感谢您的来电，祝您生活愉快，再见！")], "pass", {"question", "thanks", "farewell"}),
        ([(C, "好的。"), (A, "请问还有其他问题吗？"), (C, "没有了。"), (A, "谢谢您的来电，再见。")], "pass", {"question", "thanks", "farewell"}),
        ([(C, "好的，谢谢，再见。"), (A, "好，就这样。")], "fail", set()),
        ([(C, "好的。"), (A, "感谢您的来电，再见。")], "fail", {"thanks", "farewell"}),
    ],
)
def test_closing_parts(script, status, parts):
    turns, _ = ending(*script)
    result = item(turns, "closing")
    assert result.status == status
    assert {name for name, p in result.details["parts"].items() if p["found"]} == parts


def test_missing_question_earns_partial_credit():
    turns, _ = ending((C, "好的。"), (A, "感谢您的来电，再见。"))
    result = item(turns, "closing")
    assert (result.points, result.max_points) == (9, 15)  # thanks 30 % + farewell 30 % of 15
    assert result.details["suggestion"].startswith("请问还有什么可以帮您")


def test_the_greetings_offer_of_help_is_not_the_closing_question():
    turns, _ = ending((C, "好的，谢谢。"), (A, "不客气，再见。"))
    assert not item(turns, "closing").details["parts"]["question"]["found"]


def test_call_ending_with_the_customer_talking_is_review_not_fail():
    turns, _ = ending((C, "好的。"), (A, "请问还有什么可以帮您？"), (C, "没有了，谢谢。"))  # the agent's last turn may be lost
    result = item(turns, "closing")
    assert result.status == "review" and result.details["last_turn_missing"]
    assert (result.points, result.max_points) == (0, 0)


def test_agent_speech_ending_well_before_the_recording_is_review():
    turns, _ = ending((C, "好的。"), (A, "好，就这样。"))
    assert item(turns, "closing", duration=turns[-1][2] + 30).status == "review"
    assert item(turns, "closing", duration=turns[-1][2] + 2).status == "fail"


def test_perfect_call_closes_with_evidence_in_time_order():
    result = item(PERFECT, "closing")
    assert result.status == "pass"
    assert [e.matched for e in result.evidence] == ["请问还有什么可以帮您", "感谢您的来电", "再见"]
