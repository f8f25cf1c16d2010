"""Redaction of personal data: what is masked (and what is not), across words and turns, with
its label and time; the checks still judge the unredacted call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO
from fixtures.calls import call
from fixtures.personal import KINDS, SITE_PATTERNS, VALUES, personal_call

from callreview.errors import SettingsError
from callreview.privacy import Rules, redact, site_patterns
from callreview.privacy.checks import id_number_ok, luhn_ok
from callreview.privacy.detect import find
from callreview.review import Reviewer
from callreview.settings import load_settings
from callreview.transcript import Transcript

RULES = site_patterns(SITE_PATTERNS)


def masked(text: str) -> str:
    out, at = [], 0
    for hit in find(text, RULES.patterns):
        out += [text[at : hit.start], hit.label]
        at = hit.end
    return "".join(out) + text[at:]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的手机是13912345678", "我的手机是[手机号]"),
        ("手机 139-1234-5678 谢谢", "手机 [手机号] 谢谢"),
        ("幺三九一二三四五六七八", "[手机号]"),
        ("一八六，两零零八，洞洞幺幺", "[手机号]"),
        ("号码是+86 139 1234 5678", "号码是+[手机号]"),
        ("一三九一二三四五六七八两个号码", "[手机号]两个号码"),
        ("座机010-62345678", "座机[座机号]"),
        ("身份证11010519491231002X", "身份证[身份证号]"),
        ("卡号6222 0202 0011 2345 679", "卡号[银行卡号]"),
        ("发到zhang.wei@example.com吧", "发到[邮箱]吧"),
        ("车牌京A12345和粤B·D12345", "车牌[车牌号]和[车牌号]"),
        ("车牌沪A一二三四五", "车牌[车牌号]"),
        ("保单号BX20231234", "保单号[保单号]"),
    ],
)
def test_each_kind_is_masked_with_its_label(text: str, expected: str) -> None:
    assert masked(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "身份证11010519491231002Y",  # check character wrong
        "身份证110105194912310021",  # check digit wrong
        "卡号6222 0202 0011 2345 678",  # Luhn fails
        "户号是三七五二零一九",  # an account number, not a phone number
        "手机尾号是五六七八",  # four digits say nothing about whom
        "一共一千二百三十四块",  # an amount
        "订单12345678901234",  # 14 digits: none of the kinds
        "工号幺零二三",
        "请您稍等一下，一二三",
        "京东的快递",  # a province's abbreviation alone
    ],
)
def test_what_only_looks_like_personal_data_stays(text: str) -> None:
    assert masked(text) == text


def test_checksums() -> None:
    assert id_number_ok("11010519491231002X")
    assert id_number_ok("11010519491231002x")
    assert not id_number_ok("110105194913310029")  # month 13
    assert luhn_ok("4539578763621486")
    assert not luhn_ok("4539578763621487")


def test_a_number_said_across_two_turns_is_one_number() -> None:
    t = call(
        [
            ("customer", 10.0, 12.0, "我的手机号是幺三九，"),
            ("agent", 12.1, 12.4, "嗯。"),
            ("customer", 12.6, 14.0, "一二三四，五六七八。"),
        ]
    )
    shown = redact(t)
    assert [s.text for s in shown.transcript.segments] == [
        "我的手机号是[手机号]，",
        "嗯。",
        "[手机号]。",
    ]
    (r,) = shown.redactions
    assert (r.label, r.kind, r.role) == ("[手机号]", "mobile", "customer")
    assert 10.0 < r.start < 12.0 and 13.5 < r.end <= 14.0  # in proportion: no word timings


def test_turns_far_apart_are_not_joined() -> None:
    t = call([("customer", 0.0, 2.0, "幺三九"), ("customer", 30.0, 33.0, "一二三四五六七八")])
    assert redact(t).redactions == ()


def test_the_fixture_call_masks_every_value_with_its_label_and_time() -> None:
    t = Transcript.from_dict(personal_call())
    shown = redact(t, rules=RULES)
    assert tuple(r.kind for r in shown.redactions) == KINDS
    text = json.dumps(
        shown.to_dict() if shown.review else shown.transcript_dict(), ensure_ascii=False
    )
    for value in VALUES:
        assert value not in text
    for r in shown.redactions:
        assert r.label in text and 0 < r.start < r.end < t.duration_s
    words = "".join(w.text for s in shown.transcript.segments for w in s.words)
    assert "5678" not in words and "一二三四五" not in words and "[手机号]" in words


def test_redaction_never_changes_the_score(tmp_path: Path) -> None:
    source = tmp_path / "bank_call.json"
    source.write_text(json.dumps(personal_call(), ensure_ascii=False), encoding="utf-8")
    done = Reviewer().review_file(source)
    shown = redact(done.transcript, done.review, RULES).review
    assert shown is not None
    assert shown.score == done.review.score and shown.band == done.review.band
    assert {k: (v.status, v.points) for k, v in shown.items.items()} == {
        k: (v.status, v.points) for k, v in done.review.items.items()
    }


def test_no_false_redaction_on_the_eval_truth_transcripts() -> None:
    """The 47 truth transcripts hold account numbers (户号) and tails of phone numbers (尾号),
    none a whole number of any kind: nothing is masked, and no score moves."""
    files = sorted((REPO / "eval" / "truth").glob("*.json"))
    assert len(files) == 47
    reviewer = Reviewer()
    masked_count = 0
    for path in files:
        done = reviewer.review_file(path)
        shown = redact(done.transcript, done.review)
        masked_count += len(shown.redactions)
        assert shown.review is not None and shown.review.score == done.review.score
    assert masked_count == 0


def test_site_patterns_come_from_the_settings(tmp_path: Path) -> None:
    (tmp_path / "callreview.toml").write_text('[redact_patterns]\n"会员号" = "VIP\\\\d{6}"\n')
    settings = load_settings(tmp_path / "callreview.toml")
    assert settings.redact_patterns == (("会员号", "VIP\\d{6}"),)
    rules = site_patterns(dict(settings.redact_patterns))
    assert find("会员VIP123456", rules.patterns)[0].label == "[会员号]"


def test_a_bad_site_pattern_is_one_clear_line() -> None:
    with pytest.raises(SettingsError, match=r"redact_patterns.x is not a regular expression"):
        site_patterns({"x": "("})


def test_rules_without_patterns_still_mask_the_built_in_kinds() -> None:
    assert find("13912345678", Rules().patterns)[0].kind == "mobile"
