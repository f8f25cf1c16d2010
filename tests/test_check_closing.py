"""Closing: a closed question, thanks and farewell in the agent's last turns; review only when the recording says the last turn may be lost."""

from __future__ import annotations

import pytest
from fixtures.calls import GREETING, PERFECT, item, talk

from callreview.cli.render import clock

A, C = "agent", "customer"


def ending(*script, duration=None):
    return [GREETING] + talk(
        (C, "我想问一下你们几点关门。"), (A, "我们晚上九点关门。"), *script, start=6.5
    ), duration


@pytest.mark.parametrize(
    "script, status, parts",
    [
        (
            [
                (C, "好的。"),
                (A, "请问还有什么可以帮您？"),
                (C, "没有了。"),
                (A, "感谢您的来电，祝您生活愉快，再见！"),
            ],
            "pass",
            {"question", "thanks", "farewell"},
        ),
        (
            [
                (C, "好的。"),
                (A, "请问还有其他问题吗？"),
                (C, "没有了。"),
                (A, "谢谢您的来电，再见。"),
            ],
            "pass",
            {"question", "thanks", "farewell"},
        ),
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


def timed(turns):
    """The turns with word timings, one word per character, as the model writes them."""
    out = []
    for role, start, end, text in turns:
        step = (end - start) / len(text)
        out.append(
            (
                role,
                start,
                end,
                text,
                [
                    (round(start + i * step, 2), round(start + (i + 1) * step, 2), c)
                    for i, c in enumerate(text)
                ],
            )
        )
    return out


NO_CLOSE = [
    (C, "好的。"),
    (A, "请问还有什么可以帮您？"),
    (C, "没有了，谢谢。"),
]  # the customer has the last word
AGENT_LAST = [(C, "好的，谢谢，再见。"), (A, "好，就这样。")]


def last_agent_end(turns):
    return max(t[2] for t in turns if t[0] == A)


# The rule: a missing part is `fail` unless the recording says the agent's closing may be lost —
# agent (or, mono, anybody's) speech after the agent's last words that has no words (`unheard`),
# or a recording that stops mid-speech (a word or unheard speech within cut_tolerance_s of its end).
# (script, word timings?, unheard after the agent's last words (role, from, to), seconds of recording after the last word, status)
@pytest.mark.parametrize(
    "script, words, unheard, tail, status",
    [
        (NO_CLOSE, False, None, 1.0, "fail"),  # hand-made transcript: no turn is lost
        (
            NO_CLOSE,
            True,
            None,
            3.0,
            "fail",
        ),  # the agent's channel is silent after the customer's last turn
        (NO_CLOSE, True, (A, 0.5, 2.0), 3.0, "review"),  # the agent spoke there, no word came out
        (NO_CLOSE, True, (C, 0.5, 2.0), 3.0, "fail"),  # only the customer's speech went unheard
        (
            NO_CLOSE,
            True,
            (A, -4.0, -3.5),
            3.0,
            "fail",
        ),  # unheard agent speech before the agent's last words
        (NO_CLOSE, True, None, 0.2, "review"),  # the recording stops mid-word
        (
            NO_CLOSE,
            False,
            None,
            0.0,
            "fail",
        ),  # a hand-made segment's end says nothing about where speech stopped
        (
            NO_CLOSE,
            True,
            (C, 1.0, 2.9),
            3.0,
            "review",
        ),  # unheard speech running into the end of the recording
        (
            AGENT_LAST,
            False,
            None,
            30.0,
            "fail",
        ),  # a long silent tail after the agent's last words is no lost turn
        (AGENT_LAST, True, (A, 5.0, 8.0), 30.0, "review"),
    ],
)
def test_a_missing_closing_is_fail_unless_the_recording_says_it_may_be_lost(
    script, words, unheard, tail, status
):
    turns, _ = ending(*script)
    turns = timed(turns) if words else turns
    last = max(t[2] for t in turns)
    gaps = []
    if unheard is not None:
        role, a, b = unheard
        base = last_agent_end(turns) if a < 0 else last
        gaps = [(role, round(base + a, 2), round(base + b, 2))]
    result = item(turns, "closing", duration=last + tail, unheard=gaps)
    assert result.status == status
    assert result.details["last_turn_missing"] == (status == "review")


def test_the_customer_speaking_last_is_a_fail_with_that_as_evidence():
    turns, _ = ending(*NO_CLOSE)
    result = item(timed(turns), "closing", duration=turns[-1][2] + 4)
    assert result.status == "fail" and result.points == 15 * 0.4  # the question was asked
    assert (
        result.details["reason"]
        == f"the customer spoke last ({clock(turns[-1][1])}); no agent speech after it"
    )
    spoke = [e for e in result.evidence if e.role == C]
    assert [(e.text, e.start) for e in spoke] == [("没有了，谢谢。", turns[-1][1])]


def test_unheard_agent_speech_is_review_with_its_times_as_evidence():
    turns, _ = ending(*NO_CLOSE)
    end = turns[-1][2]
    result = item(timed(turns), "closing", duration=end + 5, unheard=[(A, end + 0.4, end + 2.6)])
    assert result.status == "review" and (result.points, result.max_points) == (0, 0)
    assert (
        "after the agent's last words, has no words in the transcript" in result.details["reason"]
    )
    (ev,) = [e for e in result.evidence if e.matched == "unheard speech"]
    assert (ev.role, ev.start, ev.end) == (A, end + 0.4, end + 2.6)


def test_a_cut_recording_is_review_with_the_last_words_as_evidence():
    turns, _ = ending(*NO_CLOSE)
    end = turns[-1][2]
    result = item(timed(turns), "closing", duration=end + 0.1)
    assert result.status == "review" and result.details["reason"].startswith(
        "the recording stops mid-speech (customer"
    )
    (ev,) = [e for e in result.evidence if e.matched == "recording cut"]
    assert (ev.role, ev.end) == (C, end)


def test_on_a_mono_recording_anybodys_unheard_speech_may_be_the_agents():
    turns, _ = ending(*AGENT_LAST)
    end = turns[-1][2]
    assert (
        item(
            timed(turns), "closing", mono=True, duration=end + 9, unheard=[(C, end + 1, end + 3)]
        ).status
        == "review"
    )
    assert item(timed(turns), "closing", mono=True, duration=end + 9).status == "fail"


def test_every_part_heard_passes_whatever_the_recording_holds():
    turns, _ = ending(
        (C, "好的。"),
        (A, "请问还有什么可以帮您？"),
        (C, "没有了。"),
        (A, "感谢您的来电，再见！"),
        (C, "再见。"),
    )
    assert (
        item(
            timed(turns),
            "closing",
            duration=turns[-1][2] + 0.1,
            unheard=[(A, turns[-1][2] - 0.2, turns[-1][2])],
        ).status
        == "pass"
    )


# The closing question by its shape: 还有 + 其他/别的/什么 + 问题/需要/业务/帮… + 吗, in one sentence.
@pytest.mark.parametrize(
    "said, found",
    [
        ("还有别的需要帮忙的吗？", True),
        ("请问您还有其他业务要办理吗？", True),
        ("其他还有问题吗？", True),
        ("那您这边还有其他什么事情需要咨询的吗？", True),
        ("还有别的事情要办么？", True),
        ("还有什么需要帮您", True),  # an offer of help, with or without a question mark
        ("还有什么能为您做的", True),
        ("我们还有其他业务，您可以了解一下。", False),  # a statement, not a question
        ("还有，您的问题我们记下了，明天给您回电吗？", False),  # the words across sentences
        ("还有其他的办法吗？", False),  # no 问题/需要/业务/帮: asking about a method, not closing
    ],
)
def test_the_closing_question_is_found_by_its_shape(said, found):
    turns, _ = ending((C, "好的。"), (A, said), (C, "没有了。"), (A, "感谢您的来电，再见。"))
    question = item(turns, "closing").details["parts"]["question"]
    assert question["found"] == found
    if found:
        assert question["evidence"].text == said and "…" in question["evidence"].matched


def test_perfect_call_closes_with_evidence_in_time_order():
    result = item(PERFECT, "closing")
    assert result.status == "pass"
    assert [e.matched for e in result.evidence] == ["请问还有什么可以帮您", "感谢您的来电", "再见"]


# A sentence the decoder cut in two (…马上帮您办还有 | 什么问题吗), with the customer's 谢谢 between:
# read as one when the two halves are at most join_gap_s apart (3 s on the default scorecard).
@pytest.mark.parametrize(
    "pause, found",
    [(0.5, True), (2.0, True), (4.0, False)],
)
def test_a_closing_question_cut_across_two_agent_segments_is_heard_when_they_are_close(
    pause, found
):
    turns, _ = ending(
        (C, "好的。"),
        (A, "好的，这个我马上帮您办，请问还有"),
        pause / 2,
        (C, "谢谢。"),
        pause / 2,
        (A, "什么问题吗？"),
        (C, "没有了。"),
        (A, "感谢您的来电，再见。"),
    )
    question = item(turns, "closing").details["parts"]["question"]
    assert question["found"] is found
    if found:  # the evidence quotes both halves, from the first half's start to the second's end
        first, second = turns[-5], turns[-3]
        assert "请问还有什么问题吗" in question["evidence"].text
        assert (question["evidence"].start, question["evidence"].end) == (first[1], second[2])


def test_two_agent_segments_are_not_joined_when_the_scorecard_turns_joining_off():
    from dataclasses import replace as dc_replace

    from fixtures.calls import call, lexicon, scorecard

    from callreview.qc.checklist import CallInfo, check_transcript

    turns, _ = ending(
        (C, "好的。"),
        (A, "好的，这个我马上帮您办，请问还有"),
        (A, "什么问题吗？"),
        (C, "没有了。"),
        (A, "感谢您的来电，再见。"),
    )
    card = scorecard()
    off = dc_replace(card, thresholds=dc_replace(card.thresholds, join_gap_s=0.0))
    assert (
        check_transcript(call(turns), lexicon(), card, CallInfo())
        .items["closing"]
        .details["parts"]["question"]["found"]
    )
    assert (
        not check_transcript(call(turns), lexicon(), off, CallInfo())
        .items["closing"]
        .details["parts"]["question"]["found"]
    )


# A farewell of one or two syllables heard with the very same sounds but other characters (在见 for 再见)
# counts only as the agent's last words; elsewhere it stays a sound-alike: uncertain.
@pytest.mark.parametrize(
    "script, found, uncertain",
    [
        ([(A, "感谢您的来电，在见。")], True, False),
        ([(A, "感谢您的来电，在见着")], True, False),  # one stray token after it
        (
            [(A, "感谢您的来电，在见。"), (A, "嗯")],
            True,
            False,
        ),  # a stray one-token segment after it
        (
            [(A, "感谢您的来电，我们在见面会上说。")],
            False,
            True,
        ),  # inside a sentence: a sound-alike only
        (
            [(A, "感谢您的来电，在见。"), (A, "明天的安排我再发短信给您确认一下。")],
            False,
            True,
        ),  # the agent went on
        ([(A, "感谢您的来电，再见。")], True, False),
    ],
)
def test_a_short_farewell_with_the_same_sounds_counts_only_as_the_agents_last_words(
    script, found, uncertain
):
    turns, _ = ending((C, "好的。"), (A, "请问还有其他问题吗？"), (C, "没有了。"), *script)
    farewell = item(turns, "closing").details["parts"]["farewell"]
    assert (farewell["found"], farewell["uncertain"]) == (found, uncertain)
