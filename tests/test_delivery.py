"""Delivery metrics: how the agent spoke — speech rate, interruptions, dead air, talk ratio — on transcript fixtures.

Every case is a small call whose timings say exactly what happened; no model.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO
from fixtures.calls import GREETING, PERFECT, call, lexicon, review, scorecard

from callreview.cli.render import render_review
from callreview.errors import LexiconError, ScorecardError
from callreview.qc.checklist import CallInfo, check_transcript
from callreview.qc.lexicon import BUNDLED_DIR, load_lexicon
from callreview.qc.scorecard import BUNDLED, load_scorecard
from callreview.results import ITEMS, METRICS

A, C = "agent", "customer"
COMPLAINT = (C, 6.5, 12.5, "我上个月买的净化器噪音很大，晚上根本睡不着，我想退货。")


def closed(*turns):
    """``turns`` and, half a second after the last ends, the agent's closing."""
    end = max(t[2] for t in turns) + 0.5
    return [*turns, (A, end, end + 3.0, "请问还有什么可以帮您？感谢您的来电，再见。")]


def metrics(turns, **info):
    return review(turns, **info).metrics


# --- interruptions ------------------------------------------------------------------

# The customer complains from 6.5 s to 12.5 s; the agent says something at the given time.
# (agent turn, interruptions, back-channels)
INTERRUPTIONS = [
    pytest.param((A, 10.0, 13.0, "这个您不用担心，运费我们来承担。"), 1, 0, id="talks-over-the-customer's-sentence"),
    pytest.param((A, 9.0, 10.2, "嗯嗯。"), 0, 1, id="嗯嗯-back-channel"),
    pytest.param((A, 9.0, 10.6, "嗯，好的，明白。"), 0, 1, id="嗯-好的-明白-back-channel"),
    pytest.param((A, 9.0, 10.3, "对对对。"), 0, 1, id="对对对-back-channel"),
    pytest.param((A, 9.0, 10.3, "恩，是的。"), 0, 1, id="恩-as-whisper-writes-嗯"),
    pytest.param((A, 9.0, 10.2, "啊。"), 0, 1, id="only-a-particle"),
    pytest.param((A, 11.8, 14.0, "好的我帮您看一下。"), 0, 0, id="overlap-0.7s-under-the-threshold"),
    pytest.param((A, 13.0, 15.0, "这个您不用担心。"), 0, 0, id="after-the-customer-finished"),
    pytest.param((A, 6.5, 9.0, "您好您好。"), 0, 0, id="same-start-is-not-mid-turn"),
    # word timings: only the words said while the customer still talks decide
    pytest.param((A, 11.0, 15.0, "嗯，好的，我帮您查一下订单。", [(11.0, 11.3, "嗯,"), (11.5, 12.0, "好的,"), (12.9, 15.0, "我帮您查一下订单。")]), 0, 1,
                 id="back-channel-then-the-answer-after-the-customer-stops"),
    pytest.param((A, 11.0, 15.0, "嗯，我帮您查一下订单。", [(11.0, 11.3, "嗯,"), (11.4, 15.0, "我帮您查一下订单。")]), 1, 0,
                 id="嗯-then-the-answer-over-the-customer"),
]  # fmt: skip


@pytest.mark.parametrize("agent, count, backchannels", INTERRUPTIONS)
def test_interruption_is_talking_over_the_customer_and_a_backchannel_is_none(
    agent, count, backchannels
):
    m = metrics(closed(GREETING, COMPLAINT, agent))
    assert (m.interruptions.count, m.interruptions.backchannels) == (count, backchannels)
    assert len(m.interruptions.faults) == count


def test_an_interruption_has_its_time_the_overlap_and_both_quotes_and_the_advice():
    m = metrics(closed(GREETING, COMPLAINT, (A, 10.0, 13.0, "这个您不用担心，运费我们来承担。")))
    (fault,) = m.interruptions.faults
    cut, agent = fault.evidence
    assert (fault.start, fault.end, fault.value, fault.seconds) == (10.0, 12.5, 2.5, 2.5)
    assert (cut.role, cut.text, cut.matched) == (
        "customer",
        "我上个月买的净化器噪音很大，晚上根本睡不着，我想退货。",
        "interrupted",
    )
    assert (agent.role, agent.start, agent.text, agent.matched) == (
        "agent",
        10.0,
        "这个您不用担心，运费我们来承担。",
        "interruption",
    )
    assert m.interruptions.suggestion == "请等客户说完再回应"


def test_the_customer_quote_is_the_sentence_being_said_when_the_agent_cut_in():
    long = (C, 6.5, 14.5, "我上个月买的净化器噪音很大。晚上根本睡不着。我想退货，运费谁出？")
    m = metrics(closed(GREETING, long, (A, 13.0, 15.0, "运费我们出。")))
    assert m.interruptions.faults[0].evidence[0].text == "我想退货，运费谁出？"


def test_interruption_threshold_is_the_scorecards(tmp_path):
    path = scorecard_with(tmp_path, "[delivery]\ninterruption_overlap_s = 0.5\n")
    transcript = call(closed(GREETING, COMPLAINT, (A, 11.8, 14.0, "好的我帮您看一下。")))
    assert (
        check_transcript(transcript, lexicon(), load_scorecard(path)).metrics.interruptions.count
        == 1
    )


def test_backchannels_are_the_lexicons_words_not_the_codes(tmp_path):
    """A lexicon without [delivery] knows no back-channel: 嗯嗯 over the customer is an interruption."""
    text = (BUNDLED_DIR / "zh-CN.toml").read_text(encoding="utf-8")
    start = text.index("[delivery]")
    bare = tmp_path / "bare.toml"
    bare.write_text(text[:start] + text[text.index("# ------", start) :], encoding="utf-8")
    transcript = call(closed(GREETING, COMPLAINT, (A, 9.0, 10.2, "嗯嗯。")))
    m = check_transcript(transcript, load_lexicon(bare), scorecard()).metrics
    assert (m.interruptions.count, m.interruptions.backchannels, m.interruptions.suggestion) == (
        1,
        0,
        None,
    )


def test_english_backchannels_come_from_the_english_lexicon():
    greeting = (A, 0.5, 4.0, "Thank you for calling Acme, this is Sam. How can I help you?")
    customer = (C, 4.5, 10.0, "My order never arrived and nobody answers my emails.")
    for said, count in (("Uh huh.", 0), ("Mm hmm, right.", 0), ("Let me stop you there.", 1)):
        m = review(
            [
                greeting,
                customer,
                (A, 7.0, 8.5, said),
                (A, 11.0, 14.0, "Is there anything else? Goodbye."),
            ],
            lang="en-US",
        ).metrics
        assert m.interruptions.count == count, said


# --- speech rate ----------------------------------------------------------------------

SIXTY = "退货流程是这样的您在订单页面点击申请退货选择质量问题上传噪音的视频提交以后我们会在一个工作日内审核审核通过快递员上门取件"
assert len(SIXTY) == 60


# (agent turns between the greeting and the close, fast stretches, their rate and seconds of speech)
FAST = [
    pytest.param([(A, 14.0, 22.0, SIXTY)], [(450.0, 8.0)], id="60-characters-in-8s-is-450-a-minute-for-8s"),
    pytest.param([(A, 14.0, 26.0, SIXTY)], [], id="the-same-in-12s-is-300-a-minute"),
    pytest.param([(A, 14.0, 17.0, SIXTY[:22])], [], id="fast-for-3s-only"),
    pytest.param([(A, 14.0, 17.0, SIXTY[:24]), (C, 17.2, 17.5, "好。"), (A, 18.0, 21.0, SIXTY[24:48])], [(480.0, 6.0)],
                 id="two-fast-turns-in-a-row-make-one-stretch"),
    pytest.param([(A, 14.0, 17.0, SIXTY[:24]), (A, 18.0, 24.0, SIXTY[24:48]), (A, 25.0, 28.0, SIXTY[:24])], [],
                 id="a-turn-at-an-easy-pace-breaks-the-stretch"),
    pytest.param([(A, 14.0, 17.0, SIXTY[:24]), (C, 17.2, 17.5, "好。"), (A, 18.0, 18.5, "好的。"), (A, 19.0, 22.0, SIXTY[24:48])], [(480.0, 6.0)],
                 id="a-turn-too-short-to-time-neither-counts-nor-breaks-it"),
    pytest.param([(A, 14.0, 34.0, SIXTY, [(14.0, 18.0, SIXTY[:30]), (30.0, 34.0, SIXTY[30:])])], [(450.0, 8.0)],
                 id="a-silence-inside-the-turn-is-not-speaking-time"),
]  # fmt: skip


@pytest.mark.parametrize("turns, stretches", FAST)
def test_a_fast_stretch_is_over_rate_max_for_more_than_fast_min_s(turns, stretches):
    m = metrics(closed(GREETING, COMPLAINT, *turns))
    assert [(round(f.value, 1), round(f.seconds, 2)) for f in m.speech_rate.faults] == stretches
    assert m.speech_rate.suggestion == ("请放慢语速" if stretches else None)


def test_speech_rate_per_turn_median_and_fastest():
    m = metrics(closed(GREETING, COMPLAINT, (A, 14.0, 22.0, SIXTY), (A, 23.0, 23.5, "好的。")))
    rate = m.speech_rate
    assert rate.role == "agent" and rate.unit == "characters"
    assert [
        (t.units, round(t.speech_s, 2), None if t.rate is None else round(t.rate))
        for t in rate.turns
    ] == [
        (29, 5.5, 316),
        (60, 8.0, 450),
        (2, 0.5, None),
        (18, 3.0, 360),
    ]
    assert round(rate.median) == 360  # of the three timed turns
    assert (rate.fastest.start, round(rate.fastest.rate)) == (14.0, 450)
    assert round(rate.overall) == round(109 * 60 / 17.0)
    (fault,) = rate.faults
    assert (
        fault.evidence[0].text.startswith("退货流程是这样的")
        and fault.evidence[0].matched == "speech_rate"
    )


def test_digits_count_one_character_each_as_said():
    said = metrics(closed(GREETING, (C, 6.5, 8.0, "尾号多少？"), (A, 8.5, 10.5, "尾号86532。")))
    spelled = metrics(
        closed(GREETING, (C, 6.5, 8.0, "尾号多少？"), (A, 8.5, 10.5, "尾号八六五三二。"))
    )
    assert said.speech_rate.turns[1].units == spelled.speech_rate.turns[1].units == 7


def test_english_speech_rate_counts_words():
    m = review(
        [
            (A, 0.5, 4.5, "Thank you for calling Acme, this is Sam. How can I help you?"),
            (C, 5.0, 6.0, "Hi."),
        ],
        lang="en-US",
    ).metrics
    assert (
        m.speech_rate.unit,
        m.speech_rate.turns[0].units,
        round(m.speech_rate.turns[0].rate),
    ) == ("words", 13, 195)


# --- dead air -------------------------------------------------------------------------------


def quiet_call(before: str, silence: float, customer: str = "好的。", words=None):
    """The greeting, the customer's question, the agent's words, the customer's reply, a silence, the agent back."""
    agent = (A, 14.0, 17.0, before) if words is None else (A, 14.0, 17.0, before, words)
    end = 17.5 + len(customer) * 0.25
    back = end + silence
    return closed(
        GREETING,
        (C, 6.5, 13.0, "我想查一下我的订单什么时候到。"),
        agent,
        (C, 17.5, end, customer),
        (A, back, back + 3, "查到了，明天下午送到。"),
    )


# (the agent's words before the silence, its seconds, dead air stretches, faults, announced holds left out)
DEAD_AIR = [
    pytest.param("好的。", 7, [7.0], 1, 0, id="7s-unannounced-is-dead-air-and-a-fault"),
    pytest.param("请您稍等一下好吗？", 7, [], 0, 1, id="7s-after-an-announced-hold-is-none"),
    pytest.param("我帮您查一下。", 7, [], 0, 1, id="7s-after-我帮您查一下-is-none"),
    pytest.param("好的。", 12, [12.0], 1, 0, id="12s-silent-hold-nobody-announced-is-dead-air"),
    pytest.param("好的。", 4, [4.0], 0, 0, id="4s-is-dead-air-but-no-fault"),
    pytest.param("好的。", 2, [], 0, 0, id="2s-is-a-pause"),
]  # fmt: skip


@pytest.mark.parametrize("before, silence, stretches, faults, holds", DEAD_AIR)
def test_dead_air_is_silence_of_both_parties_except_announced_holds(
    before, silence, stretches, faults, holds
):
    m = metrics(quiet_call(before, silence))
    assert [round(s.duration, 2) for s in m.dead_air.stretches] == stretches
    assert (len(m.dead_air.faults), len(m.dead_air.announced_holds)) == (faults, holds)
    assert m.dead_air.total_s == pytest.approx(
        sum(stretches)
    ) and m.dead_air.longest_s == pytest.approx(max(stretches, default=0))


def test_dead_air_reuses_the_hold_checks_holds():
    """The holds left out are exactly the hold check's announced ones, with its times."""
    r = review(quiet_call("请您稍等一下好吗？", 7))
    (hold,) = r.items["hold"].details["holds"]
    (left_out,) = r.metrics.dead_air.announced_holds
    assert hold["announced"] and (left_out.start, left_out.end) == (hold["start"], hold["end"])


def test_dead_air_fault_quotes_the_last_words_before_it_and_the_advice():
    m = metrics(quiet_call("好的。", 7, customer="那退款多久能到账？"))
    (fault,) = m.dead_air.faults
    assert (fault.start, fault.seconds) == (19.75, 7.0)
    assert [(e.role, e.text, e.matched) for e in fault.evidence] == [
        ("customer", "那退款多久能到账？", "before_dead_air")
    ]
    assert m.dead_air.suggestion.startswith("需要查询时先告知客户")


def test_dead_air_inside_one_segment_is_seen_from_word_timings():
    words = [(14.0, 14.5, "好的,"), (14.5, 15.0, "我看看。"), (23.0, 24.0, "查到了。")]
    turns = closed(
        GREETING,
        (C, 6.5, 13.0, "我想查一下我的订单什么时候到。"),
        (A, 14.0, 24.0, "好的，我看看。查到了。", words),
    )
    m = metrics(turns)
    assert [(s.start, s.end) for s in m.dead_air.stretches] == [(15.0, 23.0)]
    assert m.speech_rate.turns[1].speech_s == pytest.approx(2.0)


# Whisper's word timings stretch a turn's first word back over the silence before it and its
# last word (often one misplaced from the next turn: 请 of 请问您贵姓) over the silence after it.
@pytest.mark.parametrize(
    "words, speech_s",
    [
        ([(10.0, 10.4, "好的,"), (10.4, 11.0, "我看看")], 1.0),
        (
            [(9.0, 10.4, "好的,"), (10.4, 11.0, "我看看")],
            1.4,
        ),  # 好的 1.4 s → 0.8 (9.6–10.4): its start is cut
        (
            [(10.0, 10.4, "好的,"), (10.4, 11.0, "我看看"), (11.0, 11.9, "请")],
            1.4,
        ),  # 请 0.9 s → 0.4: its end is cut
    ],
    ids=[
        "as-said",
        "first-word-stretched-over-the-silence-before",
        "last-word-stretched-over-the-silence-after",
    ],
)
def test_a_word_lasts_at_most_char_max_s_per_character(words, speech_s):
    m = metrics(
        closed(
            GREETING,
            (C, 6.5, 8.5, "我想查一下。"),
            (A, words[0][0], words[-1][1], "".join(w[2] for w in words), words),
        )
    )
    assert m.speech_rate.turns[1].speech_s == pytest.approx(speech_s)


def test_a_stretched_first_word_is_no_interruption():
    """The customer stops at 12.5; Whisper starts the agent's first word (运费, 1.4 s long) at 11.3:
    taken as at most 0.8 s it starts at 11.9, 0.6 s before the customer stops — under the 1 s threshold."""
    words = [(11.3, 12.7, "运费"), (12.7, 14.5, "我们来承担")]
    m = metrics(closed(GREETING, COMPLAINT, (A, 11.3, 14.5, "运费我们来承担。", words)))
    assert (m.interruptions.count, m.interruptions.backchannels) == (0, 0)


# --- talk ratio --------------------------------------------------------------------------------


def test_talk_ratio_is_each_partys_speech_and_the_agents_share():
    m = metrics(PERFECT)
    assert (
        round(m.talk_ratio.agent_s, 1),
        round(m.talk_ratio.customer_s, 1),
        round(m.talk_ratio.agent_share, 1),
    ) == (25.3, 10.7, 70.3)
    assert m.talk_ratio.faults == ()


def test_an_agent_who_talks_most_of_the_call_is_a_fault():
    m = metrics(closed(GREETING, (C, 6.5, 7.0, "嗯。"), (A, 7.5, 30.0, SIXTY * 2)))
    (fault,) = m.talk_ratio.faults
    assert round(fault.value) == 98 and m.talk_ratio.suggestion == "多倾听客户，让客户把问题说完"


# --- mono ------------------------------------------------------------------------------------


def test_a_mono_call_reports_what_needs_no_roles_and_says_which_it_cannot():
    m = metrics(quiet_call("好的。", 7), mono=True)
    assert m.roles == "mono-unknown"
    assert m.speech_rate.role == "unknown" and m.speech_rate.median is not None
    assert [round(s.duration, 2) for s in m.dead_air.stretches] == [7.0]
    assert (m.interruptions, m.talk_ratio) == (None, None)
    assert set(m.unavailable) == {"interruptions", "talk_ratio"}
    assert m.unavailable["interruptions"].startswith("mono recording: who spoke when is not known")
    data = m.to_dict()
    assert data["interruptions"] is None and data["unavailable"]["talk_ratio"].endswith(
        "on two channels"
    )


def test_a_call_without_agent_speech_says_so():
    m = metrics([(C, 0.5, 3.0, "喂，有人吗？"), (C, 5.0, 6.0, "喂？")])
    assert m.speech_rate is None and m.unavailable["speech_rate"].startswith("no agent speech")
    assert m.interruptions.count == 0 and m.talk_ratio.agent_share == 0


# --- the review JSON ----------------------------------------------------------------------------


def test_metrics_are_a_new_key_beside_the_unchanged_checklist():
    data = review(PERFECT).to_dict()
    assert list(data) == [
        "file",
        "duration_s",
        "score",
        "band",
        "band_label",
        "profile",
        "needs_review",
        "items",
        "metrics",
        "delivery",
    ]
    assert list(data["items"]) == list(ITEMS)
    assert list(data["metrics"]) == ["roles", *METRICS, "unavailable"]
    assert data["delivery"] == {}  # information only by default: nothing counts toward the score
    assert data["score"] == 100.0
    json.dumps(data, ensure_ascii=False)


def test_metrics_can_be_left_out_for_speed():
    r = check_transcript(call(PERFECT), lexicon(), scorecard(), CallInfo(), metrics=False)
    assert r.metrics is None and r.to_dict()["metrics"] is None and r.score == 100.0


# --- the scorecard ---------------------------------------------------------------------------------


def scorecard_with(tmp_path, extra: str = "", weights: str = "") -> str:
    text = BUNDLED.read_text(encoding="utf-8")
    if weights:
        text = text.replace(
            "delivery_weights = { speech_rate = 0, interruptions = 0, dead_air = 0, talk_ratio = 0 }",
            weights,
            1,
        )
    if extra:
        text = (
            text.replace("[delivery]\n", "[delivery_replaced]\n", 1)
            if extra.startswith("[delivery]")
            else text
        )
        start = text.find("[delivery_replaced]")
        if start >= 0:
            end = text.index("\n\n", start)
            text = text[:start] + extra + text[end + 1 :]
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


INTERRUPTED = closed(GREETING, COMPLAINT, (A, 10.0, 13.0, "这个您不用担心，运费我们来承担。"))


@pytest.mark.parametrize(
    "weights, turns, status, points",
    [
        ("delivery_weights = { interruptions = 10 }", INTERRUPTED, "fail", 0.0),
        ("delivery_weights = { interruptions = 10 }", PERFECT, "pass", 10.0),
    ],
    ids=["an-interruption-loses-the-weight", "none-earns-it"],
)
def test_a_weighted_metric_is_an_item_that_counts_toward_the_score(
    tmp_path, weights, turns, status, points
):
    card = load_scorecard(scorecard_with(tmp_path, weights=weights))
    r = check_transcript(call(turns), lexicon(), card)
    plain = check_transcript(call(turns), lexicon(), scorecard())
    assert list(r.delivery) == ["interruptions"] and plain.delivery == {}
    item = r.delivery["interruptions"]
    assert (item.status, item.points, item.max_points, item.details["weight"]) == (
        status,
        points,
        10.0,
        10.0,
    )
    earned, counted = (
        sum(i.points for i in plain.items.values()),
        sum(i.max_points for i in plain.items.values()),
    )
    assert r.score == round(100 * (earned + points) / (counted + 10), 1)
    assert (r.score < plain.score) == (status == "fail")
    if status == "fail":
        assert sorted(e.matched for e in item.evidence) == ["interrupted", "interruption"]
        assert item.details["suggestion"] == "请等客户说完再回应"
    assert r.to_dict()["delivery"]["interruptions"]["status"] == status


def test_interruptions_max_allows_some(tmp_path):
    card = load_scorecard(
        scorecard_with(
            tmp_path,
            "[delivery]\ninterruptions_max = 1\n",
            "delivery_weights = { interruptions = 10 }",
        )
    )
    assert (
        check_transcript(call(INTERRUPTED), lexicon(), card).delivery["interruptions"].status
        == "pass"
    )


def test_a_weighted_fast_stretch_on_a_mono_call_needs_review_and_unmeasured_metrics_are_kept_out(
    tmp_path,
):
    card = load_scorecard(
        scorecard_with(tmp_path, weights="delivery_weights = { speech_rate = 5, talk_ratio = 5 }")
    )
    r = check_transcript(
        call(closed(GREETING, COMPLAINT, (A, 14.0, 22.0, SIXTY)), mono=True), lexicon(), card
    )
    assert (r.delivery["speech_rate"].status, r.delivery["speech_rate"].max_points) == (
        "review",
        0.0,
    )
    assert (r.delivery["talk_ratio"].status, r.delivery["talk_ratio"].max_points) == ("na", 0.0)
    assert r.delivery["talk_ratio"].details["reason"].startswith("mono recording")
    assert r.needs_review


def test_the_bundled_scorecard_documents_its_delivery_thresholds():
    d = load_scorecard().delivery
    assert (
        d.rate_max,
        d.fast_min_s,
        d.interruption_overlap_s,
        d.dead_air_min_s,
        d.dead_air_max_s,
        d.agent_share_max,
    ) == (380, 5, 1.0, 3, 5, 80)
    assert all(
        w == 0 for p in load_scorecard().profiles.values() for w in p.delivery_weights.values()
    )


@pytest.mark.parametrize(
    "extra, weights, message",
    [
        ("[delivery]\nrate_maximum = 300\n", "", "[delivery]: unknown key 'rate_maximum'; known keys: rate_max, fast_min_s, rate_min_turn_s, pause_s, char_max_s, "
         "interruption_overlap_s, interruptions_max, dead_air_min_s, dead_air_max_s, agent_share_max"),
        ("[delivery]\ndead_air_min_s = 0\n", "", "[delivery]: 'dead_air_min_s' must be a number 0.5-3600, not 0"),
        ("[delivery]\ninterruptions_max = 1.5\n", "", "[delivery]: 'interruptions_max' must be a whole number 0-10000, not 1.5"),
        ("", "delivery_weights = { interruption = 5 }", "[profiles.inbound].delivery_weights.interruption: unknown name 'interruption'; "
         "known: speech_rate, interruptions, dead_air, talk_ratio"),
        ("", "delivery_weights = { dead_air = 120 }", "[profiles.inbound].delivery_weights: 'dead_air' must be a number 0-100, not 120"),
    ],
    ids=["unknown-key", "out-of-range", "not-whole", "unknown-metric", "weight-out-of-range"],
)  # fmt: skip
def test_a_bad_delivery_table_is_refused_in_one_line(tmp_path, extra, weights, message):
    path = scorecard_with(tmp_path, extra, weights)
    with pytest.raises(ScorecardError) as err:
        load_scorecard(path)
    assert str(err.value) == f"{path}: {message}"


def test_a_bad_lexicon_delivery_table_is_refused_in_one_line(tmp_path):
    text = (
        (BUNDLED_DIR / "zh-CN.toml")
        .read_text(encoding="utf-8")
        .replace('rate_unit = "characters"', 'rate_unit = "syllables"')
    )
    path = tmp_path / "zh.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LexiconError) as err:
        load_lexicon(path)
    assert (
        str(err.value)
        == f"{path}: [delivery]: 'rate_unit' must be one of 'characters', 'words', not 'syllables'"
    )


# --- what the agent reads ---------------------------------------------------------------------------------


def test_the_agent_reads_one_line_per_metric_and_for_each_fault_when_and_what_to_do_instead():
    turns = closed(
        GREETING,
        COMPLAINT,
        (A, 10.0, 13.0, "这个您不用担心，运费我们来承担。"),
        (C, 13.5, 14.0, "好。"),
        (A, 14.5, 22.5, SIXTY),
        (C, 23.0, 25.0, "那退款多久能到账？"),
        (A, 32.0, 35.0, "三到五个工作日。"),
    )
    lines = render_review(review(turns)).splitlines()
    block = lines[lines.index("How the agent spoke 表达") + 1 :]
    assert block == [
        "INFO         –  Speech rate 语速  — median 316 characters/min, fastest 450 at 00:14 (agent); 1 fast stretch(es)",
        "               00:14–00:22 450 characters/min for 8.0 s of speech: 「退货流程是这样的您在订单页面点击申请退货选择质量问题上传噪音的视频提交以后我们会在一个工作日内审核审核通过快递员上门取件」",
        "               do instead: 请放慢语速",
        "INFO         –  Interruptions 抢话  — 1",
        "               00:10 talked over the customer for 2.5 s: 「这个您不用担心，运费我们来承担。」 over 「我上个月买的净化器噪音很大，晚上根本睡不着，我想退货。」",
        "               do instead: 请等客户说完再回应",
        "INFO         –  Dead air 静音  — 7 s in 1 stretch(es), longest 7 s",
        "               00:25–00:32 7 s of silence after the customer's 「那退款多久能到账？」",
        "               do instead: 需要查询时先告知客户：请您稍等一下好吗？静音时也可以说明进度",
        "INFO         –  Talk ratio 说话占比  — agent 73 % · customer 27 % (22 s / 8 s of speech)",
    ]


def test_a_weighted_metric_shows_its_status_and_points(tmp_path):
    card = load_scorecard(
        scorecard_with(tmp_path, weights="delivery_weights = { interruptions = 10 }")
    )
    text = render_review(check_transcript(call(INTERRUPTED), lexicon(), card))
    assert "FAIL      0/10  Interruptions 抢话  — 1" in text.splitlines()


def test_a_mono_call_says_which_metrics_it_could_not_measure():
    lines = render_review(review(quiet_call("好的。", 7), mono=True)).splitlines()
    at = lines.index("INFO         –  Interruptions 抢话  — not measured")
    assert lines[at + 1].startswith("               mono recording: who spoke when is not known")


def test_score_command_writes_the_metrics_in_the_json_and_prints_them():
    truth = REPO / "audio_samples" / "truth" / "14_interrupt_fast.json"
    result = subprocess.run(
        [sys.executable, "-m", "callreview", "score", str(truth), "--json", "-"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["metrics"]["interruptions"]["count"] == 1 and data["delivery"] == {}
    shown = subprocess.run(
        [sys.executable, "-m", "callreview", "score", str(truth)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert (
        "do instead: 请放慢语速" in shown.stdout
        and "do instead: 请等客户说完再回应" in shown.stdout
    )
