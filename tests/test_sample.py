"""`callreview sample`: a week's calls for human QC (seed 004: 5–15 %, at least 3 per agent, random,
spread over the day), reproducible with a seed and saved in the store, on both backends."""

from __future__ import annotations

import json
import random

import pytest
from fixtures.qc_store import fill_team_store
from typer.testing import CliRunner

from callreview.cli import app
from callreview.store import CallBrief
from callreview.team.sampling import draw, quota, systematic

runner = CliRunner()


@pytest.fixture
def team_store(fresh_store, tmp_path):
    fill_team_store(fresh_store, tmp_path / "calls")
    return fresh_store


def sample(store_url, *args, code=0):
    result = runner.invoke(app, ["sample", "--db", store_url, *args])
    assert result.exit_code == code, result.stderr
    return result


def picks(store_url, *args) -> list[int]:
    return [p["id"] for p in json.loads(sample(store_url, "--json", *args).stdout)["picks"]]


def test_sample_prints_the_picks_and_saves_them_as_a_named_sample(team_store, store_url, tmp_path):
    calls = tmp_path / "calls"
    result = sample(
        store_url, "--rate", "0.1", "--min-per-agent", "3", "--week", "2026-W48", "--seed", "7"
    )
    assert (
        result.stdout
        == f"""\
sample 2026-W48: 8 of 13 calls (61.5 %) · 2026-W48 (2026-11-23 to 2026-11-29) · rate 0.1, at least 3 per agent · seed 7

agent  calls  picked
Wang       2       2
小周       6       3
小李       5       3

call  agent  date        time      call_id  score  file
   1  小周   2026-11-23  09:05:00  A01      100.0  {calls / "小周_2026-11-23_A01.json"}
   8  小李   2026-11-24            B02       85.0  {calls / "小李_2026-11-24_B02.json"}
  12  Wang   2026-11-24            C01       75.0  {calls / "Wang_2026-11-24_C01.json"}
  10  小李   2026-11-26            B04      100.0  {calls / "小李_2026-11-26_B04.json"}
   5  小周   2026-11-26  11:20:00  A05       81.2  {calls / "小周_2026-11-26_A05.json"}
  11  小李   2026-11-27            B05      100.0  {calls / "小李_2026-11-27_B05.json"}
   6  小周   2026-11-27  15:00:00  A06      100.0  {calls / "小周_2026-11-27_A06.json"}
  13  Wang   2026-11-28            C02       80.0  {calls / "Wang_2026-11-28_C02.json"}

saved as sample '2026-W48'
"""
    )
    assert team_store.samples() == ["2026-W48"]
    assert team_store.sample("2026-W48") == [1, 5, 6, 8, 10, 11, 12, 13]


def test_sample_shows_the_final_score_of_a_call_a_person_changed(team_store, store_url):
    from callreview.team.people import People

    people = People(team_store)
    rita = people.add_user("rita", "reviewer", "correct horse 9")
    people.override(13, "hold", "pass", "the customer agreed to wait", rita)  # C02: 80 → 100
    got = json.loads(sample(store_url, "--json", "--week", "2026-W48", "--seed", "7").stdout)
    c02 = next(p for p in got["picks"] if p["call_id"] == "C02")  # Wang's two calls: both picked
    assert (c02["score"], c02["band"]) == (100.0, "excellent")
    c01 = next(p for p in got["picks"] if p["call_id"] == "C01")
    assert (c01["score"], c01["band"]) == (75.0, "below_standard")  # nobody reviewed it


def test_sample_same_seed_same_picks_another_seed_other_picks(team_store, store_url):
    week = ("--week", "2026-W48")
    assert (
        picks(store_url, *week, "--seed", "7")
        == picks(store_url, *week, "--seed", "7")
        == [1, 8, 12, 10, 5, 11, 6, 13]
    )
    assert picks(store_url, *week, "--seed", "8") == [2, 8, 12, 3, 9, 4, 11, 13]
    assert team_store.sample("2026-W48") == [
        2,
        3,
        4,
        8,
        9,
        11,
        12,
        13,
    ]  # the latest pick replaced the earlier one


def test_sample_without_a_seed_reports_the_one_it_drew_so_the_pick_can_be_repeated(
    team_store, store_url
):
    first = json.loads(sample(store_url, "--week", "2026-W48", "--json").stdout)
    again = picks(store_url, "--week", "2026-W48", "--seed", str(first["seed"]))
    assert again == [p["id"] for p in first["picks"]]


@pytest.mark.parametrize(
    "rate, minimum, per_agent",
    [
        ("0.1", "3", {"Wang": 2, "小周": 3, "小李": 3}),  # Wang took only 2 calls: both
        ("0.05", "0", {"Wang": 1, "小周": 1, "小李": 1}),  # ceil(5 % of each agent's calls)
        ("0.15", "1", {"Wang": 1, "小周": 1, "小李": 1}),
        ("0.15", "5", {"Wang": 2, "小周": 5, "小李": 5}),
    ],
)
def test_sample_gives_each_agent_their_minimum(team_store, store_url, rate, minimum, per_agent):
    data = json.loads(
        sample(
            store_url,
            "--week",
            "2026-W48",
            "--seed",
            "1",
            "--rate",
            rate,
            "--min-per-agent",
            minimum,
            "--json",
        ).stdout
    )
    assert {a["agent"]: a["picked"] for a in data["agents"]} == per_agent
    picked = [p["agent"] for p in data["picks"]]
    assert {agent: picked.count(agent) for agent in per_agent} == per_agent


def test_sample_spreads_an_agents_picks_over_the_day(team_store):
    """小周's six calls by time of day: 09:05 (1), 10:10 (3), 11:20 (5), 14:30 (2), 15:00 (6), 16:45 (4).
    Three picks, one every second call from a random start: always early, midday and late."""
    seen = set()
    for seed in range(20):
        _, picked = draw(
            team_store.briefs(since="2026-11-23", until="2026-11-29", state="scored"),
            0.1,
            3,
            seed,
            "2026-W48",
        )
        seen.add(frozenset(p.id for p in picked if p.agent == "小周"))
    assert seen == {frozenset({1, 5, 6}), frozenset({3, 2, 4})}


def test_systematic_pick_takes_one_call_from_each_stretch_of_the_day():
    day = [
        CallBrief(
            i + 1,
            f"{i}.flac",
            "小周",
            None,
            "2026-11-23",
            90.0,
            "good",
            False,
            {"time": f"{8 + i // 4}:{15 * (i % 4):02d}"},
        )
        for i in range(40)
    ]
    random.Random(3).shuffle(day)
    for seed in range(10):
        quotas, picked = draw(day, 0.1, 3, seed, "2026-W48")
        assert [(q.agent, q.calls, q.picked) for q in quotas] == [("小周", 40, 4)]
        minutes = sorted(int(p.time[:2]) * 60 + int(p.time[3:5]) for p in picked)
        assert [(m - 8 * 60) // 150 for m in minutes] == [
            0,
            1,
            2,
            3,
        ]  # one each in 08:00–10:15, 10:30–12:45, 13:00–15:15, 15:30–17:45


@pytest.mark.parametrize(
    "calls, rate, minimum, expected",
    [
        (2, 0.1, 3, 2),
        (6, 0.1, 3, 3),
        (30, 0.1, 3, 3),
        (31, 0.1, 3, 4),
        (100, 0.15, 3, 15),
        (40, 0.05, 0, 2),
        (0, 0.1, 3, 0),
    ],
)
def test_quota_is_the_rate_rounded_up_at_least_the_minimum_at_most_all(
    calls, rate, minimum, expected
):
    assert quota(calls, rate, minimum) == expected


def test_systematic_positions_are_distinct_and_in_range():
    for n, k in [(1, 1), (5, 3), (7, 7), (100, 13)]:
        positions = systematic(n, k, random.Random(n * k))
        assert (
            len(set(positions)) == k
            and all(0 <= p < n for p in positions)
            and positions == sorted(positions)
        )


def test_sample_defaults_to_the_latest_week_and_can_be_named(team_store, store_url):
    data = json.loads(sample(store_url, "--seed", "2", "--name", "W49 回访", "--json").stdout)
    assert (data["name"], data["week"], data["volume"], data["replaced"]) == (
        "W49 回访",
        "2026-W49",
        2,
        False,
    )
    assert [p["call_id"] for p in data["picks"]] == ["A07", "B06"]
    assert team_store.sample("W49 回访") == [14, 15]
    again = sample(store_url, "--seed", "2", "--name", "W49 回访")
    assert again.stdout.endswith(
        "saved as sample 'W49 回访' (replacing the earlier one of that name)\n"
    )
    assert team_store.samples() == ["W49 回访"]


def test_sample_outside_5_to_15_percent_needs_force(team_store, store_url):
    refused = sample(store_url, "--week", "2026-W48", "--rate", "0.2", code=4)
    assert refused.stderr == (
        "callreview: error: --rate 0.2: QC monitoring samples 5–15 % of a week's calls (seed 004); "
        "give a rate from 0.05 to 0.15, or add --force to use 0.2\n"
    )
    assert team_store.samples() == []
    forced = json.loads(
        sample(
            store_url, "--week", "2026-W48", "--rate", "0.5", "--force", "--seed", "1", "--json"
        ).stdout
    )
    assert {a["agent"]: a["picked"] for a in forced["agents"]} == {"Wang": 2, "小周": 3, "小李": 3}


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--week", "2026-48"],
            "--week 2026-48: not an ISO week; write it as YYYY-Www, e.g. 2026-W48",
        ),
        (
            ["--week", "2025-W53"],
            "--week 2025-W53: 2025 has no week 53; ISO weeks run from W01 to W52 or W53",
        ),
        (
            ["--rate", "0", "--force"],
            "--rate 0: must be a share of the calls above 0 and at most 1, e.g. 0.1 for 10 %",
        ),
        (["--min-per-agent", "-1"], "--min-per-agent -1: must be 0 or more"),
    ],
)
def test_sample_refuses_a_bad_option_in_one_line(tmp_path, args, message):
    db = tmp_path / "callreview.db"
    result = runner.invoke(app, ["sample", "--db", str(db), *args])
    assert (result.exit_code, result.stderr, result.stdout) == (
        4,
        f"callreview: error: {message}\n",
        "",
    )
    assert not db.exists()


def test_sample_of_a_week_without_calls_says_so(team_store, store_url, fresh_store):
    result = sample(store_url, "--week", "2026-W50", code=1)
    assert (
        result.stderr
        == f"callreview: error: {fresh_store.where}: no scored calls in 2026-W50 (2026-12-07 to 2026-12-13); pick another --week\n"
    )
    assert team_store.samples() == []


def test_sample_of_an_empty_store_says_to_score_calls_first(fresh_store, store_url):
    result = sample(store_url, code=1)
    assert (
        result.stderr
        == f"callreview: error: {fresh_store.where}: no scored calls to sample; score calls with callreview batch first\n"
    )
