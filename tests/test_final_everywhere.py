"""One final result everywhere: a call with a reviewer's override and an overturned appeal shows
the same final score and band in the web app, the static report, CSV, XLSX, JSON Lines and
``summary``, and the XLSX Agents sheet agrees with the web app's Agents page.

The call is 07_forbidden (agent A001, ann), automatic 62.5 below_standard = 50/80 (inbound
weights greeting 20 · name 15 · hold n/a · forbidden 30 · closing 15). Rita hears the name used
wrongly: customer_name pass → fail; ann appeals forbidden (the phrases were about the system)
and sam overturns it: forbidden fail → pass. Final 65/80 = 81.2, needs_improvement. The files
come from the real ``callreview`` command, the pages from the real app (TestClient), on both
store backends.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import pytest
from conftest import REPO
from fixtures.web_calls import PASSWORD, copy_store, drop_store, make_template

from callreview.qc.scorecard import load_scorecard
from callreview.store import open_store
from callreview.team.people import People

FINAL = (81.2, "needs_improvement")
AUTO = (62.5, "below_standard")
A001_MEAN = 87.1  # (01_perfect 100 + 07 81.2 + 06_hold_no_permission 80) / 3


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def changed(request, tmp_path_factory):
    """The filled store with the override and the overturned appeal on 07_forbidden."""
    folder = tmp_path_factory.mktemp("final-everywhere")
    template, ids = make_template(request.param, folder)
    url = copy_store(request.param, template, folder)
    call = ids["07_forbidden"]
    with open_store(url) as store:
        people = People(store)
        rita, ann, sam = (people.user(n) for n in ("rita", "ann", "sam"))
        people.override(call, "customer_name", "fail", "the name was used for someone else", rita)
        appeal = people.file_appeal(call, "forbidden", "the phrases were about the system", ann)
        people.decide(appeal.id, "overturned", "agreed after listening", sam)
    yield url, call, folder
    drop_store(request.param, url)
    drop_store(request.param, template)


def callreview(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "callreview", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def exported(changed):
    url, call, folder = changed
    out = folder / "out"
    out.mkdir()
    callreview(
        "export",
        "--db",
        url,
        "--csv",
        str(out / "calls.csv"),
        "--xlsx",
        str(out / "calls.xlsx"),
        "--jsonl",
        str(out / "calls.jsonl"),
        "--html",
        str(out / "report"),
    )
    return out


def page_final(html: str) -> tuple[float, str]:
    """The final score and band a call page shows."""
    score = re.search(r'id="final-score">([0-9.]+)<', html).group(1)
    band = re.search(r'<div class="score-final">.*?<span class="band b-([a-z_]+)"', html, re.S)
    return float(score), band.group(1)


def test_the_people_part_computes_the_final_result(changed):
    url, call, _ = changed
    with open_store(url) as store:
        final = People(store).final(store.call(call))
    assert (final.score, final.band) == FINAL and (final.auto_score, final.auto_band) == AUTO
    assert final.reviewed and final.changed


def test_the_web_app_shows_the_final_result(changed):
    from starlette.testclient import TestClient

    from callreview.web.app import create_app

    url, call, _ = changed
    with open_store(url) as store, TestClient(create_app(store, load_scorecard(None))) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
        client.post("/login", data={"csrf": token, "name": "sam", "password": PASSWORD})
        assert page_final(client.get(f"/calls/{call}").text) == FINAL
        agents = client.get("/agents").text
    a001 = re.search(
        r">A001</a></td>\s*<td class=\"num\">(\d+)</td>\s*<td class=\"num\">([0-9.]+)<", agents
    )
    assert (a001.group(1), float(a001.group(2))) == ("3", A001_MEAN)


def test_the_static_report_shows_the_final_result(changed, exported):
    _, call, _ = changed
    html = (exported / "report" / f"call-{call}.html").read_text(encoding="utf-8")
    assert page_final(html) == FINAL


def test_the_csv_has_the_final_and_the_automatic_result(changed, exported):
    _, call, _ = changed
    with open(exported / "calls.csv", encoding="utf-8-sig", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["file"].endswith("07_forbidden.json"))
    assert (float(row["score"]), row["band"]) == FINAL
    assert (float(row["auto_score"]), row["auto_band"]) == AUTO
    assert (row["customer_name_status"], row["customer_name_auto_status"]) == ("fail", "pass")
    assert (row["forbidden_status"], row["forbidden_auto_status"]) == ("pass", "fail")
    assert (row["forbidden_points"], row["customer_name_points"]) == ("30.0", "0.0")
    assert (row["reviewed"], row["reviewed_by"], row["changed"]) == ("true", "sam", "true")


def test_the_xlsx_calls_and_agents_sheets_have_the_final_result(changed, exported):
    from openpyxl import load_workbook

    book = load_workbook(exported / "calls.xlsx")
    header, *rows = book["Calls"].iter_rows(values_only=True)
    row = dict(zip(header, next(r for r in rows if str(r[0]).endswith("07_forbidden.json"))))
    assert (row["score"], row["band"]) == FINAL
    assert (row["auto_score"], row["auto_band"], row["changed"]) == (*AUTO, True)
    agents_header, *agents = book["Agents"].iter_rows(values_only=True)
    a001 = dict(zip(agents_header, next(r for r in agents if r[0] == "A001")))
    assert (a001["calls"], a001["mean_score"], a001["needs_improvement"]) == (3, A001_MEAN, 2)
    assert a001["forbidden_fail_rate"] == 0


def test_the_jsonl_has_the_stored_review_and_the_final_result_beside_it(changed, exported):
    _, call, _ = changed
    lines = (exported / "calls.jsonl").read_text(encoding="utf-8").splitlines()
    line = next(json.loads(x) for x in lines if json.loads(x)["id"] == call)
    assert (line["review"]["score"], line["review"]["items"]["forbidden"]["status"]) == (
        62.5,
        "fail",
    )  # the automatic result, as stored
    final = line["final"]
    assert (final["score"], final["band"]) == FINAL
    assert (final["auto_score"], final["auto_band"]) == AUTO
    assert final["items"]["forbidden"] == {
        "status": "pass",
        "points": 30.0,
        "max_points": 30.0,
        "auto_status": "fail",
        "auto_points": 0.0,
    }
    assert (final["reviewed"], final["reviewed_by"], final["changed"]) == (True, "sam", True)


def test_the_summary_counts_the_final_result(changed):
    url, _, _ = changed
    figures = json.loads(callreview("summary", "--db", url, "--json").stdout)
    a001 = next(g for g in figures["groups"] if g["key"] == "A001")
    assert (a001["calls"], a001["mean_score"], a001["min_score"]) == (3, A001_MEAN, 80.0)
    assert a001["bands"]["needs_improvement"] == 2 and a001["bands"]["below_standard"] == 0
    assert a001["items"]["forbidden"]["fail"] == 0 and a001["items"]["customer_name"]["fail"] == 1
    assert a001["forbidden_phrases"] == []  # the phrases no longer fail the call
    by_week = json.loads(callreview("summary", "--db", url, "--by", "week", "--json").stdout)
    week = next(g for g in by_week["groups"] if g["key"] == "2026-W48")
    assert week["items"]["forbidden"]["fail"] == 0
