"""Custom items written only as scorecard TOML: each rule key judged as docs/scorecards.md says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from callreview.errors import ScorecardError
from callreview.qc.checklist import check_transcript
from callreview.qc.checks.context import CallInfo
from callreview.qc.lexicon import load_lexicon
from callreview.qc.scorecard import BUNDLED, load_scorecard
from callreview.transcript import Transcript
from tests.fixtures.dialogs import timed_segments

A, C = "agent", "customer"
LEX = load_lexicon("zh-CN")
OPEN = (A, "您好，欢迎致电天霖汽车，我是小周，请问有什么可以帮您？")
CLOSE = (A, "请问还有其他问题吗？感谢您的来电，再见。")


def judge(tmp_path: Path, rule: str, *steps: Any, direction: str = "inbound") -> Any:
    path = tmp_path / "card.toml"
    body = '\n[[items]]\nid = "x"\nlabel = "X 测试"\n' + rule + "\n"
    path.write_text(BUNDLED.read_text(encoding="utf-8") + body, encoding="utf-8")
    card = load_scorecard(path)
    card.check_lexicon(LEX)
    segments, end = timed_segments(steps, start=0.4, per_char=0.2, gap=0.6)
    data = {
        "schema": 2,
        "file": "x.wav",
        "duration_s": end + 2,
        "channels": 2,
        "model": "f",
        "language": "zh",
        "roles": "stereo",
        "segments": segments,
    }
    review = check_transcript(Transcript.from_dict(data), LEX, card, CallInfo(direction=direction))  # type: ignore[arg-type]
    return review, review.items["x"]


CASES = [
    # (rule, steps, status)
    ('weight = 5\nphrases = ["工单号"]', [OPEN, (A, "您的工单号是三零六。")], "pass"),
    ('weight = 5\nphrases = ["工单号"]', [OPEN, (A, "我帮您登记了。")], "fail"),
    (
        'weight = 5\nphrases = ["工单号"]\nhow = "must_not"',
        [OPEN, (A, "您的工单号是三零六。")],
        "fail",
    ),
    # first / last seconds and turns
    (
        'weight = 5\nphrases = ["工单号"]\nwhere = { first_s = 3 }',
        [OPEN, (A, "您的工单号是三零六。")],
        "fail",
    ),
    (
        'weight = 5\nphrases = ["工单号"]\nwhere = { last_turns = 1 }',
        [OPEN, (A, "您的工单号是三零六。")],
        "pass",
    ),
    (
        'weight = 5\nphrases = ["工单号"]\nwhere = { first_turns = 1 }',
        [OPEN, (A, "您的工单号是三零六。")],
        "fail",
    ),
    # at least N
    (
        'weight = 5\nphrases = ["王先生"]\nhow = "at_least"\ntimes = 2',
        [OPEN, (A, "王先生您好。"), (A, "王先生再见。")],
        "pass",
    ),
    (
        'weight = 5\nphrases = ["王先生"]\nhow = "at_least"\ntimes = 2',
        [OPEN, (A, "王先生您好。")],
        "fail",
    ),
    # who says it
    (
        'weight = 5\nphrases = ["工单号"]\nwho = "customer"',
        [OPEN, (A, "您的工单号是三零六。")],
        "fail",
    ),
    ('weight = 5\nphrases = ["工单号"]\nwho = "either"', [OPEN, (C, "我的工单号是多少？")], "pass"),
    # after the customer said something; N/A when they never did
    (
        'weight = 5\nfind = ["callback_promise"]\nwhere = { after_customer = ["回电"] }',
        [OPEN, (C, "你们给我回电吧。"), (A, "好的，明天给您回电。")],
        "pass",
    ),
    (
        'weight = 5\nfind = ["callback_promise"]\nwhere = { after_customer = ["回电"] }',
        [OPEN, (A, "好的，明天给您回电。")],
        "na",
    ),
    (
        'weight = 5\nfind = ["callback_promise"]\nwhere = { after_customer = ["回电"] }',
        [OPEN, (A, "我给您回电。"), (C, "那你们给我回电。")],
        "fail",
    ),
    # before / after another item's evidence
    (
        'weight = 5\nphrases = ["工单号"]\nwhere = { after = "greeting" }',
        [OPEN, (A, "您的工单号是三零六。")],
        "pass",
    ),
    (
        'weight = 5\nphrases = ["工单号"]\nwhere = { before = "closing" }',
        [OPEN, CLOSE, (A, "您的工单号是三零六。")],
        "fail",
    ),
    # around a hold: N/A with none
    (
        'weight = 5\nfind = ["hold.thanks"]\nwhere = { around_hold_s = 5 }',
        [OPEN, (A, "感谢您的耐心等待。")],
        "na",
    ),
    (
        'weight = 5\nfind = ["hold.thanks"]\nwhere = { around_hold_s = 5 }',
        [OPEN, (A, "请您稍等一下好吗？"), 12.0, (A, "感谢您的耐心等待。")],
        "pass",
    ),
    # applies: direction; when a condition is heard
    (
        'weight = 5\nphrases = ["工单号"]\napplies = "outbound"',
        [OPEN, (A, "您的工单号是三零六。")],
        "na",
    ),
    (
        'weight = 5\npatterns = ["{n:digits}点"]\nwhen = { find = ["callback_promise"] }\nwhere = { after_when = true, within_s = 10 }',
        [OPEN, (A, "三点前给您回电。")],
        "pass",
    ),
    (
        'weight = 5\npatterns = ["{n:digits}点"]\nwhen = { find = ["callback_promise"] }\nwhere = { after_when = true, within_s = 10 }',
        [OPEN, (A, "好的再见。")],
        "na",
    ),
    # a near miss: a sound-alike of a short phrase is uncertain, a person decides
    ('weight = 5\nphrases = ["工单"]', [OPEN, (A, "公单已经好了。")], "review"),
]


@pytest.mark.parametrize(("rule", "steps", "status"), CASES)
def test_a_rule_written_as_data_is_judged_by_its_keys(tmp_path, rule, steps, status) -> None:
    _, found = judge(tmp_path, rule, *steps)
    assert found.status == status, (rule, found.details)
    if status == "pass" and "must_not" not in rule:
        assert found.evidence and found.evidence[-1].similarity > 0


def test_an_item_adds_its_weight_and_a_critical_fail_scores_zero(tmp_path: Path) -> None:
    review, found = judge(tmp_path, 'weight = 20\nphrases = ["工单号"]', OPEN, CLOSE)
    assert (found.points, found.max_points) == (0, 20) and review.score is not None
    assert review.score < 100 * 80 / 100 + 1
    review, _ = judge(tmp_path, 'weight = 20\ncritical = true\nphrases = ["工单号"]', OPEN, CLOSE)
    assert review.score == 0


def test_when_another_item_fired(tmp_path: Path) -> None:
    path = tmp_path / "card.toml"
    path.write_text(
        BUNDLED.read_text(encoding="utf-8")
        + '\n[[items]]\nid = "risk"\nlabel = "R"\nkind = "flag"\nwho = "customer"\nfind = ["complaint_risk"]\nhow = "must_not"\n'
        + '\n[[items]]\nid = "soothe"\nlabel = "S"\nweight = 5\nphrases = ["非常抱歉"]\nwhen = "risk"\n',
        encoding="utf-8",
    )
    card = load_scorecard(path)
    for said, status in (("我要投诉。", "fail"), ("灯亮了。", "na")):
        segments, end = timed_segments(
            [OPEN, (C, said), (A, "好的。")], start=0.4, per_char=0.2, gap=0.6
        )
        data = {
            "schema": 2,
            "file": "x.wav",
            "duration_s": end,
            "channels": 2,
            "model": "f",
            "language": "zh",
            "roles": "stereo",
            "segments": segments,
        }
        review = check_transcript(Transcript.from_dict(data), LEX, card, CallInfo())
        assert review.items["soothe"].status == status, said


MALFORMED = [
    ('weight = 5\nphrases = ["x"]\nhow = "often"', "how: must be one of"),
    ('phrases = ["x"]', "missing 'weight'"),
    ("weight = 5", "says nothing to listen for"),
    ('weight = 5\nphrases = ["x"]\nwhen = "later"', "no custom item above"),
    ('weight = 5\nphrases = ["x"]\nwhere = { within_s = 3 }', "goes with after"),
    ('kind = "flag"\nweight = 3\nphrases = ["x"]', "a flag scores nothing"),
    ('weight = 5\nrule = "customer_hangs_up_first"\nphrases = ["x"]', "reads segment times"),
]


@pytest.mark.parametrize(("rule", "says"), MALFORMED)
def test_a_malformed_rule_is_one_line_with_the_file_and_line(tmp_path, rule, says) -> None:
    with pytest.raises(ScorecardError) as err:
        judge(tmp_path, rule, OPEN)
    message = str(err.value)
    assert "\n" not in message and "card.toml: line " in message and says in message
    assert "[[items]] 'x'" in message


def test_the_default_scorecard_has_only_the_five() -> None:
    card = load_scorecard(None)
    assert card.item_ids() == ("greeting", "customer_name", "hold", "forbidden", "closing")
    assert card.item_kind("hold") == "item" and card.item_label("hold") == "Hold 等候"
