"""Forbidden phrases: every 忌语 the agent said, with what to say instead — never the customer's words."""

from __future__ import annotations

import pytest
from fixtures.calls import GREETING, item, talk

A, C = "agent", "customer"


def agent_says(*texts: str, customer: str = "那怎么办？"):
    script = []
    for text in texts:
        script += [(C, customer), (A, text)]
    return [GREETING] + talk(*script, start=6.5)


def phrases(result) -> list[str]:
    return [h["phrase"] for h in result.details["hits"]]


@pytest.mark.parametrize(
    "said, expected",
    [
        (["这不可能，今天的车已经走了。", "不知道，系统里没有写。"], ["这不可能", "不知道"]),
        (
            ["你别催我，我们一天要处理几千个件。", "你急也没用，我们的程序就是这样。"],
            ["你别催我", "你急也没用", "我们的程序就是这样"],
        ),
        (["听不清，大声点！"], ["听不清", "大声点"]),
        (["说了半天你怎么还不明白？"], ["说了半天你怎么还不明白"]),
        (["他在讲电话，你过一会儿再打吧。"], ["你过一会再打吧"]),
        # ASR homophone errors still match
        (["以及也没用，等着吧。"], ["你急也没用"]),
        (["你别吹我。"], ["你别催我"]),
        (["我们的城市就是这样，只有等。"], ["我们的程序就是这样", "只有等"]),
    ],
)
def test_forbidden_phrases_said_by_the_agent_are_hits(said, expected):
    result = item(agent_says(*said), "forbidden")
    assert result.status == "fail" and phrases(result) == expected


@pytest.mark.parametrize(
    "said",
    [
        "对不起，我没听清楚，请重复一遍好吗？",  # near miss of 听不清
        "不好意思，这问题我不是很清楚，我查一下再给您答复好吗？",  # the recommended answer, not 不知道
        "您看这个时间行不行？",  # 行不行 is a question, not 不行
        "不知道您现在方便吗？",
        "我一定尽力，您别着急。",
        "我们正尽力做到最好，但是目前还只能做到三天内送达。",
        "我也及时给您回复。",  # near miss: sounds like 我也急
    ],
)
def test_polite_near_misses_are_no_hits(said):
    result = item(agent_says(said), "forbidden")
    assert (result.status, result.details["hits"], result.details["possible_hits"]) == (
        "pass",
        [],
        [],
    )


def _listed(said: str) -> bool:
    """Whether the lexicon lists ``said`` (or a phrase inside it) as a near miss: the cases below must pass by rule."""
    from fixtures.calls import lexicon

    return any(p.chars in said for e in lexicon().forbidden for p in e.near_misses)


# Near misses that the lexicon does not list: cleared by a rule of the entry (a question asks,
# a condition plans), not by a listed sentence.
@pytest.mark.parametrize(
    "said, context",
    [
        ("不知道这个号码是不是您本人在用？", "question"),  # an A-not-A in the clause
        ("不知道这个时间可以吗？", "question"),  # the clause ends the sentence with 吗
        ("不知道这边登记的地址对不对？", "question"),
        ("要是还不行，我再帮您转技术部门。", "after 要是"),
        ("万一不行，您再打这个电话。", "after 万一"),
        ("这样操作不行吗？", "question"),
    ],
)
def test_near_misses_the_lexicon_does_not_list_are_cleared_by_rule(said, context):
    assert not _listed(said)
    result = item(agent_says(said), "forbidden")
    assert (result.status, result.details["hits"], result.details["possible_hits"]) == (
        "pass",
        [],
        [],
    )
    assert [c["context"] for c in result.details["cleared"]] == [context]


@pytest.mark.parametrize(
    "said, expected",
    [
        (
            "不知道，你问别人吧？",
            ["不知道"],
        ),  # the clause 「不知道，」 does not ask: the question is another clause
        ("不行，这个必须本人来办。", ["不行"]),
        ("这个我真不知道。", ["不知道"]),
    ],
)
def test_a_refusal_next_to_a_question_is_still_a_hit(said, expected):
    assert phrases(item(agent_says(said), "forbidden")) == expected


# Factual statements of what cannot be done are information, not 忌语 (real customer-service wording).
@pytest.mark.parametrize(
    "said",
    [
        "这个业务在网上办理不了，需要您本人带身份证去营业厅。",
        "发票这边暂时打印不了，系统在升级。",
        "我这边只能看到您上个月的账单。",
        "这个设置我们会通过短信的方式发送到您的手机上，您按照短信提示操作就可以了。",
        "您这个套餐目前只能在月底变更，下个月一号生效。",
    ],
)
def test_factual_statements_are_no_forbidden_hits(said):
    result = item(agent_says(said), "forbidden")
    assert (result.status, result.details["hits"], result.details["possible_hits"]) == (
        "pass",
        [],
        [],
    )


# The grey zone: a hit under the threshold is kept (review) only when it hears most of the
# phrase's syllables in order (grey_coverage): a syllable misheard, not syllables scattered
# through a long sentence that happen to score close.
@pytest.mark.parametrize(
    "said, possible",
    [
        ("我也没法给您办。", ["我也没办法"]),  # 没法: one syllable dropped, the rest in order
        (
            "我也没有查到办法。",
            [],
        ),  # 我也没有查到 scores 85 against 我也没有办法, but shares only 我也没有
        ("我也没看到您办的业务。", []),  # 我也没看到 scores 85 against 我也没办法
        ("能做的我们都会尽量做。", []),  # 能做的我们都会 scores 85 against 能做的我们都做了
        ("我刚刚已经给你发过了。", []),  # 84 against 我刚才已经跟你说过了
    ],
)
def test_grey_zone_hits_need_the_phrases_syllables_in_order(said, possible):
    result = item(agent_says(said), "forbidden")
    assert [h["phrase"] for h in result.details["possible_hits"]] == possible
    assert result.status == ("review" if possible else "pass") and result.details["hits"] == []


def test_the_customer_is_never_flagged():
    turns = [GREETING] + talk(
        (C, "这不可能吧？我也不知道，我也没办法。"),
        (A, "您别着急，我一定尽力。"),
        (C, "你急也没用。"),
        start=6.5,
    )
    assert item(turns, "forbidden").status == "pass"


def test_a_near_miss_does_not_veto_a_different_real_hit():
    said = "我们正尽力，但是目前还只能做到这样。说实话我们只能做到这样。"
    assert phrases(item(agent_says(said), "forbidden")) == ["我们只能做到这样"]


def test_hit_reports_time_quote_similarity_and_what_to_say_instead():
    result = item(agent_says("不知道，系统里没有写。"), "forbidden")
    (hit,) = result.details["hits"]
    assert hit == {
        "phrase": "不知道", "suggestion": "不好意思，这问题我不是很清楚，我查一下再给您答复好吗？",
        "start": 8.25, "end": 11.0, "text": "不知道，系统里没有写。", "heard": "不知道", "similarity": 100.0, "role": "agent",
    }  # fmt: skip
    assert result.evidence[0].matched == "不知道"


def test_short_phrase_heard_only_as_a_sound_alike_is_review_not_a_fail():
    result = item(agent_says("我也记下来了，您放心。"), "forbidden")  # wo ye ji: sounds like 我也急
    assert result.status == "review" and [h["phrase"] for h in result.details["possible_hits"]] == [
        "我也急"
    ]


def test_deduction_per_hit_is_capped():
    one = item(agent_says("不知道。"), "forbidden")
    five = item(
        agent_says("这不可能。", "不知道。", "你别催我。", "你急也没用。", "我们的程序就是这样。"),
        "forbidden",
    )
    assert (one.points, five.points, five.max_points) == (20, 0, 30)


def test_on_a_mono_recording_a_hit_is_review():
    result = item(agent_says("不知道。"), "forbidden", mono=True)
    assert result.status == "review" and result.details["hits"][0]["role"] == "unknown"


def test_ni_where_nin_is_expected_is_counted_as_information():
    result = item(agent_says("你的快递到了，你们那边有人签收吗？你好。"), "forbidden")
    assert (result.status, result.details["ni_count"], result.points) == ("pass", 2, 30)
