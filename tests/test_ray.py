"""Specs for ``batch --ray``: the same score_job on a Ray cluster, each call stored once in PostgreSQL.

A real Ray head runs for the module (``ray start --head --block``, 2 CPUs, in a short temporary
folder), and each test gets a fresh PostgreSQL database. Tests marked ``model`` transcribe a few
short bundled recordings on the actors; the others use transcript JSONs (no model).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from callreview.errors import CallreviewError
from callreview.jobs.engine import Job, RunOptions
from callreview.jobs.ray import PER_ACTOR, run_on_ray
from callreview.settings import Settings
from callreview.store import open_store

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "audio_samples"
TRUTH = SAMPLES / "truth"
TWO = RunOptions(workers=2)
"""Two actors: what the 2-CPU head holds."""


@dataclass(frozen=True)
class RayHead:
    address: str
    folder: Path
    """Ray's temporary folder: the session logs are under it."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ray_head():
    """A Ray head on this machine with 2 CPUs, as a user starts one (`ray start --head`)."""
    folder = Path(
        tempfile.mkdtemp(prefix="crray-", dir="/tmp")
    )  # Ray's socket paths must stay short
    port = _free_port()
    command = [
        str(Path(sys.executable).with_name("ray")),
        "start",
        "--head",
        "--block",
        f"--port={port}",
        "--num-cpus=2",
        f"--temp-dir={folder}",
        "--include-dashboard=false",
        "--disable-usage-stats",
        "--object-store-memory=100000000",
        f"--ray-client-server-port={_free_port()}",
        f"--dashboard-agent-listen-port={_free_port()}",
        f"--dashboard-port={_free_port()}",
    ]
    log = open(folder / "head.log", "wb")
    head = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"},
    )
    try:
        deadline = time.monotonic() + 120
        while b"Ray runtime started" not in (folder / "head.log").read_bytes():
            if head.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "ray start --head failed:\n"
                    + (folder / "head.log").read_text(errors="replace")[-3000:]
                )
            time.sleep(0.5)
        yield RayHead(f"127.0.0.1:{port}", folder)
    finally:
        head.send_signal(signal.SIGTERM)  # `ray start --block` stops the processes it started
        try:
            head.wait(60)
        except subprocess.TimeoutExpired:
            head.kill()
            head.wait()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def callreview(
    *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "callreview", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def transcripts(folder: Path, copies: int) -> list[Path]:
    """``copies`` distinct transcript JSONs (the bundled ones, each with its own bytes, so its own call)."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(TRUTH.glob("*.json"))
    out = []
    for i in range(copies):
        source = sources[i % len(sources)]
        target = folder / f"{source.stem}_{i:03d}.json"
        target.write_text(
            source.read_text(encoding="utf-8") + "\n" * (i // len(sources)), encoding="utf-8"
        )
        out.append(target)
    return out


def stored(url: str) -> dict[str, dict]:
    """Each stored call by file name: its state, score, band, items (status, points) and review versions."""
    with open_store(url) as store:
        out = {}
        for call in store.calls():
            name = Path(call.path).name
            assert name not in out, f"{name} is stored as two calls"
            items = {
                k: (v["status"], v["points"])
                for k, v in (call.review or {}).get("items", {}).items()
            }
            out[name] = {
                "state": call.state,
                "score": call.score,
                "band": call.band,
                "items": items,
                "versions": len(store.history(call.id)),
            }
        return out


def attempts(url: str) -> dict[str, int]:
    """How many times each call was claimed (the store's own count)."""
    with open_store(url) as store:
        return {Path(row.path).name: row.attempts for row in store.ledger()}


def actor_pids() -> dict[int, str]:
    """Ray actor processes on this machine scoring with callreview, by pid, with their title."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (
                (entry / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace").strip()
            )
        except OSError:
            continue
        if title.startswith("ray::ScoringActor"):
            found[int(entry.name)] = title
    return found


def actor_holding_a_claim(url: str, ignore: set[int]) -> int | None:
    """The pid of a new actor scoring a call it has claimed in the store (claims name
    ``host:pid``), or ``None`` while there is none."""
    scoring = {
        pid
        for pid, title in actor_pids().items()
        if pid not in ignore and title == "ray::ScoringActor.score"
    }
    if not scoring:
        return None
    with open_store(url) as store:
        holders = {
            int(row.claimed_by.rsplit(":", 1)[1])
            for row in store.ledger()
            if row.state == "claimed" and row.claimed_by
        }
    return min(scoring & holders, default=None)


# --- on recordings (the model on the actors) -----------------------------------------------


@pytest.mark.model
def test_batch_ray_stores_each_call_once_with_the_scores_of_a_local_batch(
    ray_head, postgres_url, tmp_path
):
    files = [
        str(SAMPLES / "09_no_closing.flac"),
        str(SAMPLES / "03_bare_wei.flac"),
        str(TRUTH / "07_forbidden.json"),
        str(TRUTH / "10_outbound.json"),
    ]

    on_ray = callreview(
        "batch", *files, "--db", postgres_url, "--ray", ray_head.address, "--workers", "2"
    )
    local_db = str(tmp_path / "local.db")
    local = callreview(
        "batch",
        *files,
        "--db",
        local_db,
        "--workers",
        "2",
        "--threads",
        "1",
        env={"CALLREVIEW_CACHE": str(tmp_path / "local-cache")},
    )

    assert (on_ray.returncode, on_ray.stdout) == (0, "4 scored, 0 already scored, 0 failed\n"), (
        on_ray.stderr
    )
    assert (local.returncode, local.stdout) == (0, "4 scored, 0 already scored, 0 failed\n"), (
        local.stderr
    )
    ray_calls, local_calls = stored(postgres_url), stored(local_db)
    assert sorted(ray_calls) == [
        "03_bare_wei.flac",
        "07_forbidden.json",
        "09_no_closing.flac",
        "10_outbound.json",
    ]
    assert all(call["state"] == "scored" and call["versions"] == 1 for call in ray_calls.values())
    assert ray_calls == local_calls
    assert ray_calls["09_no_closing.flac"]["items"]["closing"][0] == "fail"
    assert ray_calls["07_forbidden.json"]["items"]["forbidden"][0] == "fail"

    # Ray's own chatter stays off the terminal, and what was said stays out of Ray's logs
    assert "Ray" not in on_ray.stderr and "WARNING" not in on_ray.stderr, on_ray.stderr
    with open_store(postgres_url) as store:
        said = [
            seg.text
            for call in store.calls()
            for seg in store.transcript(call.id).segments
            if len(seg.text) >= 6
        ]
    assert said
    logs = b"".join(
        p.read_bytes()
        for p in ray_head.folder.rglob("*")
        if p.is_file() and p.suffix in (".out", ".err", ".log")
    )
    assert [text for text in said if text.encode() in logs] == []


@pytest.mark.model
def test_batch_ray_goes_on_when_an_actor_is_killed_mid_call(ray_head, postgres_url):
    files = [
        str(SAMPLES / "02_no_greeting.flac"),
        str(SAMPLES / "04_name_zero.flac"),
        str(SAMPLES / "09_no_closing.flac"),
    ]
    before = set(actor_pids())
    batch = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "callreview",
            "batch",
            *files,
            "--db",
            postgres_url,
            "--ray",
            ray_head.address,
            "--workers",
            "2",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        victim = None
        deadline = time.monotonic() + 300
        while victim is None and time.monotonic() < deadline and batch.poll() is None:
            victim = actor_holding_a_claim(postgres_url, before)
            if victim is None:
                time.sleep(0.2)
        if victim is not None:  # its call is claimed: the model is loading or transcribing it
            os.kill(victim, signal.SIGKILL)
        out, err = batch.communicate(timeout=600)
    finally:
        if batch.poll() is None:
            batch.kill()
            batch.wait()

    assert victim is not None, "no actor was seen scoring"
    assert (batch.returncode, out) == (0, "3 scored, 0 already scored, 0 failed\n"), err
    died = [line for line in err.splitlines() if "Ray" in line]
    assert len(died) == 1 and re.fullmatch(
        r"callreview: a Ray actor died while scoring /\S+\.flac; another actor scores it", died[0]
    ), err
    calls = stored(postgres_url)
    assert sorted(calls) == ["02_no_greeting.flac", "04_name_zero.flac", "09_no_closing.flac"]
    assert all(call["state"] == "scored" and call["versions"] == 1 for call in calls.values())
    assert sorted(attempts(postgres_url).values()) == [
        1,
        1,
        2,
    ]  # the killed actor's call was taken over, stored once
    with open_store(postgres_url) as store:
        assert store.errors() == []


# --- on transcripts (no model) ---------------------------------------------------------------


def test_batch_ray_resumes_from_the_store_and_records_a_bad_file(ray_head, postgres_url, tmp_path):
    files = [str(p) for p in transcripts(tmp_path / "calls", 6)]
    broken = tmp_path / "calls" / "broken.json"
    broken.write_text('{"segments": [', encoding="utf-8")
    on_ray = ("--db", postgres_url, "--ray", ray_head.address, "--workers", "2")

    first = callreview("batch", *files[:3], *on_ray)
    again = callreview("batch", *files, str(broken), *on_ray)

    assert (first.returncode, first.stdout) == (0, "3 scored, 0 already scored, 0 failed\n"), (
        first.stderr
    )
    assert again.returncode == 6, again.stderr
    head, error = again.stdout.splitlines()
    assert head == "3 scored, 3 already scored, 1 failed"
    assert error.startswith(f"  {broken}: ")
    calls = stored(postgres_url)
    assert len(calls) == 7
    assert [name for name, c in calls.items() if c["state"] != "scored" or c["versions"] != 1] == [
        "broken.json"
    ]
    with open_store(postgres_url) as store:
        assert [(e.path, e.message) for e in store.errors()] == [(str(broken), error.strip())]


def test_run_on_ray_stopped_early_then_run_again_stores_every_call_once(
    ray_head, postgres_url, tmp_path
):
    jobs = [Job(path) for path in transcripts(tmp_path, 20)]

    first = run_on_ray(jobs, Settings(), postgres_url, TWO, address=ray_head.address)
    seen = [next(first) for _ in range(5)]
    first.close()  # as `batch` does on the first Ctrl-C: the calls in flight finish, no more start
    second = list(run_on_ray(jobs, Settings(), postgres_url, TWO, address=ray_head.address))

    assert [o.status for o in seen] == ["scored"] * 5
    statuses = sorted(o.status for o in second)
    assert len(second) == 20 and set(statuses) == {"already", "scored"}
    assert statuses.count("already") >= 5
    calls = stored(postgres_url)
    assert len(calls) == 20 and all(
        c["state"] == "scored" and c["versions"] == 1 for c in calls.values()
    )


def test_run_on_ray_takes_jobs_only_as_actors_free_up(ray_head, postgres_url, tmp_path):
    paths = transcripts(tmp_path, 30)
    taken = []

    def lazily():
        for path in paths:
            taken.append(path)
            yield Job(path)

    ahead = []
    for done, outcome in enumerate(
        run_on_ray(lazily(), Settings(), postgres_url, TWO, address=ray_head.address)
    ):
        assert outcome.status == "scored"
        ahead.append(len(taken) - done)
    assert len(ahead) == 30
    assert (
        max(ahead) == 2 * PER_ACTOR
    )  # 2 actors: never more jobs taken from the iterator than they hold


def test_run_on_ray_stop_lets_the_running_calls_finish_and_starts_no_more(
    ray_head, postgres_url, tmp_path
):
    import threading

    jobs = [Job(path) for path in transcripts(tmp_path, 20)]
    stop = threading.Event()
    yielded = []
    for outcome in run_on_ray(
        jobs, Settings(), postgres_url, TWO, address=ray_head.address, stop=stop
    ):
        yielded.append(outcome)
        stop.set()  # the first Ctrl-C of `batch`

    assert (
        len(yielded) == 2
    )  # the call that came back first, and the one the other actor was scoring
    assert all(o.status == "scored" for o in yielded)
    calls = stored(postgres_url)
    assert sorted(calls) == sorted(
        Path(o.path).name for o in yielded
    )  # nothing else claimed, nothing left half-done
    assert all(c["state"] == "scored" and c["versions"] == 1 for c in calls.values())


def test_run_on_ray_stops_with_the_store_error_when_actors_cannot_open_the_store(
    ray_head, tmp_path
):
    unreachable = f"postgresql://callreview@127.0.0.1:{_free_port()}/none"
    with pytest.raises(CallreviewError) as err:
        list(
            run_on_ray(
                [Job(p) for p in transcripts(tmp_path, 2)],
                Settings(),
                unreachable,
                TWO,
                address=ray_head.address,
            )
        )
    assert err.value.exit_code == 5
    assert str(err.value).startswith(
        f"postgresql://callreview@127.0.0.1:{unreachable.split(':')[2].split('/')[0]}/none"
    )


def test_batch_ray_refuses_more_actors_than_the_cluster_has(ray_head, tmp_path):
    result = callreview(
        "batch",
        str(TRUTH / "01_perfect.json"),
        "--db",
        str(tmp_path / "q.db"),
        "--ray",
        ray_head.address,
        "--workers",
        "3",
    )
    assert result.returncode == 4
    assert result.stderr.splitlines()[-1] == (
        f"callreview: error: the Ray cluster at {ray_head.address} has 2 CPUs, but --workers 3 × --threads 1 need 3; "
        "lower --workers or --threads, or add nodes"
    )


def test_batch_ray_refuses_an_address_nobody_listens_on(tmp_path):
    address = f"127.0.0.1:{_free_port()}"
    result = callreview(
        "batch",
        str(TRUTH / "01_perfect.json"),
        "--db",
        str(tmp_path / "q.db"),
        "--ray",
        address,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"callreview: error: --ray {address}: nothing answers there (Connection refused); "
        "start the head with `ray start --head`, or check the address"
    )
    assert re.fullmatch(r"callreview: error: .*\n", result.stderr)
