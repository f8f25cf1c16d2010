"""Reviewer calibration: a round of calls three reviewers score blind, in the web app
(TestClient) and through the real ``callreview calibration`` command, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re

import pytest
from fixtures.web_calls import PASSWORD, fill_store
from fixtures.web_client import cli, csrf_of, logged_in

from callreview.qc.scorecard import load_scorecard
from callreview.store import open_store
from callreview.team.calibration import Calibration, _majority
from callreview.team.people import People

pytest_plugins = ["fixtures.web_app"]
REVIEWERS = ("rita", "ray", "rob")


def add_reviewers(store) -> None:
    people = People(store)
    for name in REVIEWERS[1:]:
        people.add_user(name, "reviewer", PASSWORD)


def auto_statuses(store, call: int) -> dict[str, str]:
    return {i: d["status"] for i, d in store.call(call).review["items"].items()}


@pytest.mark.parametrize(
    ("statuses", "majority"),
    [
        ((), None),
        (("pass",), "pass"),
        (("pass", "fail"), None),  # a tie: no majority
        (("fail", "pass", "fail"), "fail"),
    ],
)
def test_majority_of_the_panel(statuses, majority):
    assert _majority(statuses) == majority


def test_web_round_is_blind_until_each_reviewer_submits(web):
    make, store, ids, _ = web
    add_reviewers(store)
    sam = logged_in(make, "sam")
    page = sam.get("/calibration")
    assert page.status_code == 200
    started = sam.post(
        "/calibration",
        data={"csrf": csrf_of(page.text), "calls": "2", "reviewers": list(REVIEWERS)},
    )
    assert started.status_code == 303, started.text
    [found] = store.calibration_rounds()
    call = found.calls[0][0]
    rita = logged_in(make, "rita")
    # the ordinary call page sends a blind reviewer to the round's page
    assert rita.get(f"/calls/{call}").headers["location"] == f"/calibration/1/calls/{call}"
    blind = rita.get(f"/calibration/1/calls/{call}")
    assert 'id="blind-form"' in blind.text and 'id="revealed"' not in blind.text
    listed = f'class="call-link" href="/calls/{call}">'
    assert listed not in rita.get("/queue").text  # its automatic score is not in her queue either
    marks = {f"item:{i}": s for i, s in auto_statuses(store, call).items()}
    missing = rita.post(
        f"/calibration/1/calls/{call}", data={"csrf": csrf_of(blind.text), "item:greeting": "pass"}
    )
    assert missing.status_code == 400 and "missing" in missing.text
    done = rita.post(f"/calibration/1/calls/{call}", data={"csrf": csrf_of(blind.text), **marks})
    assert done.status_code == 303
    seen = rita.get(f"/calibration/1/calls/{call}").text
    assert 'id="revealed"' in seen and 'data-reviewer="rita"' in seen
    assert rita.get(f"/calls/{call}").status_code == 200  # not blind any more
    assert listed in rita.get("/queue").text
    again = rita.post(f"/calibration/1/calls/{call}", data={"csrf": csrf_of(seen), **marks})
    assert again.status_code == 400 and "already" in again.text
    # ray has not submitted: he sees neither the automatic result nor rita's marks
    ray = logged_in(make, "ray")
    theirs = ray.get(f"/calibration/1/calls/{call}").text
    assert 'data-reviewer="rita"' not in theirs and 'id="revealed"' not in theirs
    # an agent never opens the page
    assert logged_in(make, "ann").get("/calibration").status_code == 403
    assert [e.action for e in store.audit(action="calibration_submit")] == ["calibration_submit"]


def test_web_start_refuses_a_single_reviewer_and_a_non_supervisor(web):
    make, store, _, _ = web
    sam = logged_in(make, "sam")
    page = sam.get("/calibration")
    one = sam.post(
        "/calibration", data={"csrf": csrf_of(page.text), "calls": "2", "reviewers": ["rita"]}
    )
    assert one.status_code == 400 and "at least two reviewers" in one.text
    rita = logged_in(make, "rita")
    token = csrf_of(rita.get("/calibration").text)
    refused = rita.post("/calibration", data={"csrf": token, "calls": "2", "reviewers": ["sam"]})
    assert refused.status_code == 403
    assert store.calibration_rounds() == []


@pytest.fixture
def scored_round(store_url, tmp_path):
    """A round of three calls scored by rita (as the automation), ray (as rita) and rob (every
    item pass), on either backend."""
    with open_store(store_url) as store:
        ids = fill_store(store, tmp_path, with_xss=False)
        add_reviewers(store)
        cal = Calibration(store, load_scorecard(None))
        calls = [ids["02_no_greeting"], ids["07_forbidden"], ids["01_perfect"]]
        store.save_sample("cal", calls, {})
        found = cal.start_round(list(REVIEWERS), "sam", sample="cal", name="week 49")
        people = People(store)
        for name in REVIEWERS:
            for call, _ in found.calls:
                marks = auto_statuses(store, call)
                if name == "rob":
                    marks = {i: "pass" for i in marks}
                cal.submit(found.id, call, marks, people.user(name))
    return store_url, found


def test_calibration_report_json_shows_agreement_and_bias_per_reviewer(scored_round):
    url, found = scored_round
    result = cli("calibration", "report", "--json", "--db", url)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    [status] = report["rounds"]
    assert status["done"] and status["submitted"] == {"ray": 3, "rita": 3, "rob": 3}
    figures = {r["reviewer"]: r for r in report["reviewers"]}
    rob, rita = figures["rob"], figures["rita"]
    # rob passes the failed greeting (02) and forbidden (07): his scores run above the panel's
    assert rob["calls"] == 3 and rob["bias"] > 5 and rob["retrain"]
    # rita's panel (ray, rob) ties wherever rob differs: only 01_perfect counts, and she is
    # not biased; one outlier does not make the others look biased
    assert (rita["calls"], rita["bias"], rita["retrain"]) == (1, 0.0, False)
    assert [r["round"] for r in rita["rounds"]] == [found.id]
    greeting = {i["item"]: i for i in rob["items"]}["greeting"]
    assert greeting["auto_calls"] == 3 and greeting["auto_agreement"] == pytest.approx(200 / 3)
    assert greeting["panel_calls"] == 3 and greeting["panel_agreement"] == pytest.approx(200 / 3)
    rita_greeting = {i["item"]: i for i in rita["items"]}["greeting"]
    # rita's panel (ray, rob) ties on 02's greeting: that call has no majority
    assert rita_greeting["panel_calls"] == 2 and rita_greeting["auto_agreement"] == 100.0


def test_calibration_report_table_names_each_reviewer(scored_round):
    url, found = scored_round
    result = cli("calibration", "report", "--round", str(found.id), "--db", url)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^rob\s+3\s+\+\d+\.\d\s+#1 \+\d+\.\d\s+retrain$", result.stdout, re.M)
    assert "week 49" in result.stdout


def test_calibration_start_cli_refuses_one_reviewer_in_one_line(tmp_path):
    db = tmp_path / "c.db"
    with open_store(db) as store:
        fill_store(store, tmp_path, with_xss=False)
    result = cli("calibration", "start", "--calls", "2", "--reviewers", "rita", "--db", str(db))
    assert result.returncode == 4
    assert result.stderr.strip().splitlines() == [
        "callreview: error: a calibration round needs at least two reviewers; name them, e.g. "
        "--reviewers rita,ray,rob"
    ]
    ok = cli("calibration", "start", "--calls", "2", "--reviewers", "rita,sam", "--db", str(db))
    assert ok.returncode == 0 and ok.stdout.startswith("calibration round 1 ")
    missing = cli("calibration", "report", "--round", "9", "--db", str(db))
    assert missing.returncode == 1 and "no calibration round 9" in missing.stderr
