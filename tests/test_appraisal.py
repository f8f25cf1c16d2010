"""The monthly appraisal through the real ``callreview appraisal``: (evaluation + monitoring) / 2
with the seed's bands, on SQLite and PostgreSQL; a bad evaluation CSV is refused in one line."""

from __future__ import annotations

import json

import pytest
from fixtures.web_calls import fill_store
from fixtures.web_client import cli

from callreview.store import open_store
from callreview.team.appraisal import band
from callreview.team.finals import final_reviews
from callreview.team.people import People


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (100, "A"),
        (95, "A"),
        (94.9, "B"),
        (85, "B"),
        (84.5, "C"),
        (80, "C"),
        (79.9, "D"),
        (None, None),
    ],
)
def test_appraisal_bands_are_the_seeds(score, expected):
    assert band(score) == expected


@pytest.fixture
def december(store_url, tmp_path):
    """The filled store (its calls in November and December 2026), one override on a December
    call, and an evaluation CSV."""
    with open_store(store_url) as store:
        ids = fill_store(store, tmp_path, with_xss=False)
        people = People(store)
        people.override(ids["09_no_closing"], "closing", "pass", "heard it", people.user("rita"))
        finals = {
            f.call.id: f.score
            for f in final_reviews(store, store.calls(since="2026-12-01"), people.scorecard)
        }
    evaluation = tmp_path / "evaluation.csv"
    evaluation.write_text("agent,score\nA001,90\nA002,80\nA009,70\n", encoding="utf-8")
    return store_url, ids, finals, evaluation


def test_appraisal_joins_the_months_final_scores_with_the_evaluation(december, tmp_path):
    url, ids, finals, evaluation = december
    result = cli(
        "appraisal", "--month", "2026-12", "--evaluation", str(evaluation), "--json", "--db", url
    )
    assert result.returncode == 0, result.stderr
    rows = {r["agent"]: r for r in json.loads(result.stdout)}
    a001 = finals[ids["06_hold_no_permission"]]
    a002 = finals[ids["09_no_closing"]]  # the final score, after rita's override
    assert rows["A001"] == {
        "agent": "A001",
        "calls": 1,
        "monitoring": a001,
        "evaluation": 90.0,
        "appraisal": round((a001 + 90) / 2, 2),
        "band": band((a001 + 90) / 2),
    }
    assert rows["A002"]["monitoring"] == a002 == 100.0 and rows["A002"]["appraisal"] == 90.0
    assert rows["A002"]["band"] == "B"
    assert rows["A009"]["calls"] == 0 and rows["A009"]["appraisal"] is None  # no monitored call
    assert "A003" not in rows  # no December call, no evaluation


def test_appraisal_writes_xlsx_and_csv_through_the_one_writer(december, tmp_path):
    from openpyxl import load_workbook

    url, _, _, evaluation = december
    out, csv_out = tmp_path / "out.xlsx", tmp_path / "out.csv"
    result = cli(
        "appraisal", "--month", "2026-12", "--evaluation", str(evaluation),
        "--xlsx", str(out), "--csv", str(csv_out), "--db", url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    sheet = load_workbook(out).active
    assert sheet.title == "Appraisal 2026-12"
    rows = list(sheet.values)
    assert rows[0] == ("agent", "calls", "monitoring", "evaluation", "appraisal", "band")
    assert [r[0] for r in rows[1:]] == ["A001", "A002", "A009"]
    assert csv_out.read_text(encoding="utf-8").startswith("\ufeffagent,calls,monitoring")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,score\nA001,90\n", "line 1: the evaluation CSV needs the columns agent and score"),
        ("agent,score\nA001,90\nA002,ninety\n", "line 3: score 'ninety' of agent A002 is not a"),
        ("agent,score\nA001,190\n", "line 2: score 190 of agent A001 is outside 0 to 100"),
        ("agent,score\nA001,90\nA001,91\n", "line 3: agent A001 has a score already"),
        ("agent,score\n,90\n", "line 2: no agent"),
    ],
)
def test_appraisal_refuses_a_bad_evaluation_csv_in_one_line(tmp_path, text, message):
    bad = tmp_path / "evaluation.csv"
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "out.xlsx"
    result = cli(
        "appraisal", "--month", "2026-12", "--evaluation", str(bad), "--xlsx", str(out),
        "--db", str(tmp_path / "c.db"),
    )  # fmt: skip
    assert result.returncode == 4
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"callreview: error: {bad} {message}"), line
    assert not out.exists()


def test_appraisal_refuses_a_bad_month(tmp_path):
    result = cli("appraisal", "--month", "2026-13", "--evaluation", "x.csv")
    assert result.returncode == 4
    assert result.stderr.strip() == (
        "callreview: error: --month 2026-13: not a month; write it as YYYY-MM, e.g. 2026-12"
    )
