"""Scorecard: weights, n/a and review kept out, deductions capped, bands at 95/90/80, refusals in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.calls import PERFECT, review, scorecard, talk

from callreview.errors import ScorecardError
from callreview.qc.checks.context import Finding
from callreview.qc.scorecard import BUNDLED, load_scorecard

DEFAULT = BUNDLED.read_text(encoding="utf-8")


def test_default_weights_sum_to_100_for_both_profiles():
    sc = load_scorecard()
    assert dict(sc.profile("inbound").weights) == {
        "greeting": 20,
        "customer_name": 15,
        "hold": 20,
        "forbidden": 30,
        "closing": 15,
    }
    assert sum(sc.profile("outbound").weights.values()) == 100
    assert (sc.thresholds.name_count, sc.thresholds.hold_gap_s) == (2, 10)


@pytest.mark.parametrize(
    "score, band, label",
    [(100, "excellent", "优秀"), (95, "excellent", "优秀"), (94.9, "good", "良好"), (90, "good", "良好"),
     (89.9, "needs_improvement", "需改进"), (80, "needs_improvement", "需改进"), (79.9, "below_standard", "不合格"), (0, "below_standard", "不合格")],
)  # fmt: skip
def test_bands_at_the_seed_boundaries(score, band, label):
    found = scorecard().band(score)
    assert (found.name, found.label) == (band, label)


def findings(**statuses):
    details = {
        "greeting": {
            "parts": {
                p: {"found": True} for p in ("salutation", "company", "agent_name", "offer_help")
            }
        },
        "closing": {"parts": {p: {"found": True} for p in ("question", "thanks", "farewell")}},
        "hold": {"holds": [{"permission": True, "thanked": True}]},
        "forbidden": {"hits": []},
        "customer_name": {},
    }
    return [Finding(name, statuses.get(name, "pass"), (), details[name]) for name in details]


def total(fs, profile="inbound"):
    sc = scorecard()
    items = {f.name: sc.item_result(f, sc.profile(profile)) for f in fs}
    return sc.total(items), items


def test_na_item_is_excluded_from_the_maximum_and_the_score_scaled():
    fs = findings(hold="na", customer_name="fail")
    score, items = total(fs)
    assert (items["hold"].points, items["hold"].max_points) == (0, 0)
    assert score == round(100 * 65 / 80, 1)  # 15 of the 80 points that count were lost


def test_review_item_is_kept_out_of_the_score():
    score, items = total(findings(customer_name="review"))
    assert (items["customer_name"].max_points, score) == (0, 100)


def test_forbidden_deductions_per_hit_with_a_cap():
    for hits, points in [(0, 30), (1, 20), (2, 10), (3, 0), (7, 0)]:
        fs = findings(forbidden="fail" if hits else "pass")
        fs[3] = Finding("forbidden", fs[3].status, (), {"hits": [{"phrase": "不知道"}] * hits})
        assert total(fs)[1]["forbidden"].points == points


def test_no_item_judged_gives_no_score():
    score, _ = total(
        findings(
            greeting="review",
            customer_name="review",
            hold="na",
            forbidden="review",
            closing="review",
        )
    )
    assert score is None


def test_whole_call_scores_and_flags_review():
    turns = PERFECT[:-1] + talk(("customer", "好的。"), start=PERFECT[-1][1])
    lost = [
        ("agent", turns[-1][2] + 0.5, turns[-1][2] + 3.0)
    ]  # the agent spoke after it, the transcript has no words
    result = review(turns, unheard=lost)
    assert result.items["closing"].status == "review" and result.needs_review
    assert (result.score, result.band) == (
        100.0,
        "excellent",
    )  # the judged 85 points are all earned


def test_outbound_profile_uses_its_own_weights():
    _, items = total(findings(), profile="outbound")
    assert {k: i.max_points for k, i in items.items()} == {
        "greeting": 25,
        "customer_name": 15,
        "hold": 10,
        "forbidden": 30,
        "closing": 20,
    }


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_critical_phrase_scores_the_whole_call_zero(tmp_path):
    sc = load_scorecard(
        write(tmp_path, DEFAULT.replace("critical = []", 'critical = ["你什么态度"]'))
    )
    fs = findings(forbidden="fail")
    fs[3] = Finding("forbidden", "fail", (), {"hits": [{"phrase": "你什么态度"}]})
    items = {f.name: sc.item_result(f, sc.profile("inbound")) for f in fs}
    assert (sc.total(items), items["forbidden"].details["critical"]) == (0.0, ["你什么态度"])


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda s: s.replace("greeting = 20, customer_name = 15", "greeting = 25, customer_name = 15"),
         "[profiles.inbound].weights: must sum to 100, not 105 (greeting 25 + customer_name 15 + hold 20 + forbidden 30 + closing 15)"),
        (lambda s: s.replace("hold = 20, forbidden = 30", "hold = 20, forbiden = 30"),
         "[profiles.inbound].weights.forbiden: unknown name 'forbiden'; known: greeting, customer_name, hold, forbidden, closing"),
        (lambda s: s.replace("name_count = 2 ", "name_count = -1 "),
         "[thresholds]: 'name_count' must be a whole number 0-100, not -1"),
        (lambda s: s.replace('label = "不合格"\nmin = 0', 'label = "不合格"\nmin = 70'),
         "bands: the lowest band ('below_standard') must have min = 0 so every score has a band"),
        (lambda s: s.replace("cut_tolerance_s = 0.3 ", "closing_tail_s = 10 "),
         "[thresholds]: 'closing_tail_s' is gone: the closing now tells a lost last turn from the speech the recording holds (see docs/result-format.md); delete the line"),
        (lambda s: s.replace("deduction = 10", "deduction = ten"),
         "line 23, column 13: invalid value; fix the TOML syntax"),
    ],
)  # fmt: skip
def test_malformed_scorecard_is_refused_with_one_line(tmp_path, edit, message):
    path = write(tmp_path, edit(DEFAULT))
    with pytest.raises(ScorecardError) as err:
        load_scorecard(path)
    assert str(err.value) == f"{path}: {message}"


def test_missing_scorecard_file_is_refused(tmp_path):
    with pytest.raises(
        ScorecardError, match=r"nope\.toml: no such scorecard file; check the path$"
    ):
        load_scorecard(tmp_path / "nope.toml")


def test_a_critical_phrase_the_lexicon_does_not_have_is_refused(tmp_path):
    from callreview.qc.lexicon import load_lexicon

    path = write(tmp_path, DEFAULT.replace("critical = []", 'critical = ["你什么太度"]'))
    with pytest.raises(ScorecardError) as err:
        load_scorecard(path).check_lexicon(load_lexicon("zh-CN"))
    assert str(err.value) == (
        f"{path}: [forbidden].critical: '你什么太度' is not a [[forbidden]] phrase of lexicon zh-CN; use the phrase exactly as the lexicon writes it"
    )
    load_scorecard(
        write(tmp_path, DEFAULT.replace("critical = []", 'critical = ["你什么态度"]'))
    ).check_lexicon(load_lexicon("zh-CN"))


def test_a_part_with_no_share_is_not_required(tmp_path):
    # A site whose IVR announces the company and the agent's number before the agent speaks.
    ivr = DEFAULT.replace("greeting_parts = { salutation = 25, company = 25, agent_name = 25, offer_help = 25 }",
                          "greeting_parts = { salutation = 50, company = 0, agent_name = 0, offer_help = 50 }")  # fmt: skip
    sc = load_scorecard(write(tmp_path, ivr))
    turns = [("agent", 0.5, 3.0, "您好，很高兴为您服务。")] + PERFECT[1:]
    from fixtures.calls import call, lexicon

    from callreview.qc.checklist import CallInfo, check_transcript

    site = check_transcript(call(turns), lexicon(), sc, CallInfo()).items["greeting"]
    default = review(turns).items["greeting"]
    assert (site.status, site.points, site.details["not_required"]) == (
        "pass",
        20,
        ["company", "agent_name"],
    )
    assert (default.status, default.points) == ("fail", 10)
