"""`callreview watch` and `callreview status`: real folders, real files, a real `callreview watch` process.

Most calls are transcript JSONs (copies of ``audio_samples/truth/*.json`` made distinct by their
``file`` key) so the model stays out; the two tests that need a call that takes seconds to score
use real audio and the real model (``@pytest.mark.model``).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SAMPLES

from callreview.store import CallMeta, open_store

TRUTHS = sorted((SAMPLES / "truth").glob("*.json"))
SHORT_CALLS = (
    SAMPLES / "09_no_closing.flac",
    SAMPLES / "03_bare_wei.flac",
)  # 36 s and 41 s of audio
NO_MODEL = {"CALLREVIEW_MODEL": "/nonexistent/model"}
"""For the transcript-JSON tests: proves the watcher never loads a model for them."""


# --- helpers ------------------------------------------------------------------------


def transcript_bytes(i: int) -> bytes:
    """The i-th distinct transcript JSON: a sample's, with its own ``file`` (so its own sha256)."""
    data = json.loads(TRUTHS[i % len(TRUTHS)].read_text(encoding="utf-8"))
    data["file"] = f"call_{i:03d}.flac"
    return json.dumps(data, ensure_ascii=False, indent=1).encode()


def put(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def oldest_first(*paths: Path) -> None:
    """Give the files mtimes a second apart, in this order (the watcher scores the oldest first)."""
    for i, path in enumerate(paths):
        os.utime(path, (1_700_000_000 + i, 1_700_000_000 + i))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def wait_for(what, timeout: float = 60.0, every: float = 0.1):
    """Poll ``what()`` until it is truthy; fail the test (saying what) after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(
                f"timed out after {timeout:g} s waiting for {getattr(what, '__doc__', None) or what}"
            )
        time.sleep(every)


def ledger(db: str) -> dict[str, dict]:
    """Every call in the store by its first path: state, its review versions, every path it was seen at."""
    with open_store(db) as store:
        return {
            c.path: {
                "state": c.state,
                "sha": c.sha256,
                "versions": len(store.history(c.id)),
                "paths": store.paths(c.id),
                "score": c.score,
            }
            for c in store.calls()
        }


def handled_past(proc: WatchProcess, folder: Path) -> Path:
    """Drop a marker recording into ``folder`` and wait until ``proc`` has scored it. Events are
    taken in order and ready files are sent oldest first, so by then anything an earlier event
    would have sent (a second scoring, our own result file) has been sent and logged too."""
    marker = put(folder, "zz_marker.json", transcript_bytes(99))

    def marker_scored():
        """the marker file scored"""
        return any(line.split()[1] == str(marker) for line in proc.lines("scored"))

    wait_for(marker_scored, 30)
    return marker


def errors(db: str):
    with open_store(db) as store:
        return store.errors()


def held_claims(db: str) -> int:
    with open_store(db) as store:
        return store.held_claims()


def scored_count(db: str) -> int:
    with open_store(db) as store:
        return store.counts().scored


class WatchProcess:
    """A real ``python -m callreview watch`` with its log in a file (a pipe could fill and block it)."""

    def __init__(self, cwd: Path, name: str, *args: str, env: dict[str, str]) -> None:
        self.log_path, self.err_path = cwd / f"{name}.log", cwd / f"{name}.err"
        self.args = args
        with open(self.log_path, "w") as out, open(self.err_path, "w") as err:
            env = {
                **os.environ,
                **env,
                "PYTHONFAULTHANDLER": "1",  # SIGABRT prints every thread's stack (see stop)
            }
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "callreview", "watch", *args],
                cwd=cwd,
                stdout=out,
                stderr=err,
                env=env,
            )

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    @property
    def err(self) -> str:
        return self.err_path.read_text(encoding="utf-8")

    def lines(self, status: str) -> list[str]:
        return [line for line in self.log.splitlines() if line.startswith(status + " ")]

    def wait_started(self, timeout: float = 60.0) -> WatchProcess:
        def started():
            """the watcher's first line"""
            if self.proc.poll() is not None:
                pytest.fail(f"watch exited {self.proc.returncode}: {self.err}")
            return self.log.startswith("watching ")

        wait_for(started, timeout)
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGABRT)  # where it hangs, for the failure message
            self.proc.wait(10)
            pytest.fail(
                f"watch did not stop within {timeout:g} s of {signal.Signals(sig).name}; log:\n{self.log[-2000:]}\nstderr:\n{self.err[-6000:]}"
            )


@pytest.fixture
def watcher(tmp_path):
    """Start ``callreview watch ARGS…`` processes; any still running at the end are killed."""
    started: list[WatchProcess] = []

    def start(
        *args: str, name: str | None = None, wait: bool = True, env: dict[str, str] = NO_MODEL
    ) -> WatchProcess:
        proc = WatchProcess(tmp_path, name or f"watch{len(started) + 1}", *args, env=env)
        started.append(proc)
        return proc.wait_started() if wait else proc

    yield start
    for proc in started:
        if proc.proc.poll() is None:
            proc.proc.kill()
            proc.proc.wait()


@pytest.fixture
def inbox(tmp_path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def db(tmp_path) -> str:
    return str(tmp_path / "callreview.db")


def json_watch(inbox: Path, db: str, *more: str, settle: str = "1") -> tuple[str, ...]:
    return (str(inbox), "--db", db, "--pattern", "*.json", "--settle", settle, *more)


def run_cli(
    *args: str, cwd: Path, timeout: float = 120, env: dict[str, str] = NO_MODEL
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "callreview", *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# --- never half a file --------------------------------------------------------------


def test_watch_scores_a_slowly_written_file_once_after_it_completes(watcher, inbox, db):
    proc = watcher(*json_watch(inbox, db, settle="2"))
    data = transcript_bytes(3)
    chunks = [data[i : i + len(data) // 10 + 1] for i in range(0, len(data), len(data) // 10 + 1)]
    assert len(chunks) >= 10
    with open(
        inbox / "slow.json", "wb"
    ) as fh:  # ten chunks, 0.4 s apart: 4 s of writing, every gap under the settle window
        for chunk in chunks:
            fh.write(chunk)
            fh.flush()
            completed = (
                time.time()
            )  # the last write (the pause and the store look below come after it)
            time.sleep(0.4)
            assert (
                ledger(db) == {} and errors(db) == []
            )  # never scored (nor refused) while it grows

    wait_for(lambda: scored_count(db) == 1, 30)
    calls = ledger(db)
    assert list(calls) == [str(inbox / "slow.json")]
    call = calls[str(inbox / "slow.json")]
    assert call["sha"] == sha(data) and call["versions"] == 1  # the whole file, once
    assert errors(db) == []
    with open_store(db) as store:
        (review,) = store.history(store.call_by_sha(sha(data)).id)
    assert (
        review.created_at >= completed + 2.0 - 0.3
    )  # not before the settle window after the last write
    handled_past(proc, inbox)  # later events of the same file change nothing
    assert proc.stop() == 0
    slow = [line for line in proc.log.splitlines() if str(inbox / "slow.json") in line]
    assert len(slow) == 1 and slow[0].startswith("scored ")
    assert ledger(db)[str(inbox / "slow.json")]["versions"] == 1


def test_watch_ignores_temporary_names_and_scores_a_file_renamed_into_place_at_once(
    watcher, inbox, db
):
    proc = watcher(*json_watch(inbox, db, settle="30"))  # a settle window longer than the test
    put(inbox, "call.json.part", transcript_bytes(1))
    put(inbox, "call.json.tmp", transcript_bytes(2))
    put(inbox, ".call.json", transcript_bytes(4))
    part = put(inbox, "upload.part", transcript_bytes(5))
    os.replace(
        part, inbox / "renamed.json"
    )  # the recorder's last step: the name is final only when the file is
    wait_for(lambda: scored_count(db) == 1, 25)
    assert list(ledger(db)) == [str(inbox / "renamed.json")]
    assert proc.stop() == 0
    (line,) = proc.lines("scored")
    latency = float(re.search(r" · ([\d.]+) s after complete \([\d.]+ s scoring\)$", line).group(1))
    assert latency < 15  # renamed in: well under the 30 s settle window (a loaded CI is slow)
    assert list(ledger(db)) == [
        str(inbox / "renamed.json")
    ]  # the .part, .tmp and dotfile never were


# --- exactly once ---------------------------------------------------------------------


def test_watch_twenty_files_dropped_at_once_give_twenty_results_none_twice(
    watcher, inbox, tmp_path, store_url
):
    staging = tmp_path / "staging"
    staging.mkdir()
    sources = [put(staging, f"call_{i:03d}.json", transcript_bytes(i)) for i in range(20)]
    proc = watcher(*json_watch(inbox, store_url))
    for source in sources:
        shutil.copy(source, inbox / source.name)
    wait_for(lambda: scored_count(store_url) == 20, 60)
    marker = handled_past(proc, inbox)  # nothing is scored a second time after the twenty
    assert proc.stop() == 0
    calls = ledger(store_url)
    del calls[str(marker)]
    assert sorted(calls) == sorted(str(inbox / s.name) for s in sources)
    assert all(
        c["state"] == "scored" and c["versions"] == 1 and len(c["paths"]) == 1
        for c in calls.values()
    )
    scored = [line for line in proc.lines("scored") if line.split()[1] != str(marker)]
    assert len(scored) == 20 and len({line.split()[1] for line in scored}) == 20
    assert proc.lines("already") == []


def test_watch_two_watchers_on_one_folder_and_store_score_each_file_once(watcher, inbox, store_url):
    first = watcher(*json_watch(inbox, store_url), name="first")
    second = watcher(*json_watch(inbox, store_url), name="second")
    for i in range(12):
        put(inbox, f"call_{i:03d}.json", transcript_bytes(i))
    wait_for(lambda: scored_count(store_url) == 12, 60)
    wait_for(lambda: held_claims(store_url) == 0, 30)  # no call is still being scored by either
    assert first.stop() == 0 and second.stop() == 0
    calls = ledger(store_url)
    assert len(calls) == 12 and all(c["versions"] == 1 for c in calls.values())
    assert len(first.lines("scored")) + len(second.lines("scored")) == 12
    assert {line.split()[1] for line in first.lines("scored") + second.lines("scored")} == set(
        calls
    )


def test_watch_a_copy_of_a_scored_file_under_a_new_name_is_not_scored_again(watcher, inbox, db):
    proc = watcher(*json_watch(inbox, db))
    original = put(inbox, "call_0412.json", transcript_bytes(6))
    wait_for(lambda: scored_count(db) == 1, 30)
    shutil.copy(original, inbox / "call_0412_copy.json")

    def both_paths():
        """the copy's path recorded on the same call"""
        return ledger(db)[str(original)]["paths"] == [
            str(original),
            str(inbox / "call_0412_copy.json"),
        ]

    wait_for(both_paths, 30)
    wait_for(lambda: proc.lines("already"), 10)
    assert proc.stop() == 0
    calls = ledger(db)
    assert (
        list(calls) == [str(original)] and calls[str(original)]["versions"] == 1
    )  # one call, one review, two paths
    (already,) = proc.lines("already")
    assert already.startswith(f"already  {inbox / 'call_0412_copy.json'} · ") and already.endswith(
        " · same audio as call 1"
    )
    assert len(proc.lines("scored")) == 1


# --- bad files ------------------------------------------------------------------------


def test_watch_records_a_corrupt_file_and_still_scores_the_next_good_one(watcher, inbox, db):
    proc = watcher(str(inbox), "--db", db, "--pattern", "*.json,*.flac", "--settle", "1")
    bad = put(inbox, "corrupt.flac", random.Random(0).randbytes(40_000))
    wait_for(lambda: errors(db), 30)
    good = put(inbox, "good.json", transcript_bytes(0))
    wait_for(lambda: scored_count(db) == 1, 30)
    assert proc.stop() == 0
    (error,) = errors(db)
    assert error.path == str(bad) and error.exit_code == 2
    assert error.message.startswith(f"{bad}: ") and "\n" not in error.message
    calls = ledger(db)
    assert calls[str(bad)]["state"] == "failed" and calls[str(bad)]["versions"] == 0
    assert calls[str(good)]["state"] == "scored"
    assert proc.lines("failed") == [f"failed   {error.message}"]
    assert bad.exists()  # no --failed-dir: it stays where it is


def test_watch_does_not_retry_a_bad_file_until_it_changes(watcher, inbox, db):
    proc = watcher(*json_watch(inbox, db))
    broken = put(inbox, "broken.json", b'{"file": "x.flac", "segments": [')
    wait_for(lambda: errors(db), 30)
    os.utime(broken)  # touched, same bytes: the same bad audio, not tried again
    wait_for(lambda: proc.lines("skipped"), 30)
    assert len(errors(db)) == 1 and len(proc.lines("failed")) == 1
    (skipped,) = proc.lines("skipped")
    assert skipped.endswith(" · failed before; not retried until the file changes")
    broken.write_bytes(transcript_bytes(2))  # fixed: new content is a new call
    wait_for(lambda: scored_count(db) == 1, 30)
    assert proc.stop() == 0
    assert len(errors(db)) == 1
    with open_store(db) as store:
        assert store.call_by_sha(sha(transcript_bytes(2))).state == "scored"


def test_watch_moves_a_bad_file_to_the_failed_folder_with_its_error_in_the_store(
    inbox, db, tmp_path
):
    failed = tmp_path / "failed"
    bad = put(inbox, "bad.json", b"not json")
    empty = put(inbox, "empty.json", b"")
    oldest_first(bad, empty, put(inbox, "good.json", transcript_bytes(1)))
    result = run_cli(
        "watch",
        *json_watch(inbox, db, "--once", "--failed-dir", str(failed), settle="0.5"),
        cwd=tmp_path,
    )
    assert result.returncode == 6, result.stderr  # some calls failed, others were scored
    assert not bad.exists() and (failed / "bad.json").read_bytes() == b"not json"
    assert f"moved    {bad} → {failed / 'bad.json'}" in result.stdout.splitlines()
    assert (
        empty.exists()
    )  # an empty file may still be open in the recorder: its error is recorded, the file is left
    assert [(e.path, e.message.split(": ", 1)[1]) for e in errors(db)] == [
        (
            str(bad),
            "not a readable transcript JSON (Expecting value: line 1 column 1 (char 0)); re-create it with `callreview transcribe --json`",
        ),
        (str(empty), "is empty (0 bytes); check the recording was saved completely"),
    ]
    assert ledger(db)[str(inbox / "good.json")]["state"] == "scored"


# --- results ------------------------------------------------------------------------


def test_watch_writes_each_result_as_json_beside_the_recording_and_under_out(
    watcher, inbox, db, tmp_path
):
    out = tmp_path / "results"
    (inbox / "agent7").mkdir()
    proc = watcher(*json_watch(inbox, db, "--recursive", "--json-beside", "--out", str(out)))
    call = put(inbox / "agent7", "call_0007.json", transcript_bytes(6))
    wait_for(lambda: (out / "agent7" / "call_0007.json.review.json").exists(), 30)
    marker = handled_past(proc, inbox / "agent7")  # our result files are not taken for recordings
    assert proc.stop() == 0
    beside = json.loads(
        (inbox / "agent7" / "call_0007.json.review.json").read_text(encoding="utf-8")
    )
    under = json.loads((out / "agent7" / "call_0007.json.review.json").read_text(encoding="utf-8"))
    assert beside == under and beside["file"] == str(call)
    assert beside["score"] == ledger(db)[str(call)]["score"] and set(beside["items"]) >= {
        "greeting",
        "closing",
    }
    assert sorted(ledger(db)) == [str(call), str(marker)]
    (line,) = [line for line in proc.lines("scored") if line.split()[1] == str(call)]
    assert re.fullmatch(
        rf"scored   {re.escape(str(call))} · [\d.]+ \w+ · failed: [\w, –]+( · needs review)? · [\d.]+ s after complete \([\d.]+ s scoring\)",
        line,
    )


def test_watch_polling_mode_scores_new_files(watcher, inbox, db):
    proc = watcher(*json_watch(inbox, db, "--poll", "0.3"))
    assert "polling every 0.3 s" in proc.log
    put(inbox, "polled.json", transcript_bytes(7))
    wait_for(lambda: scored_count(db) == 1, 30)
    assert proc.stop() == 0
    assert list(ledger(db)) == [str(inbox / "polled.json")]


def test_watch_once_scores_the_backlog_oldest_first_and_exits(inbox, db, tmp_path):
    oldest_first(
        *(
            put(inbox, name, transcript_bytes(i))
            for i, name in enumerate(["c.json", "a.json", "b.json"])
        )
    )
    first = run_cli("watch", *json_watch(inbox, db, "--once", settle="0.5"), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert [
        line.split()[1] for line in first.stdout.splitlines() if line.startswith("scored ")
    ] == [str(inbox / n) for n in ("c.json", "a.json", "b.json")]
    assert (
        first.stdout.splitlines()[-1]
        == "done: 3 scored, 0 already scored, 0 failed, 0 failed before"
    )
    again = run_cli("watch", *json_watch(inbox, db, "--once", settle="0.5"), cwd=tmp_path)
    assert again.returncode == 0
    assert again.stdout.splitlines()[1:] == [
        "done: 0 scored, 3 already scored, 0 failed, 0 failed before"
    ]
    assert all(c["versions"] == 1 for c in ledger(db).values())


def test_watch_once_on_an_empty_folder_exits_at_once(inbox, db, tmp_path):
    done = run_cli("watch", *json_watch(inbox, db, "--once"), cwd=tmp_path, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == [
        "caught up: no files waiting",
        "done: 0 scored, 0 already scored, 0 failed, 0 failed before",
    ]  # a cron job's run ends: it is not stopped by a signal


def test_watch_with_two_workers_scores_each_file_once(inbox, db, tmp_path):
    for i in range(6):
        put(inbox, f"call_{i:03d}.json", transcript_bytes(i))
    result = run_cli(
        "watch", *json_watch(inbox, db, "--once", "--workers", "2", settle="0.3"), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "2 worker(s)" in result.stdout.splitlines()[0]
    assert (
        result.stdout.splitlines()[-1]
        == "done: 6 scored, 0 already scored, 0 failed, 0 failed before"
    )
    calls = ledger(db)
    assert len(calls) == 6 and all(
        c["state"] == "scored" and c["versions"] == 1 for c in calls.values()
    )


def test_watch_refuses_a_folder_that_does_not_exist(tmp_path):
    result = run_cli(
        "watch", str(tmp_path / "nowhere"), "--db", str(tmp_path / "s.db"), cwd=tmp_path
    )
    assert result.returncode == 1
    assert (
        result.stderr
        == f"callreview: error: {tmp_path / 'nowhere'}: no such folder; pass the folder the recorder writes into\n"
    )


def test_watch_retries_a_store_that_went_away_and_loses_no_result(watcher, inbox, postgres_url):
    import psycopg
    from conftest import postgres_admin_url

    name = postgres_url.rsplit("/", 1)[1]
    proc = watcher(*json_watch(inbox, postgres_url))
    with psycopg.connect(postgres_admin_url(), autocommit=True) as admin:
        admin.execute(
            f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false"
        )  # as good as a restarting server
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        put(inbox, "during_outage.json", transcript_bytes(8))
        wait_for(lambda: "store unavailable" in proc.err, 30)
        wait_for(lambda: proc.err.count("store unavailable") >= 2, 30)  # a retry failed as well
        admin.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true")
    wait_for(lambda: scored_count(postgres_url) == 1, 60)
    assert proc.stop() == 0
    assert ledger(postgres_url)[str(inbox / "during_outage.json")]["versions"] == 1
    assert (
        proc.err.startswith("callreview: store unavailable: ")
        and "trying during_outage.json again in 1 s" in proc.err
    )


# --- stopping and restarting (real audio: a call that takes seconds) ---------------------------


@pytest.fixture
def model_env(bundled_model) -> dict[str, str]:
    """The assembled default model, so no watcher assembles it again into its own cache."""
    return {"CALLREVIEW_MODEL": bundled_model.load_from}


def scoring_in(proc: WatchProcess, db: str) -> bool:
    """Whether ``proc`` holds the claim on a call (claims name ``host:pid``): it is scoring it."""
    with open_store(db) as store:
        return any(
            row.state == "claimed" and (row.claimed_by or "").endswith(f":{proc.proc.pid}")
            for row in store.ledger()
        )


@pytest.mark.model
def test_watch_sigkill_while_scoring_then_restart_scores_every_file_exactly_once(
    watcher, inbox, db, model_env
):
    proc = watcher(str(inbox), "--db", db, "--settle", "1", env=model_env)
    for source in SHORT_CALLS:
        shutil.copy(source, inbox / source.name)
    wait_for(lambda: scoring_in(proc, db), 60)
    assert proc.stop(signal.SIGKILL) == -signal.SIGKILL
    before = ledger(db)
    assert all(c["versions"] == 0 for c in before.values())  # nothing half-stored
    assert [c["state"] for c in before.values()] == ["claimed"]  # the killed worker's claim

    again = watcher(str(inbox), "--db", db, "--settle", "1", name="restarted", env=model_env)
    wait_for(lambda: scored_count(db) == 2, 300)
    assert again.stop() == 0
    calls = ledger(db)
    assert sorted(calls) == sorted(str(inbox / s.name) for s in SHORT_CALLS)
    assert all(c["state"] == "scored" and c["versions"] == 1 for c in calls.values())
    assert errors(db) == [] and len(again.lines("scored")) == 2


@pytest.mark.model
def test_watch_sigterm_during_a_call_exits_0_leaves_it_pending_and_a_restart_scores_it(
    watcher, inbox, db, tmp_path, model_env
):
    recording = inbox / SHORT_CALLS[0].name
    proc = watcher(str(inbox), "--db", db, "--settle", "1", env=model_env)
    shutil.copy(SHORT_CALLS[0], recording)
    wait_for(lambda: scoring_in(proc, db), 60)
    started = time.monotonic()
    assert proc.stop(signal.SIGTERM) == 0
    assert (
        time.monotonic() - started < 10
    )  # it gives the call back at once, it does not finish 36 s of audio first
    assert ledger(db) == {
        str(recording): {
            "state": "pending",
            "sha": sha(recording.read_bytes()),
            "versions": 0,
            "paths": [str(recording)],
            "score": None,
        }
    }
    assert errors(db) == []
    assert (
        f"pending  {recording}: stopped while being scored; it is scored at the next start"
        in proc.log.splitlines()
    )
    assert proc.log.splitlines()[-1].startswith("stopped (SIGTERM): 0 scored")

    result = run_cli(
        "watch",
        str(inbox),
        "--db",
        db,
        "--once",
        "--settle",
        "0.5",
        cwd=tmp_path,
        timeout=300,
        env=model_env,
    )
    assert result.returncode == 0, result.stderr
    assert (
        ledger(db)[str(recording)]["state"] == "scored"
        and ledger(db)[str(recording)]["versions"] == 1
    )


# --- callreview status ------------------------------------------------------------------


def test_status_shows_the_queue_and_the_latest_errors(inbox, db, tmp_path):
    put(inbox, "a.json", transcript_bytes(0))
    put(inbox, "b.json", transcript_bytes(1))
    bad = put(inbox, "bad.json", b"not json")
    empty = put(inbox, "empty.json", b"")
    oldest_first(inbox / "a.json", inbox / "b.json", bad, empty)
    assert (
        run_cli("watch", *json_watch(inbox, db, "--once", settle="0.2"), cwd=tmp_path).returncode
        == 6
    )
    with open_store(db) as store:
        store.register("f" * 64, inbox / "waiting.flac", CallMeta())  # known, not scored yet
        at = {
            e.path: time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(e.at)) for e in store.errors()
        }
    result = run_cli("status", "--db", db, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    bad_message = f"{bad}: not a readable transcript JSON (Expecting value: line 1 column 1 (char 0)); re-create it with `callreview transcribe --json`"
    errors_shown = [
        (at[str(bad)], bad_message),
        (at[str(empty)], f"{empty}: is empty (0 bytes); check the recording was saved completely"),
    ]
    assert result.stdout == (
        f"store: {db}\n"
        "pending       1\n"
        "in progress   0\n"
        "failed        1\n"
        "scored today  2\n"
        "last errors:\n" + "".join(f"  {when}  {message}\n" for when, message in errors_shown)
    )
    last = run_cli("status", "--db", db, "--errors", "1", cwd=tmp_path)
    assert last.stdout.splitlines()[-2:] == [
        "last errors:",
        f"  {errors_shown[-1][0]}  {errors_shown[-1][1]}",
    ]


def test_status_of_a_missing_store_folder_is_one_line(tmp_path):
    result = run_cli("status", "--db", str(tmp_path / "no" / "callreview.db"), cwd=tmp_path)
    assert result.returncode == 5
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("callreview: error: ")


@pytest.mark.parametrize("command", ["watch", "status"])
def test_watch_and_status_have_help_with_an_example_and_a_readme_section(command):
    from conftest import REPO
    from typer.testing import CliRunner

    from callreview.cli import app

    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0 and f"Example: callreview {command} " in result.stdout
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert (
        "### The folder watcher" in readme and f"**`callreview {command} " in readme
    )  # its synopsis


# --- a writer that pauses -----------------------------------------------------------


def half_transcript_bytes(i: int) -> bytes:
    """The i-th transcript with only its first half of segments: what a paused writer had."""
    data = json.loads(transcript_bytes(i))
    data["segments"] = data["segments"][: len(data["segments"]) // 2]
    return json.dumps(data, ensure_ascii=False, indent=1).encode()


def states(db: str) -> list[tuple[str, str, int]]:
    """Every call in id order: (sha256, state, review versions)."""
    with open_store(db) as store:
        return [(c.sha256, c.state, len(store.history(c.id))) for c in store.calls(ids=None)]


def test_watch_a_file_completed_after_a_pause_supersedes_its_half_scored_version(
    watcher, inbox, db, tmp_path
):
    proc = watcher(*json_watch(inbox, db))
    half, whole = half_transcript_bytes(4), transcript_bytes(4)
    path = put(inbox, "paused.json", half)  # the writer pauses past the settle window
    wait_for(lambda: scored_count(db) == 1, 30)
    path.write_bytes(whole)  # ... and then writes the rest

    def whole_scored():
        """the completed file scored"""
        return any(s == sha(whole) and state == "scored" for s, state, _ in states(db))

    wait_for(whole_scored, 30)
    handled_past(proc, inbox)
    assert proc.stop() == 0
    marker = sha(transcript_bytes(99))
    assert sorted(states(db)) == sorted(
        [(sha(half), "superseded", 1), (sha(whole), "scored", 1), (marker, "scored", 1)]
    )  # one counted call for the path; the half one kept with its history
    with open_store(db) as store:
        assert store.counts().scored == 2  # the completed call and the marker
        assert [c.sha256 for c in store.calls(state="scored")] == [sha(whole), marker]
    summary = run_cli("summary", "--db", db, "--json", cwd=tmp_path)
    assert summary.returncode == 0, summary.stderr
    assert json.loads(summary.stdout)["total"]["calls"] == 2
    status = run_cli("status", "--db", db, cwd=tmp_path)
    assert "scored today  2\n" in status.stdout


def test_a_superseded_version_seen_again_is_not_scored_again(inbox, db, tmp_path):
    path = put(inbox, "paused.json", half_transcript_bytes(5))
    run = ("watch", *json_watch(inbox, db, "--once", settle="0.2"))
    assert run_cli(*run, cwd=tmp_path).returncode == 0
    path.write_bytes(transcript_bytes(5))
    assert run_cli(*run, cwd=tmp_path).returncode == 0
    path.write_bytes(half_transcript_bytes(5))  # the half version back at the path
    again = run_cli(*run, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "done: 0 scored, 1 already scored, 0 failed, 0 failed before" in again.stdout
    assert [state for _, state, _ in states(db)] == ["superseded", "scored"]


def wav_bytes(frames: int, rate: int = 8000) -> bytes:
    """A mono 16-bit WAV of ``frames`` frames of a tone."""
    import io
    import math
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(
            b"".join(
                int(8000 * math.sin(i / 10)).to_bytes(2, "little", signed=True)
                for i in range(frames)
            )
        )
    return out.getvalue()


def test_watch_holds_a_wav_shorter_than_its_header_declares_until_it_is_complete(
    watcher, inbox, db
):
    data = wav_bytes(16_000)
    proc = watcher(str(inbox), "--db", db, "--pattern", "*.wav", "--settle", "0.5")
    path = inbox / "call.wav"
    with open(path, "wb") as fh:
        fh.write(data[: len(data) // 2])  # the header declares 16000 frames; half of them here
    time.sleep(3.0)  # six settle windows
    assert proc.proc.poll() is None, proc.err  # not sent to scoring (it would need the model)
    assert ledger(db) == {} and errors(db) == []
    held = len(data) - 44
    assert proc.lines("waiting") == [
        f"waiting  {path}: its header declares {held} bytes of audio, it holds "
        f"{len(data) // 2 - 44}; scored once it is complete"
    ]
    with open(path, "ab") as fh:
        fh.write(data[len(data) // 2 :])
    rc = proc.proc.wait(30)  # now complete: it is sent, and the missing model ends the run
    assert rc == 3
    assert proc.err.splitlines()[-1].startswith("callreview: error: /nonexistent/model: no such ")


def test_watch_holds_a_flac_cut_before_the_length_its_header_declares(watcher, inbox, db):
    data = SHORT_CALLS[0].read_bytes()  # 288620 samples at 8 kHz, as its STREAMINFO says
    proc = watcher(str(inbox), "--db", db, "--pattern", "*.flac", "--settle", "0.5")
    path = inbox / "call.flac"
    path.write_bytes(data[: len(data) // 2])
    time.sleep(3.0)
    assert proc.proc.poll() is None, proc.err
    assert ledger(db) == {} and errors(db) == []
    assert proc.lines("waiting") == [
        f"waiting  {path}: its header declares 288620 samples, it holds 143360; "
        "scored once it is complete"
    ]
    with open(path, "ab") as fh:
        fh.write(data[len(data) // 2 :])
    assert proc.proc.wait(30) == 3  # complete: sent, and the missing model ends the run
