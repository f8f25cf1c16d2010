"""Greeting: salutation, company, agent's name, offer to help — in the agent's first turns."""

from __future__ import annotations

import pytest
from fixtures.calls import PERFECT, item, replace

ALL_PARTS = {"salutation", "company", "agent_name", "offer_help"}


def opening(text: str):
    return replace(PERFECT, 0, ("agent", 0.5, 6.0, text))


def found(result) -> set[str]:
    return {name for name, p in result.details["parts"].items() if p["found"]}


@pytest.mark.parametrize(
    "said, status, parts",
    [
        ("您好，欢迎致电天霖汽车售后服务中心，我是小周，请问有什么可以帮您？", "pass", ALL_PARTS),
        ("您好！天霖，85号为您服务，请问有什么可以帮您？", "pass", ALL_PARTS),  # 000's short form
        ("早上好，这里是星河宽带客服中心，工号3021，很高兴为您服务。", "pass", ALL_PARTS),
        ("您好，请问有什么可以帮您？", "fail", {"salutation", "offer_help"}),
        ("取件码和手机尾号报一下。", "fail", set()),
        (
            "您好，欢迎致电天霖汽车，我试课符小周。",
            "fail",
            {"salutation", "company", "agent_name"},
        ),  # 我试课符 = 我是客服
    ],
)
def test_greeting_parts(said, status, parts):
    result = item(opening(said), "greeting")
    assert (result.status, found(result)) == (status, parts)


# The company named with no company configured and no 欢迎致电 / 这里是: the one clause between the
# salutation and the agent's id — or, with no id, the offer to help (000: 「您好！天霖，××号为您服务」).
@pytest.mark.parametrize(
    "said, company, agent",
    [
        ("您好，星河宽带，工号2046为您服务。", "星河宽带", "2046"),
        ("您好，乐享家电，306很高兴为您服务。", "乐享家电", "306"),
        ("您好，城南燃气营业厅，很高兴为您服务。", "城南燃气营业厅", None),
        ("您好，王女士，很高兴为您服务。", None, None),  # the customer addressed, not a company
        ("您好，很高兴为您服务。", None, None),
    ],
)
def test_the_company_is_the_clause_between_the_salutation_and_the_next_part(said, company, agent):
    result = item(opening(said), "greeting")
    assert (result.details["company_name"], result.details["agent_name"]) == (company, agent)
    if company:
        ev = result.details["parts"]["company"]["evidence"]
        assert (ev.text, ev.matched) == (said, "{company}")


# What ASR does to the short form: the salutation alone in its own turn (a pause after 您好), and the
# company run into the staff number with no comma (天霖35号为您服务): a number that ends the words
# the agent's slot took is the staff number, and the words before it are the company.
@pytest.mark.parametrize(
    "turns, company, agent",
    [
        (["您好，", "城南燃气，52号为您服务，请问有什么可以帮您？"], "城南燃气", "52"),
        (["您好，城南燃气52号为您服务，请问有什么可以帮您？"], "城南燃气", "52"),
        (["您好，", "城南燃气四十一号为您服务，请问有什么可以帮您？"], "城南燃气", "四十一"),
        (["您好，城南燃气，三十五号为您服务，请问有什么可以帮您？"], "城南燃气", "三十五"),
        (
            ["您好，", "王先生52号为您服务。"],
            None,
            "王先生52",
        ),  # the customer addressed: no company taken
        # A staff number of its own ({agent:digits}, no 号) right after the words ends them as a comma would.
        (["您好，城南燃气306很高兴为您服务。"], "城南燃气", "306"),
        (["您好，城南燃气30 6很高兴为您服务。"], "城南燃气", "30 6"),
        (
            ["您好，王女士306很高兴为您服务。"],
            None,
            "306",
        ),  # the customer addressed: no company taken
    ],
)
def test_the_short_form_survives_a_split_turn_and_a_missing_comma(turns, company, agent):
    first = [("agent", 0.5 + 2.5 * i, 2.5 + 2.5 * i, text) for i, text in enumerate(turns)]
    result = item(first + PERFECT[1:], "greeting")
    assert (result.details["company_name"], result.details["agent_name"]) == (company, agent)


# A staff number said without 工号/号, right before the offer to serve, is the agent identifying
# themself: ``{agent:digits}`` takes numbers only, so a name there is no agent's number.
@pytest.mark.parametrize(
    "said, agent",
    [
        ("您好，306很高兴为您服务。", "306"),
        ("您好，三零六很高兴为您服务。", "三零六"),
        ("您好，欢迎致电星河宽带，8012为您服务。", "8012"),
        ("您好，欢迎致电星河宽带，很高兴为您服务。", None),
        ("您好，星河宽带很高兴为您服务。", None),  # a name before the offer is no staff number
        # Any offer of help, not only 为您服务, and its 工号 lost to the model (功后, 国号):
        ("下午好，感谢致电美嘉电器，功后5 18，请问有什么可以为您效劳？", "5 18"),
        ("下午好感谢致电悦居酒店国号77 3请问有什么可以帮您", "77 3"),
        ("您好，欢迎致电星河宽带，306，请问有什么可以帮您？", "306"),
        ("您好，欢迎致电星河宽带，一，请问有什么可以帮您？", None),  # one digit: no staff number
        ("您好，欢迎致电星河宽带，请问有什么可以帮您？", None),
    ],
)
def test_a_staff_number_before_the_offer_is_the_agents_id(said, agent):
    assert item(opening(said), "greeting").details["agent_name"] == agent


# A salutation at the very start of the agent's first turn heard with its first syllable's initial
# softened (n/l/m/none, the vowel kept: 您 nin → 引 yin, 也 ye) counts, with its similarity.
@pytest.mark.parametrize(
    "said, matched",
    [
        ("引好，欢迎致电星河宽带，我是小周，请问有什么可以帮您？", "您好"),
        ("也好，欢迎致电星河宽带，我是小周，请问有什么可以帮您？", "你好"),
        ("林好，欢迎致电星河宽带，我是小周，请问有什么可以帮您？", "您好"),
        ("那好，欢迎致电星河宽带，我是小周，请问有什么可以帮您？", None),  # na: another vowel
        (
            "还好，欢迎致电星河宽带，我是小周，请问有什么可以帮您？",
            None,
        ),  # hai: another initial and vowel
        (
            "就好，欢迎致电星河宽带，我是小周，请问有什么可以帮您？",
            None,
        ),  # jiu: j is no soft initial
    ],
)
def test_a_softened_salutation_at_the_very_start_counts_with_its_similarity(said, matched):
    salutation = item(opening(said), "greeting").details["parts"]["salutation"]
    assert salutation["found"] == (matched is not None)
    if matched:
        ev = salutation["evidence"]
        assert ev.matched == matched and 75 <= ev.similarity < 100


def test_a_softened_salutation_later_in_the_turn_does_not_count():
    salutation = item(
        opening("欢迎致电星河宽带，引好，我是小周，请问有什么可以帮您？"), "greeting"
    ).details["parts"]["salutation"]
    assert not salutation["found"]


def test_a_greeting_without_company_or_agent_earns_half_and_names_the_missing_parts():
    # Decided from 004 C、问候 (公司或部门名称、你的名字并且表示愿意提供帮助) and 000's own opening (it
    # names both): 「您好，很高兴为您服务」 is not complete on the default scorecard.
    result = item(opening("您好很高兴为您服务。"), "greeting")
    assert (result.status, found(result), result.points) == (
        "fail",
        {"salutation", "offer_help"},
        10,
    )


def test_company_and_agent_name_are_taken_from_the_greeting_shape():
    result = item(PERFECT, "greeting")
    assert (result.details["company_name"], result.details["agent_name"]) == (
        "天霖汽车售后服务中心",
        "小周",
    )
    assert result.points == result.max_points == 20


def test_missing_parts_earn_partial_credit_and_a_suggestion():
    result = item(opening("您好，请问有什么可以帮您？"), "greeting")
    assert result.points == 10  # salutation + offer: 2 of 4 equal parts of 20
    assert result.details["suggestion"].startswith("您好！欢迎致电")


@pytest.mark.parametrize(
    "said", ["喂？", "喂，你好，有什么事？", "为？"]
)  # ASR writes a lone 喂 as 为
def test_bare_wei_opening_fails_with_evidence(said):
    result = item(opening(said), "greeting")
    assert result.status == "fail" and result.points == 0
    assert (
        result.details["bare_opening"].text == said
        and result.details["bare_opening"].matched == "喂"
    )


def test_the_customers_wei_is_not_the_agents_opening():
    turns = [("customer", 0.2, 2.0, "喂，你好，是天霖汽车吗？")] + opening(
        "您好，天霖汽车，我是小周，请问有什么可以帮您？"
    )
    result = item(turns, "greeting")
    assert result.details["bare_opening"] is None and result.status == "pass"


def test_configured_company_heard_with_asr_errors_still_counts():
    result = item(
        opening("您好，欢迎这店铁领汽车，我是小周，请问有什么可以帮您？"),
        "greeting",
        company_names=("天霖汽车",),
    )
    company = result.details["parts"]["company"]
    assert (
        result.status == "pass"
        and company["value"] == "天霖汽车"
        and company["heard"] == "铁领汽车"
    )


def test_a_different_company_than_configured_needs_review():
    result = item(
        opening("您好，欢迎致电乐享家电，我是小周，请问有什么可以帮您？"),
        "greeting",
        company_names=("天霖汽车",),
    )
    assert result.status == "review" and result.details["parts"]["company"]["uncertain"]


def test_configured_agent_name_is_found_by_sound():
    result = item(
        opening("您好，欢迎致电天霖汽车，我是小邹，请问有什么可以帮您？"),
        "greeting",
        agent_name="小周",
    )
    assert result.status == "pass" and result.details["agent_name"] == "小周"


OUTBOUND = [
    ("agent", 0.2, 2.7, "您好，请问是李女士吗？"),
    ("customer", 3.0, 4.7, "对，我是。"),
    ("agent", 5.1, 14.0, "李女士您好，我是天霖汽车客户关系中心的小张，现在能耽误您几分钟时间吗？"),
    ("customer", 14.5, 15.5, "可以。"),
    ("agent", 16.0, 20.0, "请问车子保养以后开起来怎么样？"),
]


def test_outbound_greeting_confirms_identity_and_asks_for_time():
    result = item(OUTBOUND, "greeting", direction="outbound")
    assert result.status == "pass" and set(result.details["parts"]) == {
        "salutation",
        "confirm_identity",
        "agent_name",
        "ask_time",
    }
    assert result.details["parts"]["confirm_identity"]["value"] == "李女士"
    assert (result.details["agent_name"], result.details["company_name"]) == (
        "小张",
        "天霖汽车客户关系中心",
    )


def test_outbound_greeting_without_asking_for_time_fails_with_outbound_weights():
    turns = replace(
        OUTBOUND, 2, ("agent", 5.1, 14.0, "李女士您好，我是天霖汽车客户关系中心的小张。")
    )
    result = item(turns, "greeting", direction="outbound")
    assert result.status == "fail" and not result.details["parts"]["ask_time"]["found"]
    assert (result.points, result.max_points) == (
        17.5,
        25,
    )  # outbound: ask_time is 30 of the greeting's 25 points


def test_mono_recording_evidence_says_role_unknown():
    result = item(PERFECT, "greeting", mono=True)
    assert result.status == "pass" and {e.role for e in result.evidence} == {"unknown"}


def test_any_of_the_sites_agent_names_counts_when_the_calls_agent_is_not_known():
    from callreview.qc.checklist import CallInfo, check_transcript
    from callreview.qc.lexicon import load_lexicon
    from callreview.qc.scorecard import load_scorecard
    from callreview.transcript import Segment, Transcript

    text = "您好，欢迎致电天霖汽车，我是小周，请问有什么可以帮您"
    call = Transcript(
        "t.json", 30.0, 2, "script", "zh", "stereo", (Segment("agent", 0.0, 5.0, text, text),)
    )
    lexicon, scorecard = load_lexicon("zh-CN"), load_scorecard()
    review = check_transcript(call, lexicon, scorecard, CallInfo(agent_names=("小王", "小周")))
    agent = review.items["greeting"].to_dict()["parts"]["agent_name"]
    assert (agent["value"], agent["source"]) == ("小周", "configured")
