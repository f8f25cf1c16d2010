"""Specs of the audit trail: what the web app and the commands record (log-ins and failures,
log-outs, overrides, appeals, decisions, exports, user changes: who, what, when, never the words
of a transcript, a note or a reason), and ``callreview audit`` listing it newest first with its
filters. The real app (TestClient), the real ``callreview`` command, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime
import getpass
import json
import time

import pytest
from fixtures.web_client import cli, csrf_of, logged_in, login

from callreview.store import open_store
from callreview.team.people import People

pytest_plugins = ["fixtures.web_app"]  # the web, templates fixtures

ME = "cli:" + getpass.getuser()


def audit(db: str, *args: str) -> list[tuple[str, str, str, str]]:
    """``callreview audit --json``: (actor, action, subject, detail) of each entry."""
    done = cli("audit", "--json", "--db", db, *args)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    return [(e["actor"], e["action"], e["subject"], e["detail"]) for e in json.loads(done.stdout)]


def test_log_ins_failures_and_log_outs_are_audited(web):
    make, _, _, db = web
    assert login(make("203.0.113.9"), "rita", "guess").status_code == 401
    rita = logged_in(make, "rita")
    rita.post("/logout", data={"csrf": csrf_of(rita.get("/queue").text)})
    assert audit(db) == [
        ("rita", "logout", "", ""),
        ("rita", "login", "from testclient", ""),
        ("rita", "login_failed", "from 203.0.113.9", ""),
    ]


def test_overrides_appeals_and_decisions_are_audited_without_their_words(web):
    make, store, ids, db = web
    call = ids["07_forbidden"]
    rita = logged_in(make, "rita")
    note, reason, decision = "您好 the note's words", "您好 the reason's words", "您好 decided"
    rita.post(
        f"/calls/{call}/override",
        data={
            "csrf": csrf_of(rita.get(f"/calls/{call}").text),
            "item": "greeting",
            "status": "fail",
            "note": note,
        },
    )
    ann = logged_in(make, "ann")
    ann.post(
        f"/calls/{call}/appeal",
        data={
            "csrf": csrf_of(ann.get(f"/calls/{call}").text),
            "item": "greeting",
            "reason": reason,
        },
    )
    (appeal,) = store.appeals(call)
    sam = logged_in(make, "sam")
    sam.post(
        f"/appeals/{appeal.id}/decide",
        data={
            "csrf": csrf_of(sam.get(f"/calls/{call}").text),
            "decision": "upheld",
            "note": decision,
        },
    )
    assert [e for e in audit(db) if e[1] != "login"] == [
        ("sam", "decide", f"appeal {appeal.id}", "upheld, greeting"),
        ("ann", "appeal", f"call {call}", f"greeting #{appeal.id}"),
        ("rita", "override", f"call {call}", "greeting pass→fail"),
    ]
    everything = cli("audit", "--db", db).stdout
    assert "您好" not in everything


def test_an_export_is_audited_with_its_file_count_and_filters(web, tmp_path):
    _, _, _, db = web
    out = tmp_path / "week.csv"
    done = cli("export", "--csv", str(out), "--agent", "A001", "--since", "2026-11-20", "--db", db)
    assert done.returncode == 0, done.stderr
    assert audit(db, "--action", "export") == [
        (ME, "export", f"csv {out}", "2 calls --since 2026-11-20 --agent A001")
    ]


def test_user_changes_are_audited_by_the_shell_user(tmp_path):
    db = str(tmp_path / "qc.db")
    steps = [
        (("user", "add", "wang", "--role", "reviewer", "--password-stdin"), "long enough pw\n"),
        (("user", "role", "wang", "agent", "--agent-id", "A017"), None),
        (("user", "passwd", "wang", "--password-stdin"), "another long pw\n"),
        (("user", "revoke", "wang"), None),
        (("user", "remove", "wang"), None),
    ]
    for args, stdin in steps:
        assert cli(*args, "--db", db, stdin=stdin).returncode == 0
    assert audit(db, "--user", ME) == [
        (ME, "user_remove", "user wang", "0 sessions ended"),
        (ME, "sessions_revoked", "user wang", "0 sessions ended"),
        (ME, "user_passwd", "user wang", "0 sessions ended"),
        (ME, "user_role", "user wang", "reviewer → agent, agent A017"),
        (ME, "user_add", "user wang", "role reviewer"),
    ]
    assert audit(db, "--user", "rita") == []


def at(day: str, hour: int) -> float:
    return time.mktime(datetime.datetime.fromisoformat(f"{day} {hour:02d}:00:00").timetuple())


@pytest.fixture
def three_days(tmp_path):
    db = str(tmp_path / "qc.db")
    with open_store(db) as store:
        store.add_audit(at("2026-11-30", 23), "rita", "override", "call 7", "greeting fail→pass")
        store.add_audit(at("2026-12-01", 9), "ann", "appeal", "call 7", "greeting #1")
        store.add_audit(at("2026-12-02", 0), "sam", "decide", "appeal 1", "upheld, greeting")
    return db


def test_audit_prints_a_table_newest_first(three_days):
    done = cli("audit", "--db", three_days)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        "when                 who   action    subject   detail\n"
        "2026-12-02 00:00:00  sam   decide    appeal 1  upheld, greeting\n"
        "2026-12-01 09:00:00  ann   appeal    call 7    greeting #1\n"
        "2026-11-30 23:00:00  rita  override  call 7    greeting fail→pass\n"
    )


def test_audit_filters_by_day_user_and_action(three_days):
    assert [e[1] for e in audit(three_days, "--since", "2026-12-01")] == ["decide", "appeal"]
    assert [e[1] for e in audit(three_days, "--until", "2026-12-01")] == ["appeal", "override"]
    day = audit(three_days, "--since", "2026-12-01", "--until", "2026-12-01")
    assert [e[1] for e in day] == ["appeal"]
    assert [e[0] for e in audit(three_days, "--user", "sam")] == ["sam"]
    assert [e[0] for e in audit(three_days, "--action", "override")] == ["rita"]
    none = cli("audit", "--db", three_days, "--user", "nobody")
    assert none.stdout == "no audit entries match these filters\n"


def test_audit_json_gives_local_times_with_their_offset(three_days):
    (newest, *_) = json.loads(cli("audit", "--json", "--db", three_days).stdout)
    stamp = datetime.datetime.fromisoformat(newest["at"])
    assert stamp.timestamp() == at("2026-12-02", 0) and stamp.utcoffset() is not None
    assert set(newest) == {"id", "at", "actor", "action", "subject", "detail"}


def test_audit_refuses_a_bad_day_and_an_unknown_action(three_days):
    bad_day = cli("audit", "--since", "2026-13-01", "--db", three_days)
    assert (bad_day.returncode, bad_day.stderr) == (
        4,
        "callreview: error: --since 2026-13-01: no such day; write a real date as YYYY-MM-DD, "
        "e.g. 2026-11-23\n",
    )
    bad_action = cli("audit", "--action", "hack", "--db", three_days)
    assert (bad_action.returncode, bad_action.stderr) == (
        4,
        "callreview: error: --action hack: use one of login, login_failed, logout, override, "
        "appeal, decide, confirm, export, user_add, user_remove, user_passwd, user_role, "
        "sessions_revoked, unredacted, purge, acknowledge, calibration_start, calibration_submit\n",
    )


def test_the_audit_trail_on_both_backends(store_url):
    with open_store(store_url) as store:
        store.add_audit(100.0, "rita", "login", "from 10.0.0.1")
        store.add_audit(200.0, "rita", "override", "call 1", "greeting fail→pass")
        store.add_audit(200.0, "sam", "login", "from 10.0.0.2")
        assert [(e.actor, e.action) for e in store.audit()] == [
            ("sam", "login"),
            ("rita", "override"),
            ("rita", "login"),
        ]
        assert [e.at for e in store.audit(since=150.0)] == [200.0, 200.0]
        assert [e.at for e in store.audit(until=200.0)] == [100.0]
        assert [e.action for e in store.audit(actor="rita", action="login")] == ["login"]
        assert len(store.audit(limit=2)) == 2


def test_marking_a_result_reviewed_is_audited(web):
    make, store, ids, db = web
    call = ids["07_forbidden"]
    People(store).confirm(call, People(store).user("rita"))
    assert [e for e in audit(db) if e[1] != "login"] == [
        ("rita", "confirm", f"call {call}", "result stands")
    ]
