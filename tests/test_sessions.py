"""Specs of the web app's sessions as the store keeps them: a session ends on the server at
log-out, after a new password, when its user is removed or revoked, and when idle too long; a
copy of the cookie taken before is worth nothing after. Real app (TestClient), real store, the
real ``callreview`` command for the user changes."""

from __future__ import annotations

import base64
import json

from fixtures.web_client import cli, csrf_of, logged_in, login

from callreview.store import open_store

pytest_plugins = ["fixtures.web_app"]  # the web, templates fixtures
IDLE_MINUTES = 30  # the default idle timeout


def copy_of_cookie(make, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    thief = make()
    thief.cookies.set("callreview_session", client.cookies["callreview_session"])
    return thief


def test_a_cookie_copied_before_logout_no_longer_opens_the_queue(web):
    make, _, _, _ = web
    rita = logged_in(make, "rita")
    thief = copy_of_cookie(make, rita)
    assert thief.get("/queue").status_code == 200
    out = rita.post("/logout", data={"csrf": csrf_of(rita.get("/queue").text)})
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    refused = thief.get("/queue")
    assert (refused.status_code, refused.headers["location"]) == (303, "/login?next=%2Fqueue")


def test_a_session_idle_longer_than_the_timeout_is_logged_out(web):
    make, store, _, _ = web
    rita = logged_in(make, "rita")
    assert rita.get("/queue").status_code == 200
    idle = (IDLE_MINUTES - 1) * 60
    store.db.execute("UPDATE sessions SET last_seen = last_seen - ?", (idle,))
    assert rita.get("/queue").status_code == 200  # used within the timeout: still good
    store.db.execute("UPDATE sessions SET last_seen = last_seen - ?", (IDLE_MINUTES * 60 + 1,))
    assert rita.get("/queue").headers["location"] == "/login?next=%2Fqueue"


def test_a_session_older_than_a_working_day_is_over_however_busy(web):
    make, store, _, _ = web
    rita = logged_in(make, "rita")
    store.db.execute("UPDATE sessions SET created_at = created_at - ?", (12 * 3600 + 1,))
    assert rita.get("/queue").status_code == 303


def test_the_last_use_is_not_written_on_every_request(web):
    make, store, _, _ = web
    rita = logged_in(make, "rita")
    (before,) = store.live_sessions("rita")
    for _ in range(3):
        rita.get("/queue")
    (after,) = store.live_sessions("rita")
    assert after.last_seen == before.last_seen
    store.db.execute("UPDATE sessions SET last_seen = last_seen - 61")
    rita.get("/queue")
    (touched,) = store.live_sessions("rita")
    assert touched.last_seen > before.last_seen - 61


def test_the_store_keeps_a_hash_of_the_session_id_not_the_id(web):
    make, store, _, _ = web
    rita = logged_in(make, "rita")
    payload = rita.cookies["callreview_session"].split(".")[0]
    session = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(session) == {"user", "sid", "csrf"}
    (stored,) = store.db.execute("SELECT token_hash FROM sessions").fetchall()
    assert session["sid"] not in stored[0] and len(stored[0]) == 64


def test_a_new_password_ends_every_session_of_the_user(web):
    make, _, _, db = web
    rita = logged_in(make, "rita")
    other = logged_in(make, "rita")
    sam = logged_in(make, "sam")
    done = cli("user", "passwd", "rita", "--password-stdin", "--db", db, stdin="a new password\n")
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "new password for rita (2 sessions ended)\n",
        "",
    )
    assert rita.get("/queue").status_code == 303
    assert other.get("/queue").status_code == 303
    assert sam.get("/queue").status_code == 200  # another user stays logged in
    assert login(make(), "rita", "a new password").status_code == 303


def test_removing_a_user_ends_their_sessions(web):
    make, _, _, db = web
    rita = logged_in(make, "rita")
    thief = copy_of_cookie(make, rita)
    done = cli("user", "remove", "rita", "--db", db)
    assert (done.returncode, done.stdout) == (0, f"removed rita from {db} (1 session ended)\n")
    assert rita.get("/queue").status_code == 303
    assert thief.get("/queue").status_code == 303
    assert login(make(), "rita").status_code == 401


def test_user_revoke_logs_a_user_out_everywhere(web):
    make, store, _, db = web
    ann = logged_in(make, "ann")
    assert ann.get("/my").status_code == 200
    done = cli("user", "revoke", "ann", "--db", db)
    assert (done.returncode, done.stdout) == (0, "ended 1 session of ann\n")
    assert ann.get("/my").headers["location"] == "/login?next=%2Fmy"
    assert store.live_sessions("ann") == []
    assert logged_in(make, "ann").get("/my").status_code == 200  # and may log in again


def test_sessions_on_both_backends(store_url):
    with open_store(store_url) as store:
        store.add_session("h1", "rita", 100.0)
        store.add_session("h2", "rita", 200.0)
        store.add_session("h3", "sam", 300.0)
        assert [s.created_at for s in store.live_sessions("rita")] == [200.0, 100.0]
        store.touch_session("h1", 150.0)
        assert store.session("h1").last_seen == 150.0
        assert store.revoke_session("h1", 400.0) is True
        assert store.revoke_session("h1", 401.0) is False
        assert store.session("h1").revoked_at == 400.0
        assert store.revoke_sessions("rita", 500.0) == 1
        assert store.revoke_sessions("sam", 500.0) == 1
        assert store.live_sessions("rita") == []
        assert store.forget_sessions(250.0) == 2  # h1 (last seen 150) and h2 (200)
        assert store.session("h3").user == "sam"
