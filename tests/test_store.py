"""The store contract: the same specs on an SQLite file and a real PostgreSQL database.

Every test here takes ``fresh_store`` / ``store_url`` (both backends) unless it is about
one backend's own failure modes (a locked SQLite file, an unreachable server).
"""

from __future__ import annotations

import json
import multiprocessing
import socket
import sqlite3
import subprocess
import sys
import time

import pytest
from conftest import SAMPLES

from callreview.errors import StoreError
from callreview.review import Reviewer
from callreview.store import CallMeta, open_store
from callreview.store.schema import MIGRATIONS, SCHEMA_VERSION
from callreview.transcript import Transcript

TRUTH = SAMPLES / "truth"


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    return Reviewer()


@pytest.fixture(scope="module")
def perfect(reviewer):
    """A real review of a real (script) transcript: what ``complete`` stores."""
    transcript = Transcript.load(TRUTH / "01_perfect.json")
    return transcript, reviewer.check(transcript)


def scored_call(store, reviewer, perfect, sha="a" * 64, path="/calls/a.flac", meta=CallMeta()):
    transcript, review = perfect
    store.register(sha, path, meta)
    claim = store.claim(sha, path).claim
    assert (
        store.complete(
            claim, review, transcript, "key-" + sha[:8], reviewer.engine, reviewer.fingerprint
        )
        is not None
    )
    return claim.call


def test_a_new_store_is_at_the_current_schema_and_reopens_with_its_data(
    store_url, reviewer, perfect
):
    with open_store(store_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
        call = scored_call(store, reviewer, perfect)
    with open_store(store_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.call(call).score == 100.0


def test_register_keys_a_call_by_its_audio_and_keeps_every_path(fresh_store):
    first = fresh_store.register("b" * 64, "/in/call.flac", CallMeta(agent="A07"))
    again = fresh_store.register(
        "b" * 64, "/in/copy of call.flac", CallMeta(agent="other", date="2026-11-30", call_id="C1")
    )
    assert first == again
    assert fresh_store.paths(first) == ["/in/call.flac", "/in/copy of call.flac"]
    call = fresh_store.call(first)
    assert (call.agent, call.date, call.call_id, call.state) == (
        "A07",
        "2026-11-30",
        "C1",
        "pending",
    )  # known metadata kept, gaps filled


def test_a_worker_asking_again_for_its_own_claim_gets_it_back_at_once(fresh_store):
    """After an outage the worker lost track of its claim: it must not wait out its own lease."""
    fresh_store.register("d" * 64, "/x.flac")
    first = fresh_store.claim("d" * 64, "/x.flac", worker="host-a:1", lease_s=600)
    assert fresh_store.claim("d" * 64, "/x.flac", worker="host-b:2").outcome == "busy"
    again = fresh_store.claim("d" * 64, "/x.flac", worker="host-a:1", lease_s=600)
    assert again.outcome == "claimed" and again.claim.token != first.claim.token


def test_a_claimed_call_is_busy_for_others_and_scored_once_completed(
    fresh_store, reviewer, perfect
):
    transcript, review = perfect
    fresh_store.register("c" * 64, "/x.flac")
    mine = fresh_store.claim("c" * 64, "/x.flac", worker="host-a:1")
    assert mine.outcome == "claimed"
    assert fresh_store.claim("c" * 64, "/x.flac", worker="host-b:2").outcome == "busy"
    review_id = fresh_store.complete(
        mine.claim, review, transcript, "k1", reviewer.engine, reviewer.fingerprint
    )
    assert review_id is not None
    assert fresh_store.claim("c" * 64, "/x.flac", worker="host-b:2").outcome == "scored"
    stored = fresh_store.call(mine.call)
    assert (stored.state, stored.review_id, stored.version, stored.band) == (
        "scored",
        review_id,
        1,
        "excellent",
    )
    assert stored.review == json.loads(json.dumps(review.to_dict()))
    assert fresh_store.transcript(mine.call) == transcript


def test_an_expired_claim_is_taken_over_and_the_late_worker_stores_nothing(
    fresh_store, reviewer, perfect
):
    transcript, review = perfect
    fresh_store.register("d" * 64, "/x.flac")
    slow = fresh_store.claim(
        "d" * 64, "/x.flac", worker="far-host:1", lease_s=-1
    ).claim  # a lease already run out
    fast = fresh_store.claim("d" * 64, "/x.flac", worker="far-host:2")
    assert fast.outcome == "claimed"
    assert fresh_store.renew(slow) is False
    assert (
        fresh_store.complete(slow, review, transcript, "k", reviewer.engine, reviewer.fingerprint)
        is None
    )
    assert (
        fresh_store.complete(
            fast.claim, review, transcript, "k", reviewer.engine, reviewer.fingerprint
        )
        is not None
    )
    assert len(fresh_store.history(fast.call)) == 1


def test_a_claim_whose_process_is_gone_on_this_host_is_free_at_once(fresh_store):
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = f"{socket.gethostname()}:{gone.stdout.strip()}"
    fresh_store.register("e" * 64, "/x.flac")
    assert fresh_store.claim("e" * 64, "/x.flac", worker=dead, lease_s=3600).outcome == "claimed"
    assert (
        fresh_store.claim("e" * 64, "/x.flac", worker="other-host:1").outcome == "claimed"
    )  # the lease had an hour left


def test_a_live_claim_on_another_host_is_respected_until_its_lease_ends(fresh_store):
    fresh_store.register("f" * 64, "/x.flac")
    assert (
        fresh_store.claim("f" * 64, "/x.flac", worker="node-7:99999999", lease_s=3600).outcome
        == "claimed"
    )
    assert fresh_store.claim("f" * 64, "/x.flac", worker="node-8:1").outcome == "busy"


def test_a_failed_call_keeps_its_error_and_is_not_retried_unless_asked(fresh_store):
    fresh_store.register("1" * 64, "/bad.flac")
    claim = fresh_store.claim("1" * 64, "/bad.flac").claim
    assert fresh_store.fail(claim, "/bad.flac: not an audio file; check it", 2)
    assert fresh_store.claim("1" * 64, "/bad.flac").outcome == "failed"
    [error] = fresh_store.errors("/bad.flac")
    assert (error.message, error.exit_code, error.call, error.sha256) == (
        "/bad.flac: not an audio file; check it",
        2,
        claim.call,
        "1" * 64,
    )
    assert fresh_store.last_error(claim.call) == error
    assert fresh_store.claim("1" * 64, "/bad.flac", retry_failed=True).outcome == "claimed"


def test_an_error_about_a_file_that_never_became_a_call_is_kept(fresh_store):
    fresh_store.record_error(
        "/in/empty.wav",
        "/in/empty.wav: is empty (0 bytes); check the recording was saved completely",
        2,
    )
    [error] = fresh_store.errors()
    assert (error.path, error.call) == ("/in/empty.wav", None)


def test_a_released_call_is_pending_again(fresh_store):
    fresh_store.register("2" * 64, "/x.flac")
    claim = fresh_store.claim("2" * 64, "/x.flac").claim
    fresh_store.release(claim)
    assert fresh_store.call(claim.call).state == "pending"
    assert fresh_store.claim("2" * 64, "/x.flac", worker="other-host:1").outcome == "claimed"


def test_rescoring_adds_a_version_that_becomes_current_and_keeps_the_history(
    fresh_store, reviewer, perfect
):
    call = scored_call(fresh_store, reviewer, perfect)
    worse = reviewer.check(Transcript.load(TRUTH / "09_no_closing.json"))
    second = fresh_store.add_review(call, worse, "key-aaaaaaaa", reviewer.engine, "other-rules")
    history = fresh_store.history(call)
    assert [(v.version, v.fingerprint) for v in history] == [
        (1, reviewer.fingerprint),
        (2, "other-rules"),
    ]
    assert fresh_store.call(call).review_id == second
    assert fresh_store.call(call).score == worse.score != 100.0


def test_calls_filter_by_date_range_agent_and_state_in_date_order(fresh_store, reviewer, perfect):
    for i, (agent, date) in enumerate(
        [("A1", "2026-11-02"), ("A2", "2026-11-01"), ("A1", "2026-11-09"), ("A1", "2026-11-05")]
    ):
        scored_call(
            fresh_store,
            reviewer,
            perfect,
            sha=str(i) * 64,
            path=f"/c{i}.flac",
            meta=CallMeta(agent=agent, date=date),
        )
    fresh_store.register("9" * 64, "/pending.flac", CallMeta(agent="A1", date="2026-11-03"))
    assert [c.date for c in fresh_store.calls()] == [
        "2026-11-01",
        "2026-11-02",
        "2026-11-03",
        "2026-11-05",
        "2026-11-09",
    ]
    assert [
        c.path
        for c in fresh_store.calls(
            since="2026-11-02", until="2026-11-05", agent="A1", state="scored"
        )
    ] == ["/c0.flac", "/c3.flac"]
    assert [c.path for c in fresh_store.calls(ids=[])] == []


def test_the_queue_counts_each_state(fresh_store, reviewer, perfect):
    scored_call(fresh_store, reviewer, perfect)
    fresh_store.register("3" * 64, "/p.flac")
    fresh_store.register("4" * 64, "/q.flac")
    fresh_store.claim("4" * 64, "/q.flac")
    counts = fresh_store.counts()
    assert (
        counts.pending,
        counts.in_progress,
        counts.failed,
        counts.scored,
        counts.scored_today,
    ) == (1, 1, 0, 1, 1)


def test_a_named_sample_is_recorded_and_replaced(fresh_store):
    a = fresh_store.register("5" * 64, "/a.flac")
    b = fresh_store.register("6" * 64, "/b.flac")
    fresh_store.save_sample("2026-W48", [b, a], {"rate": 0.1})
    assert fresh_store.sample("2026-W48") == sorted([a, b])
    fresh_store.save_sample("2026-W48", [a], {"rate": 0.05})
    assert (fresh_store.sample("2026-W48"), fresh_store.samples(), fresh_store.sample("none")) == (
        [a],
        ["2026-W48"],
        [],
    )


def _race(url: str, sha: str, start, results) -> None:
    from callreview.store import open_store

    with open_store(url) as store:
        start.wait()
        results.put(store.claim(sha, "/race.flac").outcome)


def test_many_processes_racing_for_one_call_give_it_to_exactly_one(fresh_store, store_url):
    fresh_store.register("7" * 64, "/race.flac")
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    racers = [
        ctx.Process(target=_race, args=(store_url, "7" * 64, start, results)) for _ in range(6)
    ]
    for p in racers:
        p.start()
    start.set()
    outcomes = sorted(results.get(timeout=60) for _ in racers)
    for p in racers:
        p.join(30)
    assert outcomes == ["busy"] * 5 + ["claimed"]


def test_an_older_store_is_upgraded_in_place(store_url):
    from callreview.store.backends import connect

    db = connect(store_url)
    with db.transaction():
        for statement in MIGRATIONS[0]:
            db.execute(db.ddl(statement))
        db.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '1')")
        db.execute(
            "INSERT INTO calls (sha256, path, state, created_at, updated_at) VALUES ('old', '/old.flac', 'pending', 0, 0)"
        )
    db.close()
    with open_store(store_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.call_by_sha("old").path == "/old.flac"
        store.db.execute("SELECT COUNT(*) FROM users").fetchone()  # the tables of migration 2 exist


def test_a_store_from_a_newer_callreview_is_refused_with_one_line(store_url):
    with open_store(store_url) as store:
        store.db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError) as err:
        open_store(store_url)
    assert str(err.value).endswith(
        f"this store was written by a newer callreview (schema 99, this one reads up to {SCHEMA_VERSION}); upgrade callreview, or use another --db"
    )


# --- each backend's own failure modes -------------------------------------------


def test_a_locked_sqlite_store_is_explained_not_dumped(tmp_path, monkeypatch):
    from callreview.store import backends

    path = tmp_path / "callreview.db"
    open_store(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing for a long time
    monkeypatch.setattr(backends, "BUSY_TIMEOUT_S", 0.2)
    try:
        with pytest.raises(StoreError) as err:
            open_store(path).register("8" * 64, "/x.flac")
    finally:
        holder.execute("ROLLBACK")
    assert (
        str(err.value)
        == f"{path}: the store is locked by another process (waited up to 0 s); wait for it to finish, or check no process hangs holding it"
    )


def _open_at(path: str, start: float) -> str:
    while time.time() < start:  # every process opens at the same instant
        pass
    try:
        open_store(path).close()
        return ""
    except StoreError as err:
        return str(err)


def test_processes_opening_a_new_sqlite_store_at_once_all_get_it(tmp_path):
    # PRAGMA journal_mode=WAL runs no busy handler: before the store retried it, about one
    # cold open in 40 of six processes failed at once with "locked" (CI: two batch runs started together).
    with multiprocessing.get_context("fork").Pool(6) as pool:
        for trial in range(40):
            path = str(tmp_path / f"{trial}.db")
            errors = pool.starmap(_open_at, [(path, time.time() + 0.1)] * 6)
            assert errors == [""] * 6
            with open_store(path) as store:
                assert store.schema_version() == SCHEMA_VERSION
                assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_file_that_is_not_a_store_is_refused_with_one_line(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database" * 100)
    with pytest.raises(StoreError) as err:
        open_store(path)
    assert (
        str(err.value)
        == f"{path}: is not a callreview store (not an SQLite database); choose another --db path"
    )


def test_a_store_in_a_missing_folder_says_which_folder(tmp_path):
    with pytest.raises(
        StoreError,
        match=r"the folder .*nowhere does not exist; create it or choose another --db path$",
    ):
        open_store(tmp_path / "nowhere" / "callreview.db")


def test_an_unreachable_postgresql_is_one_line_without_the_password():
    with pytest.raises(StoreError) as err:
        open_store("postgresql://qc:s3cret@127.0.0.1:1/callreview")
    message = str(err.value)
    assert message.startswith(
        "postgresql://qc:***@127.0.0.1:1/callreview: cannot reach the PostgreSQL store ("
    )
    assert message.endswith("); check the server is running and the URL")
    assert "s3cret" not in message and "\n" not in message


def test_the_store_location_comes_from_the_option_then_the_environment_then_the_settings(
    monkeypatch,
):
    from callreview.store import store_url

    monkeypatch.delenv("CALLREVIEW_DB", raising=False)
    assert store_url(None, None) == "callreview.db"
    assert store_url(None, "site.db") == "site.db"
    monkeypatch.setenv("CALLREVIEW_DB", "env.db")
    assert store_url(None, "site.db") == "env.db"
    assert store_url("opt.db", "site.db") == "opt.db"


def test_the_newest_errors_can_be_read_without_reading_them_all(fresh_store):
    for i in range(5):
        fresh_store.record_error(
            f"/in/{i}.wav",
            f"/in/{i}.wav: is empty (0 bytes); check the recording was saved completely",
            2,
        )
    assert [e.path for e in fresh_store.errors(limit=2)] == ["/in/3.wav", "/in/4.wav"]
    assert len(fresh_store.errors()) == 5


def test_each_stored_review_indexes_its_item_statuses(fresh_store, reviewer, perfect):
    call = scored_call(fresh_store, reviewer, perfect)
    rows = fresh_store.db.execute(
        "SELECT item, auto, final FROM review_items WHERE call = ? ORDER BY item", (call,)
    ).fetchall()
    assert [tuple(r) for r in rows] == sorted(
        (name, item.status, item.status) for name, item in perfect[1].items.items()
    )


def test_one_review_version_is_read_by_its_id(fresh_store, reviewer, perfect):
    call = scored_call(fresh_store, reviewer, perfect)
    current = fresh_store.call(call).review_id
    assert fresh_store.review_version(current) == fresh_store.history(call)[-1]
    assert fresh_store.review_version(current + 1000) is None


# --- the ledger, read back (what batch, watch and Ray tests assert on) ----------------------


def test_runs_are_listed_oldest_first_with_their_counts_and_whether_they_finished(fresh_store):
    first = fresh_store.start_run("batch", {"inputs": ["/in"], "workers": 2})
    second = fresh_store.start_run("watch", {})
    fresh_store.finish_run(first, scored=13, skipped=1, failed=2)
    runs = fresh_store.runs()
    assert [(r.id, r.kind, r.scored, r.skipped, r.failed, r.finished) for r in runs] == [
        (first, "batch", 13, 1, 2, True),
        (second, "watch", 0, 0, 0, False),
    ]
    assert runs[0].args == {"inputs": ["/in"], "workers": 2}
    assert runs[1].finished_at is None and runs[0].finished_at >= runs[0].started_at


def test_the_ledger_shows_each_calls_state_claim_and_attempts(fresh_store):
    for sha, path in (("a" * 64, "/in/a.flac"), ("b" * 64, "/in/b.flac"), ("c" * 64, "/in/c.flac")):
        fresh_store.register(sha, path)
    held = fresh_store.claim("a" * 64, "/in/a.flac").claim
    failed = fresh_store.claim("b" * 64, "/in/b.flac").claim
    fresh_store.fail(failed, "/in/b.flac: is empty (0 bytes)")
    assert fresh_store.held_claims() == 1
    rows = fresh_store.ledger()
    assert [(r.path, r.state, r.claim_token, r.claimed_by, r.attempts) for r in rows] == [
        ("/in/a.flac", "claimed", held.token, held.worker, 1),
        ("/in/b.flac", "failed", None, None, 1),
        ("/in/c.flac", "pending", None, None, 0),
    ]
    assert rows[0].lease_until > time.time() and rows[0].sha256 == "a" * 64
    fresh_store.release(held)
    assert fresh_store.held_claims() == 0
    again = fresh_store.claim("a" * 64, "/in/a.flac").claim
    assert (fresh_store.ledger()[0].attempts, fresh_store.ledger()[0].claim_token) == (
        2,
        again.token,
    )


def test_transcripts_are_counted_once_per_key_however_often_scored(fresh_store, reviewer, perfect):
    assert fresh_store.transcript_count() == 0
    scored_call(fresh_store, reviewer, perfect, sha="a" * 64)
    scored_call(fresh_store, reviewer, perfect, sha="b" * 64)
    assert fresh_store.transcript_count() == 2


def test_a_sound_store_has_no_integrity_problems(fresh_store, reviewer, perfect):
    scored_call(fresh_store, reviewer, perfect)
    assert fresh_store.integrity_problems() == []


def test_a_meta_value_is_set_once_and_the_first_writer_wins(fresh_store):
    assert fresh_store.meta_value("web_session_secret") is None
    assert fresh_store.meta_default("web_session_secret", "first") == "first"
    assert fresh_store.meta_default("web_session_secret", "second") == "first"
    assert fresh_store.meta_value("web_session_secret") == "first"


# --- people's decisions, as rows (the rules on them: tests/test_web_people.py) --------------


def test_users_are_stored_with_their_hash_and_read_back_by_name(fresh_store):
    fresh_store.add_user("rita", "reviewer", None, "$argon2id$hash-of-rita")
    fresh_store.add_user("ann", "agent", "A001", "$argon2id$hash-of-ann")
    fresh_store.add_user("ann", "admin", None, "$argon2id$other")  # a name taken: left as it is
    assert [(u.name, u.role, u.agent) for u in fresh_store.users()] == [
        ("ann", "agent", "A001"),
        ("rita", "reviewer", None),
    ]
    assert fresh_store.password_hash("ann") == "$argon2id$hash-of-ann"
    assert fresh_store.password_hash("nobody") is None and fresh_store.user("nobody") is None


def test_overrides_appeals_and_kept_finals_are_rows_on_a_review_version(
    fresh_store, reviewer, perfect
):
    call = scored_call(fresh_store, reviewer, perfect)
    review = fresh_store.call(call).review_id
    with fresh_store.transaction():
        fresh_store.lock_call(call)
        first = fresh_store.add_override(
            call, review, "greeting", "pass", "fail", "cut", "rita", 1.0
        )
        fresh_store.add_override(call, review, "greeting", "fail", "review", "unsure", "sam", 2.0)
        fresh_store.set_final_status(review, "greeting", "review")
        fresh_store.keep_final(review, call, 87.5, "good", "sam", 2.0)
    assert fresh_store.override_statuses(review) == {"greeting": "review"}
    assert [(o.id, o.by_user, o.to_status, o.version) for o in fresh_store.overrides(call)][0] == (
        first,
        "rita",
        "fail",
        1,
    )
    kept = fresh_store.kept_final(review)
    assert (kept.call, kept.score, kept.band, kept.reviewed_by) == (call, 87.5, "good", "sam")
    page = fresh_store.queue()
    assert [(r.id, r.score, r.auto_score, r.reviewed, r.problems) for r in page.rows] == [
        (call, 87.5, 100.0, True, (("greeting", "review"),))
    ]
    appeal = fresh_store.add_appeal(call, "greeting", "I greeted", "ann", 3.0)
    assert fresh_store.open_appeal(call, "greeting") == appeal
    assert fresh_store.decide_appeal(appeal, "upheld", "sam", 4.0, "heard it") is True
    assert fresh_store.decide_appeal(appeal, "overturned", "sam", 5.0, "again") is False
    assert fresh_store.open_appeal(call, "greeting") is None
    (decided,) = fresh_store.appeals(call)
    assert (decided.status, decided.decided_by, decided.decision_note) == (
        "upheld",
        "sam",
        "heard it",
    )
    assert fresh_store.appeals(status="open") == []
    assert ("greeting", "pass", "review", 1) in fresh_store.agreement_counts()
    tallies = fresh_store.agent_tallies()
    assert [(d[2], d[3], d[6]) for d in tallies.days] == [(1, 87.5, 1)]
    assert tallies.bands == [(None, "good", 1)] and tallies.open_appeals == []


# --- status and foreign files (issue 29 item 15) --------------------------------------------


def _callreview(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "callreview", *args], capture_output=True, text=True, timeout=120
    )


def _gone_pid() -> str:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_status_counts_claims_whose_worker_is_gone_as_pending_not_in_progress(
    fresh_store, store_url
):
    for sha in ("1", "2", "3"):
        fresh_store.register(sha * 64, f"/{sha}.flac")
    dead_here = f"{socket.gethostname()}:{_gone_pid()}"
    fresh_store.claim("1" * 64, "/1.flac", worker=dead_here, lease_s=3600)
    fresh_store.claim("2" * 64, "/2.flac", worker="node-7:99999999", lease_s=-1)  # lease ran out
    fresh_store.claim("3" * 64, "/3.flac", worker="node-8:99999999", lease_s=3600)
    done = _callreview("status", "--db", store_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:3] == ["pending       2", "in progress   1"]


def test_an_sqlite_file_with_other_tables_is_refused_and_left_as_it_was(tmp_path):
    path = tmp_path / "crm.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE b (x)")
        conn.execute("CREATE TABLE a (y)")
    done = _callreview("status", "--db", str(path))
    assert (done.returncode, done.stdout) == (5, "")
    assert done.stderr == (
        f"callreview: error: {path}: not a callreview store (it has tables a, b); "
        "point --db at a new file or a callreview store\n"
    )
    with sqlite3.connect(path) as conn:
        tables = conn.execute("SELECT name FROM sqlite_master ORDER BY name").fetchall()
    assert tables == [("a",), ("b",)]


def test_an_empty_sqlite_file_becomes_a_store(tmp_path):
    path = tmp_path / "new.db"
    path.write_bytes(b"")
    with open_store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION


def test_a_run_whose_process_was_killed_is_marked_finished_when_the_next_run_starts(
    fresh_store, store_url
):
    code = (
        "import sys; from callreview.store import open_store; "
        "s = open_store(sys.argv[1]); s.start_run('batch', {'calls': 3}); s.close()"
    )
    subprocess.run([sys.executable, "-c", code, store_url], check=True, timeout=60)
    (killed,) = fresh_store.runs()
    assert not killed.finished  # its process ended without finishing it, as a SIGKILL leaves it
    live = fresh_store.start_run("watch", {})
    runs = fresh_store.runs()
    assert [(r.id, r.finished) for r in runs] == [(killed.id, True), (live, False)]
    assert runs[0].args == {"calls": 3, "killed": True}
    assert (runs[0].scored, runs[0].skipped, runs[0].failed) == (0, 0, 0)


def test_a_run_on_another_host_is_left_unfinished(fresh_store):
    other = fresh_store.start_run("batch", {})
    fresh_store.db.execute("UPDATE runs SET host = 'node-7', pid = 1 WHERE id = ?", (other,))
    fresh_store.start_run("batch", {})
    assert [r.finished for r in fresh_store.runs()] == [False, False]
