"""render_review: the checklist an agent reads about their own call — status, score, and under each problem what was heard, when, and what to say."""

from __future__ import annotations

from fixtures.calls import PERFECT, review, talk

from callreview.cli.render import INDENT, LABELS, PART_LABELS, clock, render_review

BAD = [("agent", 0.5, 1.0, "喂？")] + talk(
    ("customer", "我的快递还没到。"), ("agent", "不知道，你等着。"), ("customer", "好的。"), 12,
    ("agent", "查到了，明天到。"), ("customer", "好的，谢谢。"), start=1.5,
)  # fmt: skip


def test_perfect_call_is_one_line_per_item_with_score_and_band():
    assert render_review(review(PERFECT)) == "\n".join(
        [
            "fixture.flac · 00:55 · inbound",
            "Score 100.0 / 100 · 优秀 (excellent)",
            "",
            "PASS     20/20  Greeting 开头语",
            "PASS     15/15  Customer's name 称呼客户姓名  — 王先生 used in 3 turn(s), 2 needed",
            "PASS     20/20  Hold 等候  — 1 hold(s)",
            "PASS     30/30  Forbidden phrases 服务忌语",
            "PASS     15/15  Closing 结束语",
            "",
            "How the agent spoke 表达",
            "INFO         –  Speech rate 语速  — median 291 characters/min, fastest 432 at 00:22 (agent)",
            "INFO         –  Interruptions 抢话  — none",
            "INFO         –  Dead air 静音  — none (1 announced hold(s) not counted)",
            "INFO         –  Talk ratio 说话占比  — agent 70 % · customer 30 % (25 s / 11 s of speech)",
        ]
    )


def test_failed_items_show_what_was_heard_when_and_what_to_say_instead():
    lines = render_review(review(BAD)).splitlines()
    assert (
        lines[1]
        == "Score 23.5 / 100 · 不合格 (below standard) · needs review: a person should listen to the REVIEW items"
    )
    assert "FAIL      0/20  Greeting 开头语  — opened with 喂" in lines
    assert "               00:00 「喂？」 — 喂 is a forbidden opening" in lines
    assert "               00:04 「不知道，你等着。」 — 不知道 (100)" in lines
    assert (
        "                 say instead: 不好意思，这问题我不是很清楚，我查一下再给您答复好吗？"
        in lines
    )
    assert "                 permission ✗ — told to wait: 00:04 「不知道，你等着。」" in lines


def test_review_items_say_why_and_are_not_scored():
    lines = render_review(review(BAD)).splitlines()
    assert "REVIEW    –/15  Customer's name 称呼客户姓名  — name unknown" in lines
    assert (
        INDENT + "the customer's name is not known: give it (customer_name) or check the call"
        in lines
    )


def test_a_fail_says_why_when_the_check_gives_a_reason():
    lines = render_review(review(BAD)).splitlines()
    at = lines.index(
        "FAIL      0/15  Closing 结束语  — missing: closing question 询问其他需求, thanks 致谢, farewell 道别"
    )
    assert (
        lines[at + 1]
        == INDENT + f"the customer spoke last ({clock(BAD[-1][1])}); no agent speech after it"
    )


def test_na_item_and_the_ni_note():
    text = render_review(review(BAD[:3]))
    assert "N/A          –  Hold 等候  — no hold" in text
    assert text.endswith(
        "Note: 你 said 1× where 您 is expected (000 客服礼仪规范), e.g. 00:04 「不知道，你等着。」"
    )


def test_clock_is_minutes_and_seconds():
    assert [clock(s) for s in (0, 9.6, 75.4, 3600)] == ["00:00", "00:10", "01:15", "60:00"]


def test_a_name_asked_and_never_used_fails_with_what_to_say():
    turns = talk(
        ("agent", "您好，欢迎致电天霖汽车，我是小周，请问有什么可以帮您？"), ("customer", "我的卡被盗刷了。"),
        ("agent", "先生您别着急，请问您贵姓？"), ("customer", "嗯。"),
        ("agent", "好的先生，我先帮您把卡冻结。"), ("customer", "好。"),
    )  # fmt: skip
    lines = render_review(review(turns)).splitlines()
    at = next(i for i, line in enumerate(lines) if "Customer's name" in line)
    assert lines[at] == "FAIL      0/15  Customer's name 称呼客户姓名  — name never used"
    assert (
        lines[at + 1].strip()
        == "the agent asked the customer's name, then addressed them only as 先生"
    )
    assert (
        lines[at + 4].strip()
        == "say instead: once you have the name, use it (王先生 / 李女士) at least 2 times"
    )


def test_an_english_call_gets_english_examples_from_its_lexicon():
    import re

    turns = talk(
        ("agent", "Hello, thank you for calling Acme Motors, this is Dana. How can I help you today?"),
        ("customer", "My car is making a noise."), ("agent", "May I have your name?"), ("customer", "Sure."),
        ("agent", "Thank you, miss. We will check it."), ("customer", "Okay."),
    )  # fmt: skip
    text = render_review(review(turns, "en-US"))
    assert (
        "say instead: once you have the name, use it (Mr. Smith / Ms. Jones) at least 2 times"
        in text
    )
    body = "\n".join(
        text.split("How the agent spoke")[0].splitlines()[2:]
    )  # the items (the score line has the scorecard's band)
    labels = re.compile(
        "["
        + "".join(
            c
            for label in (*LABELS.values(), *PART_LABELS.values())
            for c in label
            if ord(c) > 0x2E80
        )
        + "]"
    )
    assert not re.search("[\u4e00-\u9fff]", labels.sub("", body)), (
        body
    )  # no Chinese beyond the bilingual item labels


def test_the_ni_note_and_the_name_example_come_from_the_lexicon():
    lines = render_review(review(BAD)).splitlines()
    assert "00:00 「喂？」 — 喂 is a forbidden opening" in " ".join(lines)
    d = review(BAD).items["forbidden"].details
    assert (d["informal"], d["formal"], d["politeness_source"]) == ("你", "您", "000 客服礼仪规范")
