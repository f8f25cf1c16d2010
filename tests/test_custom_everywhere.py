"""A scorecard's own item goes everywhere the five built-ins go (issue 30).

The item and the flag below are written only in a scorecard TOML (no code): the agent offers
more help (还有什么可以帮您) in the last 30 s of the call, and a flag when the customer hurries the
agent (快一点). Three real script transcripts (``audio_samples/truth``, no model) go through the
real ``callreview batch`` into SQLite and PostgreSQL; then the item is in ``score --json`` and
the terminal report, in the store and its item index, overridden through the web app, in
``export --csv/--jsonl``, in agreement (the library and the web page), in the queue's
failed-item filter and in ``summary``. With the default scorecard none of it appears.

01_perfect offers more help at 00:55 of 01:04 (pass); 09_no_closing never does (fail);
02_no_greeting offers it at 00:39 of 00:46 (pass) after the customer said 麻烦你们快一点 (the
flag fires).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from fixtures.web_calls import PASSWORD, transcript_file
from fixtures.web_client import cli, logged_in

from callreview.qc.scorecard import BUNDLED, load_scorecard
from callreview.store import open_store
from callreview.team.export.columns import COLUMNS
from callreview.team.people import People, QueueFilter

CUSTOM = """
[[items]]
id = "offer_more"
label = "再次询问需求 Offered more help"
kind = "item"
weight = 10
who = "agent"
phrases = ["还有什么可以帮您"]
how = "must"
where = { last_s = 30 }
advice = "请问还有什么可以帮您？"

[[items]]
id = "hurried"
label = "客户催促 Customer hurried the agent"
kind = "flag"
who = "customer"
phrases = ["快一点"]
how = "must_not"
"""
CALLS = {
    # sample → the file name batch reads agent, date and call id from
    "01_perfect": "A001_2026-11-16_c01",
    "09_no_closing": "A001_2026-11-17_c02",
    "02_no_greeting": "A002_2026-11-18_c03",
}


@pytest.fixture(scope="module")
def scorecard(tmp_path_factory) -> Path:
    """The bundled default scorecard with the two items of :data:`CUSTOM` after it."""
    path = tmp_path_factory.mktemp("scorecard") / "site.toml"
    path.write_text(BUNDLED.read_text(encoding="utf-8") + CUSTOM, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def transcripts(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("calls")
    return [transcript_file(folder, sample, name) for sample, name in CALLS.items()]


@pytest.fixture
def batched(store_url, scorecard, transcripts):
    """The three calls scored by the real ``callreview batch`` with the site's scorecard."""
    done = cli(
        "batch",
        *map(str, transcripts),
        "--db",
        store_url,
        "--scorecard",
        str(scorecard),
        "--name-pattern",
        "{agent}_{date}_{call_id}",
    )
    assert done.returncode == 0, done.stderr
    with open_store(store_url) as store:
        ids = {c.call_id: c.id for c in store.calls(state="scored")}
    assert sorted(ids) == ["c01", "c02", "c03"]
    return store_url, ids


def test_score_json_and_report_have_the_custom_item_and_the_flag(scorecard, transcripts, tmp_path):
    perfect, no_closing, hurried = transcripts
    out = tmp_path / "r.json"
    done = cli("score", str(no_closing), "--scorecard", str(scorecard), "--json", str(out))
    assert done.returncode == 0, done.stderr
    items = json.loads(out.read_text(encoding="utf-8"))["items"]
    assert list(items)[-2:] == ["offer_more", "hurried"]
    assert (items["offer_more"]["status"], items["offer_more"]["max_points"]) == ("fail", 10)
    assert items["hurried"]["status"] == "pass" and items["hurried"]["kind"] == "flag"

    report = cli("--lang", "en", "score", str(hurried), "--scorecard", str(scorecard)).stdout
    assert re.search(r"PASS +10/10  再次询问需求 Offered more help", report), report
    assert re.search(r"FAIL +0/0  ⚑ 客户催促 Customer hurried the agent", report), report

    default = cli("score", str(no_closing), "--json", "-").stdout
    assert "offer_more" not in default and "hurried" not in default


def test_custom_item_is_stored_indexed_overridden_exported_and_counted(
    batched, scorecard, tmp_path
):
    url, ids = batched
    rules = load_scorecard(scorecard)
    with open_store(url) as store:
        people = People(store, rules)
        stored = store.call(ids["c02"])
        assert stored.review["items"]["offer_more"]["status"] == "fail"
        # the item index: the queue's failed-item filter and a flag that fired
        assert [r.id for r in people.queue(QueueFilter(failed="offer_more")).rows] == [ids["c02"]]
        assert [r.id for r in people.queue(QueueFilter(failed="hurried")).rows] == [ids["c03"]]
        row = next(r for r in people.queue().rows if r.id == ids["c02"])
        assert ("offer_more", "fail") in row.problems
        people.add_user("rita", "reviewer", PASSWORD)
        people.add_user("ann", "agent", PASSWORD, "A001")
        people.add_user("sam", "supervisor", PASSWORD)
        before = people.final(stored).score

        web = _web(store, rules)
        rita = logged_in(web, "rita")
        queue = rita.get("/queue", params={"failed": "offer_more"})
        assert queue.status_code == 200 and f"/calls/{ids['c02']}" in queue.text
        assert f"/calls/{ids['c01']}" not in queue.text
        assert 'value="offer_more"' in queue.text and "⚑ 客户催促" in queue.text
        form = rita.get(f"/calls/{ids['c02']}/override", params={"item": "offer_more"})
        assert form.status_code == 200 and "再次询问需求 Offered more help" in form.text
        done = rita.post(
            f"/calls/{ids['c02']}/override",
            data={
                "csrf": _csrf(form.text),
                "item": "offer_more",
                "status": "pass",
                "note": "offered more help in other words",
            },
        )
        assert done.status_code == 303, done.text
        final = people.final(store.call(ids["c02"]))
        assert (final.items["offer_more"].auto, final.items["offer_more"].status) == (
            "fail",
            "pass",
        )
        assert final.score > before and final.reviewed
        assert people.queue(QueueFilter(failed="offer_more")).rows == []
        refused = rita.get(f"/calls/{ids['c02']}/override", params={"item": "nonsense"})
        assert refused.status_code == 404 and "offer_more" in refused.text

        # agreement per item: the one reviewed call, the automation said fail, people pass
        agreement = {a.item: a for a in people.agreement()}
        assert list(agreement)[-2:] == ["offer_more", "hurried"]
        assert (agreement["offer_more"].count, agreement["offer_more"].agreed) == (1, 0)
        assert (agreement["greeting"].count, agreement["greeting"].agreed) == (1, 1)
        sam = logged_in(web, "sam")
        page = sam.get("/agreement")
        assert page.status_code == 200 and "再次询问需求 Offered more help" in page.text
        agents = sam.get("/agents")
        assert agents.status_code == 200 and "⚑ 客户催促 Customer hurried the agent" in agents.text
        call = sam.get(f"/calls/{ids['c03']}")
        assert "⚑ 客户催促 Customer hurried the agent" in call.text

        # a custom item is appealable: the agent's own call, the item failed after an override
        people.override(
            ids["c01"], "offer_more", "fail", "not in the last 30 s", people.user("rita")
        )
        appeal = people.file_appeal(ids["c01"], "offer_more", "I did offer", people.user("ann"))
        assert (appeal.item, appeal.status) == ("offer_more", "open")

    # exports, with the site's scorecard: the item's columns after the built-ins'
    table = list(csv.DictReader(io.StringIO(_out("export", url, "--csv", "-", scorecard))))
    assert list(table[0])[len(COLUMNS) :] == [
        "offer_more_status",
        "offer_more_points",
        "offer_more_auto_status",
        "hurried_status",
        "hurried_points",
        "hurried_auto_status",
    ]
    by_call = {r["call_id"]: r for r in table}
    assert (by_call["c02"]["offer_more_status"], by_call["c02"]["offer_more_auto_status"]) == (
        "pass",
        "fail",
    )
    assert by_call["c03"]["hurried_status"] == "fail" and by_call["c03"]["hurried_points"] == "0.0"
    lines = [json.loads(x) for x in _out("export", url, "--jsonl", "-", scorecard).splitlines()]
    c02 = next(x for x in lines if x["call_id"] == "c02")
    assert c02["final"]["items"]["offer_more"] == {
        "status": "pass",
        "points": 10.0,
        "max_points": 10.0,
        "auto_status": "fail",
        "auto_points": 0.0,
    }
    target = tmp_path / "calls.xlsx"
    _out("export", url, "--xlsx", str(target), scorecard)
    book = openpyxl.load_workbook(target, read_only=True)
    calls = next(book["Calls"].iter_rows(values_only=True))
    assert calls[-3:] == ("hurried_status", "hurried_points", "hurried_auto_status")
    agents = next(book["Agents"].iter_rows(values_only=True))
    assert agents[-3:] == ("offer_more_fail_rate", "hurried_fail_rate", "needs_review")
    # the default scorecard's export keeps its columns
    plain = _out("export", url, "--csv", "-", None).splitlines()[0].lstrip("\ufeff")
    assert plain.split(",") == list(COLUMNS)

    # the summary: a row per item, and the item in the per-agent table's head
    summary = _out("summary", url, None, None, scorecard)
    assert re.search(r"^offer_more +2 +1 +0 +0 +33\.3 %$", summary, re.M), summary
    assert re.search(r"^hurried +2 +1 +0 +0 +33\.3 %$", summary, re.M), summary
    figures = json.loads(_out("summary", url, "--json", None, scorecard))
    assert list(figures["total"]["items"])[-2:] == ["offer_more", "hurried"]


def test_rescore_applies_a_changed_scorecard_to_the_stored_transcripts(
    tmp_path, scorecard, transcripts
):
    db = str(tmp_path / "qc.db")
    done = cli(
        "batch", *map(str, transcripts), "--db", db, "--name-pattern", "{agent}_{date}_{call_id}"
    )
    assert done.returncode == 0, done.stderr
    with open_store(db) as store:
        assert all("offer_more" not in c.review["items"] for c in store.calls(state="scored"))
    done = cli("rescore", "--db", db, "--scorecard", str(scorecard))
    assert done.returncode == 0, done.stderr
    with open_store(db) as store:
        statuses = {
            c.call_id: c.review["items"]["offer_more"]["status"]
            for c in store.calls(state="scored")
        }
        assert statuses == {"c01": "pass", "c02": "fail", "c03": "pass"}
        people = People(store, load_scorecard(scorecard))
        assert [r.call_id for r in people.queue(QueueFilter(failed="offer_more")).rows] == ["c02"]


def _web(store, rules):
    from starlette.testclient import TestClient

    from callreview.web.app import create_app

    app = create_app(store, rules)
    return lambda address="testclient": TestClient(app, follow_redirects=False)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _out(command: str, url: str, fmt: str | None, target: str | None, scorecard) -> str:
    args = [command, "--db", url]
    if fmt:
        args.append(fmt)
    if target:
        args.append(target)
    if scorecard is not None:
        args += ["--scorecard", str(scorecard)]
    done = cli(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout
