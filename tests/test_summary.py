"""`callreview summary`: the QC meeting's figures per agent, week and item, read from a real store on both backends."""

from __future__ import annotations

import json

import pytest
from fixtures.qc_store import fill_team_store
from typer.testing import CliRunner

from callreview.cli import app
from callreview.qc.scorecard import load_scorecard
from callreview.store import CallMeta
from callreview.team.finals import final_reviews
from callreview.team.summary import summarize

runner = CliRunner()
WEEK48 = ["--since", "2026-11-23", "--until", "2026-11-29"]


@pytest.fixture
def team_store(fresh_store, tmp_path):
    """The team's two weeks (tests/fixtures/qc_store.py), plus a call never scored and a file that failed."""
    fill_team_store(fresh_store, tmp_path / "calls")
    fresh_store.register(
        "0" * 64, tmp_path / "calls" / "pending.flac", CallMeta(agent="小周", date="2026-11-25")
    )
    fresh_store.record_error(
        tmp_path / "calls" / "empty.flac", "empty.flac: the file is empty (0 bytes)"
    )
    return fresh_store


def summary(store_url, *args):
    result = runner.invoke(app, ["summary", "--db", store_url, *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


ITEMS_W48 = """\
items: failure rate = fail / (pass + fail)
item           pass  fail  na  review  fail rate
greeting         11     2   0       0     15.4 %
customer_name    11     2   0       0     15.4 %
hold              3     3   7       0     50.0 %
forbidden        11     1   0       1      8.3 %
closing          12     1   0       0      7.7 %

greeting and closing parts: not heard
part                 missed  uncertain  of calls  miss rate
greeting.salutation       2          0        13     15.4 %
greeting.company          2          0        13     15.4 %
greeting.agent_name       2          0        13     15.4 %
greeting.offer_help       2          0        13     15.4 %
closing.question          1          0        13      7.7 %
closing.thanks            1          0        13      7.7 %
closing.farewell          1          0        13      7.7 %

forbidden phrases, most frequent
phrase              hits  calls
不知道                 1      1
你别催我               1      1
你急也没用             1      1
我们的程序就是这样     1      1
这不可能               1      1
"""


def test_summary_by_agent_prints_the_weeks_figures_exactly(team_store, store_url, tmp_path):
    assert (
        summary(store_url, *WEEK48)
        == f"""\
13 calls · 2026-11-23 to 2026-11-28 · mean 86.1 · min 62.5 · 1 waiting for a person

by agent: calls, scores, calls per band, failure rate per item
agent  calls  mean   min  excellent  good  needs_improvement  below_standard  greeting  customer_name     hold  forbidden  closing  waiting
Wang       2  77.5  75.0          0     0                  1               1    50.0 %          0.0 %  100.0 %      0.0 %    0.0 %        0
小周       6  85.8  62.5          2     1                  2               1     0.0 %         16.7 %   33.3 %     16.7 %   16.7 %        0
小李       5  90.0  75.0          2     1                  1               1    20.0 %         20.0 %   50.0 %      0.0 %    0.0 %        1
all       13  86.1  62.5          4     2                  4               3    15.4 %         15.4 %   50.0 %      8.3 %    7.7 %        1

{ITEMS_W48}
waiting for a person: 1
call  agent  date        call_id  score  to review  file
  11  小李   2026-11-27  B05      100.0  forbidden  {tmp_path / "calls" / "小李_2026-11-27_B05.json"}
"""
    )


def test_summary_by_item_prints_only_the_item_figures(team_store, store_url):
    text = summary(store_url, "--by", "item", *WEEK48)
    assert text.startswith(
        "13 calls · 2026-11-23 to 2026-11-28 · mean 86.1 · min 62.5 · 1 waiting for a person\n\n"
        + ITEMS_W48
        + "\n"
    )
    assert "by agent" not in text and "by week" not in text


def test_summary_by_week_as_json(team_store, store_url, tmp_path):
    data = json.loads(summary(store_url, "--by", "week", "--json"))
    assert (data["by"], data["since"], data["until"], data["first_date"], data["last_date"]) == (
        "week",
        None,
        None,
        "2026-11-23",
        "2026-12-01",
    )
    assert data["band_labels"] == {
        "excellent": "优秀",
        "good": "良好",
        "needs_improvement": "需改进",
        "below_standard": "不合格",
    }
    assert [
        (g["key"], g["calls"], g["mean_score"], g["min_score"], g["waiting"])
        for g in data["groups"]
    ] == [
        ("2026-W48", 13, 86.1, 62.5, 1),
        ("2026-W49", 2, 96.9, 93.8, 1),
    ]
    w49 = data["groups"][1]
    assert w49["bands"] == {"excellent": 1, "good": 1, "needs_improvement": 0, "below_standard": 0}
    assert w49["items"]["hold"] == {"pass": 0, "fail": 0, "na": 1, "review": 1, "fail_rate": None}
    assert w49["items"]["greeting"] == {
        "pass": 1,
        "fail": 1,
        "na": 0,
        "review": 0,
        "fail_rate": 0.5,
    }
    assert w49["parts"]["greeting.offer_help"] == {
        "calls": 2,
        "missed": 1,
        "uncertain": 0,
        "miss_rate": 0.5,
    }
    assert w49["forbidden_phrases"] == []
    total = data["total"]
    assert (total["key"], total["calls"], total["no_score"], total["waiting"]) == ("all", 15, 0, 2)
    assert total["items"]["forbidden"] == {
        "pass": 13,
        "fail": 1,
        "na": 0,
        "review": 1,
        "fail_rate": 0.0714,
    }
    assert total["forbidden_phrases"][0] == {"phrase": "不知道", "hits": 1, "calls": 1}
    assert data["waiting"] == [
        {
            "id": 11,
            "agent": "小李",
            "date": "2026-11-27",
            "call_id": "B05",
            "file": str(tmp_path / "calls" / "小李_2026-11-27_B05.json"),
            "score": 100.0,
            "review_items": ["forbidden"],
        },
        {
            "id": 15,
            "agent": "小李",
            "date": "2026-12-01",
            "call_id": "B06",
            "file": str(tmp_path / "calls" / "小李_2026-12-01_B06.json"),
            "score": 100.0,
            "review_items": ["hold"],
        },
    ]


def test_summary_figures_are_typed_for_the_web_app(team_store):
    calls = team_store.calls(since="2026-11-23", until="2026-11-29", state="scored")
    figures = summarize(final_reviews(team_store, calls, load_scorecard()), "agent")
    zhou = next(g for g in figures.groups if g.key == "小周")
    assert (zhou.calls, round(zhou.mean_score, 2), zhou.min_score) == (6, 85.82, 62.5)
    assert zhou.item("hold").fail_rate == pytest.approx(1 / 3)
    assert [(p.phrase, p.hits) for p in zhou.phrases][:1] == [("不知道", 1)]
    assert [g.key for g in figures.groups] == ["Wang", "小周", "小李"]


def test_summary_of_a_range_without_calls(team_store, store_url):
    assert (
        summary(store_url, "--since", "2027-01-01", "--until", "2027-01-31")
        == "no scored calls from 2027-01-01 to 2027-01-31\n"
    )
    assert json.loads(summary(store_url, "--since", "2027-01-01", "--json"))["total"]["calls"] == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--since", "2026/11/23"],
            "--since 2026/11/23: not a date; write it as YYYY-MM-DD, e.g. 2026-11-23",
        ),
        (
            ["--until", "2026-02-30"],
            "--until 2026-02-30: no such day; write a real date as YYYY-MM-DD, e.g. 2026-11-23",
        ),
        (
            ["--since", "2026-11-29", "--until", "2026-11-23"],
            "--since 2026-11-29 is after --until 2026-11-23; swap them",
        ),
        (["--by", "team"], "--by team: group by one of agent, week, item"),
    ],
)
def test_summary_refuses_a_bad_option_in_one_line(tmp_path, args, message):
    db = tmp_path / "callreview.db"
    result = runner.invoke(app, ["summary", "--db", str(db), *args])
    assert (result.exit_code, result.stderr, result.stdout) == (
        4,
        f"callreview: error: {message}\n",
        "",
    )
    assert not db.exists()  # refused before the store is opened


def test_summary_by_week_keeps_a_call_date_written_otherwise_in_its_own_group(
    fresh_store, store_url, tmp_path
):
    from fixtures.qc_store import TeamCall

    fill_team_store(
        fresh_store,
        tmp_path / "calls",
        (
            TeamCall("小周", "2026-11-23", "A01", "01_perfect"),
            TeamCall("小周", "23.11.2026", "A02", "02_no_greeting"),
        ),
    )
    data = json.loads(summary(store_url, "--by", "week", "--json"))
    assert [(g["key"], g["calls"]) for g in data["groups"]] == [
        ("2026-W48", 1),
        ("23.11.2026 (not YYYY-MM-DD)", 1),
    ]
