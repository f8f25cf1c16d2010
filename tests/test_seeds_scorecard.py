"""The bundled ``seeds`` scorecard: each item the seeds name besides the five, table-driven from its
rule — passes, fails, N/A, and near misses the lexicon does not list — and ``callreview score
--scorecard seeds`` reporting every item with evidence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from callreview.qc.checklist import check_transcript
from callreview.qc.checks.context import CallInfo
from callreview.qc.lexicon import load_lexicon
from callreview.qc.scorecard import load_scorecard
from callreview.transcript import Transcript
from tests.fixtures.dialogs import timed_segments

A, C = "agent", "customer"
OPEN = (A, "您好，欢迎致电天霖汽车，我是小周，请问有什么可以帮您？")
CLOSE = (A, "请问还有其他问题吗？感谢您的来电，再见。")
LEX = load_lexicon("zh-CN")
SEEDS = load_scorecard("seeds")
CUSTOM = ("restate_request", "callback_time", "ask_whom", "polite_you")
CUSTOM += ("customer_hangs_up_first", "complaint_risk")


def call(*steps: Any, tail: float = 2.0, roles: str = "stereo") -> dict[str, Any]:
    segments, _ = timed_segments(steps, start=0.4, per_char=0.2, gap=0.6)
    if roles != "stereo":
        for s in segments:
            s["role"] = "unknown"
    return {
        "schema": 2,
        "file": "seeds.wav",
        "duration_s": round(segments[-1]["end"] + tail, 3),
        "channels": 2 if roles == "stereo" else 1,
        "model": "fixture",
        "language": "zh",
        "roles": roles,
        "segments": segments,
    }


def item(data: dict[str, Any], name: str, direction: str = "inbound") -> Any:
    review = check_transcript(
        Transcript.from_dict(data),
        LEX,
        SEEDS,
        CallInfo(direction=direction),  # type: ignore[arg-type]
    )
    return review.items[name]


CASES = [
    # (item, steps, expected status, why)
    (
        "restate_request",
        [OPEN, (C, "我的车灯一直亮。"), (A, "我跟您确认一下，您是说仪表灯一直亮对吗？"), CLOSE],
        "pass",
        "restated before the closing",
    ),
    (
        "restate_request",
        [OPEN, (C, "我的车灯一直亮。"), (A, "好的，我帮您登记。"), CLOSE],
        "fail",
        "never restated",
    ),
    (
        "restate_request",
        [OPEN, (C, "我的车灯一直亮。"), (A, "您的意思是仪表灯一直亮吧。"), CLOSE],
        "pass",
        "another listed wording",
    ),
    # near miss the lexicon does not list: 您说的是 is no restatement phrase of the set
    (
        "restate_request",
        [OPEN, (C, "我的车灯一直亮。"), (A, "好的好的，马上登记。"), CLOSE],
        "fail",
        "acknowledging is not restating",
    ),
    (
        "restate_request",
        [OPEN, (C, "我的车灯一直亮。"), (A, "我跟您确认一下，灯一直亮。")],
        "na",
        "no closing to be before",
    ),
    (
        "callback_time",
        [OPEN, (C, "灯一直亮。"), (A, "我查好后明天上午给您回电。"), CLOSE],
        "pass",
        "promise with a day",
    ),
    (
        "callback_time",
        [OPEN, (C, "灯一直亮。"), (A, "我查好后三点前给您回电。"), CLOSE],
        "pass",
        "promise with an hour",
    ),
    (
        "callback_time",
        [OPEN, (C, "灯一直亮。"), (A, "我查好后给您回电。"), CLOSE],
        "fail",
        "promise, no time",
    ),
    (
        "callback_time",
        [OPEN, (C, "灯一直亮。"), (A, "我查好后尽快给您回电。"), CLOSE],
        "fail",
        "尽快 is no time",
    ),
    (
        "callback_time",
        [OPEN, (C, "灯一直亮。"), (A, "您到店里看一下。"), CLOSE],
        "na",
        "no promise",
    ),
    (
        "ask_whom",
        [(A, "您好，天霖汽车，请问您找哪位？"), (C, "找王经理。"), CLOSE],
        "pass",
        "the polite question",
    ),
    ("ask_whom", [(A, "您好，天霖汽车，你找谁？"), (C, "找王经理。"), CLOSE], "fail", "谁"),
    (
        "ask_whom",
        [(A, "您好，天霖汽车，您找哪个？"), (C, "王经理。"), CLOSE],
        "fail",
        "000: 不用「谁」「个」",
    ),
    (
        "ask_whom",
        [OPEN, (C, "车是我朋友的。"), (A, "好的，车主是谁都可以来店里。"), CLOSE],
        "pass",
        "谁 without 找: no question of whom",
    ),
    ("polite_you", [OPEN, (C, "灯亮。"), (A, "您稍等，我帮您看看。"), CLOSE], "pass", "您 only"),
    ("polite_you", [OPEN, (C, "灯亮。"), (A, "你稍等，我帮你看看。"), CLOSE], "fail", "你"),
    (
        "polite_you",
        [OPEN, (C, "灯亮。"), (A, "你们店里的师傅会联系您。"), CLOSE],
        "pass",
        "你们 is plural: no polite form",
    ),
    (
        "polite_you",
        [OPEN, (C, "灯亮。"), (A, "您这个情况呢，我帮您看看。"), CLOSE],
        "pass",
        "呢 sounds near 你 but is not it",
    ),
    ("complaint_risk", [OPEN, (C, "你们再不修好我就投诉。"), CLOSE], "fail", "the flag fires"),
    ("complaint_risk", [OPEN, (C, "我要打12315。"), CLOSE], "fail", "12315"),
    ("complaint_risk", [OPEN, (C, "我要找工信部反映。"), CLOSE], "fail", "工信部"),
    ("complaint_risk", [OPEN, (C, "灯一直亮。"), CLOSE], "pass", "no risk"),
    (
        "complaint_risk",
        [OPEN, (C, "灯一直亮。"), (A, "如果不满意可以投诉。"), CLOSE],
        "pass",
        "the agent saying it is no customer risk",
    ),
]


@pytest.mark.parametrize(("name", "steps", "status", "why"), CASES)
def test_each_seeds_item_follows_its_rule(name, steps, status, why) -> None:
    found = item(call(*steps), name)
    assert found.status == status, (why, found.details, [e.text for e in found.evidence])
    absent = SEEDS.custom_item(name).how == "must_not"  # type: ignore[union-attr]
    if status == ("fail" if absent else "pass"):  # what it found is quoted
        assert found.evidence, why
    assert found.details["reason"], why


def test_ask_whom_applies_to_inbound_calls_only() -> None:
    steps = [(A, "您好，我是天霖汽车的小周，你找谁？"), (C, "嗯。"), CLOSE]
    assert item(call(*steps), "ask_whom", "outbound").status == "na"


def test_a_flag_scores_nothing_and_an_item_adds_its_weight() -> None:
    data = call(OPEN, (C, "我要投诉。"), (A, "我跟您确认一下，您是说灯亮。"), CLOSE)
    review = check_transcript(Transcript.from_dict(data), LEX, SEEDS, CallInfo())
    flag, restated = review.items["complaint_risk"], review.items["restate_request"]
    assert (flag.status, flag.points, flag.max_points, flag.details["kind"]) == (
        "fail",
        0,
        0,
        "flag",
    )
    assert (restated.points, restated.max_points) == (10, 10) and "kind" not in restated.details
    assert "kind" not in restated.to_dict() and flag.to_dict()["kind"] == "flag"


HANGUP = [
    ("the customer's farewell heard whole", 2.0, "pass"),
    ("the line drops on the customer's farewell", 0.1, "fail"),
]


@pytest.mark.parametrize(("why", "tail", "status"), HANGUP)
def test_customer_hangs_up_first_reads_the_segment_times(why, tail, status) -> None:
    data = call(OPEN, (C, "灯亮。"), CLOSE, (C, "好的谢谢再见"), tail=tail)
    found = item(data, "customer_hangs_up_first")
    assert found.status == status, why
    assert {e.role for e in found.evidence} == {"agent", "customer"}


def test_customer_hangs_up_first_passes_when_the_agent_talks_to_the_end() -> None:
    data = call(OPEN, (C, "灯亮。"), (C, "好的谢谢"), CLOSE, tail=0.1)
    assert item(data, "customer_hangs_up_first").status == "pass"


def test_customer_hangs_up_first_is_na_on_mono() -> None:
    data = call(OPEN, (C, "灯亮。"), CLOSE, (C, "再见"), tail=0.1, roles="mono-unknown")
    assert item(data, "customer_hangs_up_first").status == "na"


def test_score_with_the_seeds_scorecard_reports_every_item_with_evidence(tmp_path: Path) -> None:
    data = call(
        OPEN,
        (C, "我的车灯一直亮，再不修好我就投诉。"),
        (A, "我跟您确认一下，您是说仪表灯一直亮对吗？我查好后明天上午给您回电。"),
        CLOSE,
        (C, "好的再见"),
    )
    src = tmp_path / "call.json"
    src.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "callreview",
            "score",
            str(src),
            "--scorecard",
            "seeds",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    items = json.loads(out.read_text(encoding="utf-8"))["items"]
    assert tuple(items) == SEEDS.item_ids()
    for name in CUSTOM:
        assert items[name]["status"] in ("pass", "fail"), (name, items[name])
        assert items[name]["evidence"] or items[name]["reason"] == "not heard", name
    assert items["complaint_risk"]["status"] == "fail"
    assert "投诉" in items["complaint_risk"]["evidence"][0]["text"]
    assert items["callback_time"]["status"] == "pass"
