"""Hold: found from the agent's announcement or from a silence; permission before, thanks after (004)."""

from __future__ import annotations

import pytest
from fixtures.calls import GREETING, PERFECT, item, talk

A, C = "agent", "customer"


def hold_call(before: str, after: str, silence: float = 12, customer: str = "好的。"):
    """A short call: the agent's words before the silence, the customer's reply, the silence, the agent's words after."""
    return [GREETING] + talk(
        (C, "我想查一下保养记录。"),
        (A, before),
        (C, customer),
        silence,
        (A, after),
        (C, "好的。"),
        (A, "请问还有什么可以帮您？感谢您的来电，再见。"),
        start=6.5,
    )


def test_hold_asked_and_thanked_passes_with_times_and_evidence():
    result = item(PERFECT, "hold")
    assert result.status == "pass"
    (hold,) = result.details["holds"]
    assert (hold["start"], hold["end"], hold["duration"], hold["permission"], hold["thanked"]) == (
        25.8,
        38.0,
        12.2,
        True,
        True,
    )
    assert hold["permission_evidence"].matched == "请您稍等一下好吗"
    assert hold["thanks_evidence"].text == "王先生，感谢您的耐心等待。"


def test_imperative_wait_is_not_permission():
    result = item(hold_call("你等着，我去查。", "感谢您的耐心等待，查到了。"), "hold")
    (hold,) = result.details["holds"]
    assert result.status == "fail" and not hold["permission"] and hold["thanked"]
    assert hold["imperative_evidence"].matched == "等着"
    assert result.points == 10 and result.details["permission_suggestion"] == "请您稍等一下好吗？"


def test_request_for_permission_is_accepted_in_its_several_forms():
    for ask in (
        "麻烦您稍等片刻。",
        "可以请您稍等吗？",
        "请您稍等，我查一下。",
        "我帮您查一下，请您稍等一会儿。",
    ):
        result = item(hold_call(ask, "不好意思让您久等了。"), "hold")
        assert result.status == "pass", ask


def test_silent_hold_is_found_from_word_timings_alone():
    # One agent segment spans the silence (as a VAD segment can); only its words show the 13 s gap.
    words = [
        (10.0, 10.5, "好的"),
        (10.5, 11.5, "我看看"),
        (24.5, 25.0, "好了"),
        (25.0, 26.0, "查到了"),
    ]
    turns = [
        GREETING,
        (C, 6.5, 9.5, "我想查一下保养记录。"),
        (A, 10.0, 26.0, "好的我看看。好了查到了。", words),
    ]
    turns += [
        (C, 26.5, 27.0, "好的。"),
        (A, 27.5, 31.0, "请问还有什么可以帮您？感谢您的来电，再见。"),
    ]
    result = item(turns, "hold")
    (hold,) = result.details["holds"]
    assert (hold["start"], hold["end"], hold["announced"], hold["permission"], hold["thanked"]) == (
        11.5,
        24.5,
        False,
        False,
        False,
    )
    assert result.status == "fail" and result.points == 0


def test_no_hold_is_na_and_kept_out_of_the_score():
    result = item(hold_call("好的，查到了。", "亮的是保养提示灯。", silence=0.5), "hold")
    assert (result.status, result.points, result.max_points, result.details["holds"]) == (
        "na",
        0,
        0,
        [],
    )


def test_short_pause_after_an_announcement_is_a_hold():
    result = item(hold_call("请您稍等一下好吗？", "让您久等了，查到了。", silence=6), "hold")
    assert result.status == "pass" and result.details["holds"][0]["duration"] == 6


def test_short_pause_without_an_announcement_is_no_hold():
    assert item(hold_call("我看看。", "查到了。", silence=6), "hold").status == "na"


def test_checking_aloud_or_promising_later_is_no_hold():
    # 查一下 talked through, and 稍后 (which sounds like 稍候): no long silence follows, no hold.
    assert (
        item(
            hold_call("我帮您查一下，稍后给您回电。", "亮的是保养提示灯。", silence=2), "hold"
        ).status
        == "na"
    )


def test_the_customers_own_pause_is_not_an_agent_hold():
    result = item(
        hold_call(
            "麻烦您找一下行驶证。", "好的，收到。", customer="等一下，我找一下。", silence=15
        ),
        "hold",
    )
    assert result.status == "na"


def test_two_holds_are_judged_apart():
    turns = PERFECT + talk((A, "我再看一下。"), 10, (A, "好了。"), start=55.0)
    result = item(turns, "hold")
    assert [(h["permission"], h["thanked"]) for h in result.details["holds"]] == [
        (True, True),
        (False, False),
    ]
    assert result.status == "fail" and result.points == 10


def test_on_a_mono_recording_a_hold_fault_is_review():
    assert item(hold_call("你等着。", "查到了。"), "hold", mono=True).status == "review"


# Thresholds carry a tolerance (the scorecard's timing_tolerance_s: word timings move that much
# between machines): a silence that close to its threshold is marked, the status follows the threshold.
@pytest.mark.parametrize(
    "silence, hold, near",
    [
        (12.0, True, False),
        (10.3, True, True),  # a hold by 0.3 s: on the knife edge
        (9.7, False, True),  # 0.3 s short of a hold: listed in near_holds
        (8.0, False, False),
    ],
)
def test_a_silence_near_the_hold_threshold_is_marked(silence, hold, near):
    turns = talk(
        ("agent", "您好，欢迎致电天霖汽车，我是小周，请问有什么可以帮您？"), ("customer", "我的车灯一直亮着。"),
        ("agent", "好的，我看看。"), silence, ("agent", "是保养提示灯，我教您归零。"), ("customer", "好的。"),
    )  # fmt: skip
    details = item(turns, "hold").details
    assert bool(details["holds"]) == hold and details["tolerance_s"] == 0.5
    flagged = details["holds"][0]["near_threshold"] if hold else bool(details["near_holds"])
    assert flagged == near


@pytest.mark.parametrize("pause, permission", [(0.0, True), (4.0, False)])
def test_a_permission_cut_across_two_agent_segments_is_heard_when_the_halves_are_close(
    pause, permission
):
    # The decoder cut 可以请您稍等一下吗 in two: the halves 0.5 s apart are one sentence (join_gap_s, 3 s), 4.5 s apart two.
    turns = [GREETING] + talk(
        (C, "我想查一下保养记录。"),
        (A, "我查一下处理记录，可以请您稍"),
        pause,
        (A, "等一下吗？"),
        (C, "好的。"),
        12,
        (A, "感谢您的耐心等待，查到了。"),
        (C, "好的。"),
        (A, "请问还有什么可以帮您？感谢您的来电，再见。"),
        start=6.5,
    )
    (hold,) = item(turns, "hold").details["holds"]
    assert hold["permission"] is permission
    if permission:
        assert "可以请您稍等一下吗" in hold["permission_evidence"].text
