"""Feedback on time: an agent acknowledges a reviewed call in the app; what is overdue after
one working day; the week's most common failures (``callreview feedback``), on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from fixtures.web_calls import fill_store
from fixtures.web_client import cli, csrf_of, logged_in

from callreview.store import open_store
from callreview.team.feedback import due
from callreview.team.people import People

pytest_plugins = ["fixtures.web_app"]


def at(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


@pytest.mark.parametrize(
    ("reviewed", "expected"),
    [
        ("2026-12-07 10:00", "2026-12-08 10:00"),  # Monday → Tuesday
        ("2026-12-11 15:00", "2026-12-14 15:00"),  # Friday → Monday
        ("2026-12-12 09:00", "2026-12-14 09:00"),  # Saturday → Monday
        ("2026-12-13 23:00", "2026-12-14 23:00"),  # Sunday → Monday
    ],
)
def test_an_acknowledgement_is_due_one_working_day_after_the_review(reviewed, expected):
    assert due(at(reviewed)) == at(expected)


def test_web_agent_acknowledges_a_reviewed_call_once(web):
    make, store, ids, _ = web
    call = ids["07_forbidden"]  # ann's (A001)
    ann = logged_in(make, "ann")
    page = ann.get(f"/calls/{call}").text
    assert 'id="acknowledge"' not in page  # not reviewed yet: nothing to acknowledge
    rita = logged_in(make, "rita")
    rita.post(f"/calls/{call}/confirm", data={"csrf": csrf_of(rita.get(f"/calls/{call}").text)})
    page = ann.get(f"/calls/{call}").text
    assert 'id="acknowledge"' in page
    done = ann.post(f"/calls/{call}/acknowledge", data={"csrf": csrf_of(page)})
    assert done.status_code == 303
    page = ann.get(f"/calls/{call}").text
    assert 'id="acknowledged"' in page and 'id="acknowledge"' not in page
    again = ann.post(f"/calls/{call}/acknowledge", data={"csrf": csrf_of(page)})
    assert again.status_code == 400 and "acknowledged already" in again.text
    [entry] = store.audit(action="acknowledge")
    assert (entry.actor, entry.subject) == ("ann", f"call {call}")
    # a reviewer cannot acknowledge for the agent
    token = csrf_of(rita.get(f"/calls/{call}").text)
    assert rita.post(f"/calls/{call}/acknowledge", data={"csrf": token}).status_code == 403


def test_web_feedback_page_lists_the_overdue_and_the_weeks_failures(web):
    make, store, ids, _ = web
    call = ids["02_no_greeting"]
    stored = store.call(call)
    store.keep_final(stored.review_id, call, 75.0, None, "rita", at("2026-11-20 10:00"))
    sam = logged_in(make, "sam")
    page = sam.get("/feedback?week=2026-W47").text
    assert f'class="overdue-row" data-call="{call}"' in page
    assert 'class="team-fail" data-item="greeting"' in page  # 02 (A002, 2026-11-17) failed it
    assert logged_in(make, "ann").get("/feedback").status_code == 403


@pytest.fixture
def reviewed_store(store_url, tmp_path):
    with open_store(store_url) as store:
        ids = fill_store(store, tmp_path, with_xss=False)
        people = People(store)
        rita = people.user("rita")
        for name in ("02_no_greeting", "07_forbidden"):
            people.confirm(ids[name], rita)
        late = store.call(ids["02_no_greeting"])
        store.keep_final(late.review_id, late.id, 75.0, None, "rita", at("2026-11-20 10:00"))
    return store_url, ids


def test_feedback_cli_lists_the_weeks_failures_and_what_is_overdue(reviewed_store):
    url, ids = reviewed_store
    result = cli("feedback", "--week", "2026-W48", "--json", "--db", url)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["since"], report["until"], report["calls"]) == ("2026-11-23", "2026-11-29", 3)
    # week 48: 07_forbidden (A001), 04_name_zero (A002), 13_two_holds (A003)
    assert {"item": "forbidden", "fails": 1, "calls": 3} in report["team"]
    assert report["agents"]["A001"][0]["item"] == "forbidden"
    assert [o["call"] for o in report["overdue"]] == [ids["02_no_greeting"]]
    text = cli("feedback", "--week", "2026-W48", "--db", url)
    assert text.returncode == 0 and "not acknowledged within a working day: 1" in text.stdout


def test_feedback_cli_refuses_a_bad_week_in_one_line(tmp_path):
    result = cli("feedback", "--week", "2026-49", "--db", str(tmp_path / "c.db"))
    assert result.returncode == 4
    assert result.stderr.strip().splitlines() == [
        "callreview: error: --week 2026-49: not an ISO week; write it as YYYY-Www, e.g. 2026-W48"
    ]
