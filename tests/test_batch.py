"""`callreview batch`: many calls into the store exactly once, through real subprocesses.

Transcript JSONs (no model) carry the contract on both backends; the tests about bad
audio, a SIGKILL, Ctrl-C and SIGTERM use a few short real recordings and the real
model (``model`` marker).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SAMPLES

from callreview.errors import CallreviewError, SettingsError
from callreview.jobs.batch import Job, discover
from callreview.jobs.manifest import name_pattern, read_manifest
from callreview.store import CallMeta, open_store

TRUTH = SAMPLES / "truth"
SAMPLE_NAMES = [
    "01_perfect",
    "02_no_greeting",
    "03_bare_wei",
    "04_name_zero",
    "05_name_once",
    "06_hold_no_permission",
    "07_forbidden",
    "08_customer_forbidden_words",
    "09_no_closing",
    "10_outbound",
    "11_hold_music",
    "12_hold_no_thanks",
    "13_two_holds",
]
ITEMS = {"greeting", "customer_name", "hold", "forbidden", "closing"}
NOWHERE = "/nonexistent/model"


def callreview(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "callreview", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """A batch in its own process group, as a shell job would be."""
    return subprocess.Popen(
        [sys.executable, "-m", "callreview", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@pytest.fixture
def transcripts(tmp_path) -> Path:
    """The 13 sample transcripts in a folder of their own."""
    folder = tmp_path / "transcripts"
    folder.mkdir()
    for name in SAMPLE_NAMES:
        shutil.copy(TRUTH / f"{name}.json", folder)
    return folder


def every_call(store_url: str) -> list:
    with open_store(store_url) as store:
        return list(store.calls())


def assert_stored_once_and_whole(
    store_url: str, files: list[Path], failed: tuple[Path, ...] = ()
) -> None:
    """One call per audio, each path once, one review version with all five items, a transcript;
    the ``failed`` files are calls with no review."""
    with open_store(store_url) as store:
        calls = list(store.calls())
        assert sorted(p for c in calls for p in store.paths(c.id)) == sorted(
            str(f) for f in (*files, *failed)
        )
        assert sorted(c.path for c in calls if c.state == "failed") == sorted(
            str(f) for f in failed
        )
        for call in calls:
            if call.state == "failed":
                assert store.history(call.id) == [] and call.review is None
                continue
            assert call.state == "scored"
            history = store.history(call.id)
            assert [v.version for v in history] == [1]
            assert set(history[0].review["items"]) == ITEMS
            assert json.loads(json.dumps(history[0].review))["score"] == call.score
            assert store.transcript(call.id) is not None


# --- the contract, on both backends (transcript JSONs, no model) -------------------------


def test_batch_scores_every_call_once_and_a_rerun_skips_them_all(store_url, transcripts, tmp_path):
    first = callreview(
        "batch",
        "transcripts/*.json",
        "--db",
        store_url,
        cwd=tmp_path,
        env={"CALLREVIEW_MODEL": NOWHERE},
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout == "13 scored, 0 already scored, 0 failed\n"
    lines = first.stderr.splitlines()
    assert len(lines) == 13
    assert lines[0] == "[1/13] scored  transcripts/01_perfect.json · 100.0 excellent"
    assert (
        lines[6]
        == "[7/13] scored  transcripts/07_forbidden.json · 62.5 below_standard · failed: forbidden"
    )
    assert (
        "欢迎致电" not in first.stderr and "不知道" not in first.stderr
    )  # no transcript text in the log

    again = callreview(
        "batch",
        "transcripts/*.json",
        "--db",
        store_url,
        cwd=tmp_path,
        env={"CALLREVIEW_MODEL": NOWHERE},
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout == "0 scored, 13 already scored, 0 failed\n"
    assert (
        again.stderr.splitlines()[0]
        == "[1/13] already transcripts/01_perfect.json · 100.0 excellent"
    )
    assert_stored_once_and_whole(store_url, sorted(transcripts.glob("*.json")))
    with open_store(store_url) as store:
        runs = [
            (r.kind, r.scored, r.skipped, r.failed, r.finished_at is not None) for r in store.runs()
        ]
    assert runs == [("batch", 13, 0, 0, True), ("batch", 0, 13, 0, True)]


def test_batch_two_runs_at_once_never_score_a_call_twice(store_url, tmp_path):
    folder = tmp_path / "calls"
    folder.mkdir()
    for copy in range(4):  # 52 distinct transcripts (another byte each: another sha256)
        for name in SAMPLE_NAMES:
            (folder / f"{name}_{copy}.json").write_text(
                (TRUTH / f"{name}.json").read_text(encoding="utf-8") + " " * copy, encoding="utf-8"
            )
    args = ("batch", "calls/*.json", "--db", store_url)
    runs = [
        start(*args, cwd=tmp_path, env={"CALLREVIEW_MODEL": NOWHERE}),
        start(*args, "--workers", "2", cwd=tmp_path, env={"CALLREVIEW_MODEL": NOWHERE}),
    ]
    outs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outs]
    scored = []
    for out, _ in outs:
        numbers = out.splitlines()[-1].replace(",", "").split()
        assert out.splitlines()[-1] == f"{numbers[0]} scored, {numbers[2]} already scored, 0 failed"
        assert int(numbers[0]) + int(numbers[2]) == 52
        scored.append(int(numbers[0]))
    assert sum(scored) == 52
    assert_stored_once_and_whole(store_url, sorted(folder.glob("*.json")))


def test_batch_the_same_audio_under_two_names_is_one_call_with_two_paths(store_url, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "0412.json").write_bytes((TRUTH / "05_name_once.json").read_bytes())
    (tmp_path / "in" / "copy of 0412.json").write_bytes((TRUTH / "05_name_once.json").read_bytes())
    result = callreview("batch", "in/*.json", "--db", store_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1 scored, 1 already scored, 0 failed\n"
    (call,) = every_call(store_url)
    with open_store(store_url) as store:
        assert store.paths(call.id) == [
            str(tmp_path / "in" / "0412.json"),
            str(tmp_path / "in" / "copy of 0412.json"),
        ]
        assert len(store.history(call.id)) == 1
        assert store.transcript_count() == 1


def test_batch_manifest_and_name_pattern_metadata_reach_the_stored_calls(store_url, tmp_path):
    folder = tmp_path / "2026-12-01"
    folder.mkdir()
    for stem, sample in (
        ("A017_20261201_0412", "01_perfect"),
        ("B203_2026-12-02_0413", "10_outbound"),
        ("notes about a call", "09_no_closing"),
    ):
        shutil.copy(TRUTH / f"{sample}.json", folder / f"{stem}.json")
    manifest = tmp_path / "calls.csv"
    manifest.write_text(  # as Excel saves "CSV UTF-8": a BOM, CRLF, a column of its own (time)
        "\ufefffile,agent,direction,customer_name,time\r\n"
        "2026-12-01/B203_2026-12-02_0413.json,Z999,outbound,李,14:05\r\n"
        "2026-12-01/notes about a call.json,C311,,,09:10\r\n",
        encoding="utf-8",
    )
    result = callreview(
        "batch",
        "2026-12-01/*.json",
        "--manifest",
        "calls.csv",
        "--name-pattern",
        "{agent}_{date}_{call_id}",
        "--db",
        store_url,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "3 scored, 0 already scored, 0 failed\n"
    calls = {Path(c.path).stem: c for c in every_call(store_url)}
    got = {
        stem: (c.agent, c.date, c.call_id, c.direction, c.customer_name)
        for stem, c in calls.items()
    }
    assert got == {
        "A017_20261201_0412": ("A017", "2026-12-01", "0412", None, None),
        "B203_2026-12-02_0413": (
            "Z999",
            "2026-12-02",
            "0413",
            "outbound",
            "李",
        ),  # the manifest wins over the name
        "notes about a call": ("C311", None, None, None, None),  # no fit: scored all the same
    }
    assert calls["B203_2026-12-02_0413"].review["profile"] == "outbound"
    with open_store(store_url) as store:
        extra = {Path(b.path).stem: dict(b.metadata) for b in store.briefs()}
    assert extra == {
        "A017_20261201_0412": {},
        "B203_2026-12-02_0413": {"time": "14:05"},
        "notes about a call": {"time": "09:10"},
    }


def test_batch_a_bad_manifest_line_is_one_line_naming_it_and_nothing_is_scored(
    tmp_path, transcripts
):
    manifest = tmp_path / "calls.csv"
    manifest.write_text(
        "file,agent,date\ntranscripts/01_perfect.json,A1,2026-12-01\ntranscripts/02_no_greeting.json,A1,2026-13-01\n",
        encoding="utf-8",
    )
    result = callreview("batch", "--manifest", str(manifest), "--db", "qc.db", cwd=tmp_path)
    assert result.returncode == 4
    assert (
        result.stderr
        == f"callreview: error: {manifest}:3: date '2026-13-01' is not a date; write it like 2026-12-01 or 20261201\n"
    )
    assert result.stdout == ""
    assert every_call(str(tmp_path / "qc.db")) == []


def test_batch_refuses_a_bad_lexicon_or_store_before_touching_any_audio(tmp_path, transcripts):
    bad = tmp_path / "bad.toml"
    bad.write_text("language = \n", encoding="utf-8")
    result = callreview(
        "batch", "transcripts", "--lexicon", str(bad), "--db", "qc.db", cwd=tmp_path
    )
    assert result.returncode == 4
    assert result.stderr.startswith(f"callreview: error: {bad}") and result.stderr.count("\n") == 1
    assert not (tmp_path / "qc.db").exists()

    result = callreview("batch", "transcripts/*.json", "--db", "no/such/folder/qc.db", cwd=tmp_path)
    assert result.returncode == 5
    assert result.stderr == (
        "callreview: error: no/such/folder/qc.db: the folder no/such/folder does not exist; create it or choose another --db path\n"
    )


def test_batch_refuses_a_path_that_does_not_exist_and_a_glob_that_matches_nothing(tmp_path):
    result = callreview("batch", "nowhere", "--db", "qc.db", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        1,
        "callreview: error: nowhere: no such file or folder; check the path\n",
    )
    result = callreview("batch", "calls/*.flac", "--db", "qc.db", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        1,
        "callreview: error: calls/*.flac: matches no files; check the pattern (quote it, e.g. 'calls/**/*.flac')\n",
    )
    result = callreview("batch", "--db", "qc.db", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        4,
        "callreview: error: batch: say which calls to score: folders, files, globs, or --manifest CSV\n",
    )


# --- real recordings, the real model ------------------------------------------------------


@pytest.fixture
def model_env(bundled_model) -> dict[str, str]:
    """The assembled default model, so no test assembles it again into its own cache."""
    return {"CALLREVIEW_MODEL": bundled_model.load_from}


def wait_for(predicate, timeout: float = 120.0, what: str = "the store") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def states(db: Path) -> list[str]:
    if not db.exists():
        return []
    with open_store(db) as store:
        return [c.state for c in store.calls()]


@pytest.mark.model
def test_batch_corrupt_and_empty_files_fail_alone_and_a_rerun_transcribes_nothing(
    tmp_path, model_env
):
    calls = tmp_path / "calls"
    (calls / "again").mkdir(parents=True)
    shutil.copy(SAMPLES / "02_no_greeting.flac", calls)
    shutil.copy(SAMPLES / "09_no_closing.flac", calls)
    shutil.copy(SAMPLES / "09_no_closing.flac", calls / "again" / "09 under another name.flac")
    (calls / "corrupt.flac").write_bytes(random.Random(9).randbytes(20_000))
    (calls / "empty.wav").write_bytes(b"")
    (calls / "0413.flac.part").write_bytes(b"still being copied")
    (calls / ".0414.flac").write_bytes(b"a hidden temporary file")

    began = time.monotonic()
    first = callreview("batch", "calls", "--db", "qc.db", cwd=tmp_path, env=model_env)
    first_s = time.monotonic() - began
    assert first.returncode == 6, first.stderr
    with open_store(tmp_path / "qc.db") as store:
        errors = {Path(e.path).name: e.message for e in store.errors()}
    assert set(errors) == {"corrupt.flac", "empty.wav"}
    assert (
        errors["empty.wav"]
        == f"{calls / 'empty.wav'}: is empty (0 bytes); check the recording was saved completely"
    )
    assert (
        errors["corrupt.flac"].startswith(f"{calls / 'corrupt.flac'}: ")
        and "\n" not in errors["corrupt.flac"]
    )
    corrupt = "calls/corrupt.flac" + errors["corrupt.flac"][len(str(calls / "corrupt.flac")) :]
    empty = "calls/empty.wav: is empty (0 bytes); check the recording was saved completely"
    assert first.stdout == f"2 scored, 1 already scored, 2 failed\n  {corrupt}\n  {empty}\n"

    began = time.monotonic()
    again = callreview(
        "batch", "calls", "--db", "qc.db", cwd=tmp_path, env={"CALLREVIEW_MODEL": NOWHERE}
    )  # no model: nothing to transcribe
    again_s = time.monotonic() - began
    assert again.returncode == 6, again.stderr
    assert again.stdout == f"0 scored, 3 already scored, 2 failed\n  {corrupt}\n  {empty}\n"
    print(
        f"\nfirst run {first_s:.1f} s, second run {again_s:.1f} s ({again_s / first_s:.0%} of the first)"
    )
    assert_stored_once_and_whole(
        str(tmp_path / "qc.db"),
        [
            calls / "02_no_greeting.flac",
            calls / "09_no_closing.flac",
            calls / "again" / "09 under another name.flac",
        ],
        failed=(
            calls / "corrupt.flac",
        ),  # a call (its bytes were read); the empty file never became one
    )


def worker_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()]


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.model
def test_batch_sigkill_midway_loses_nothing_and_a_rerun_stores_every_file_exactly_once(
    tmp_path, model_env
):
    calls = tmp_path / "calls"
    calls.mkdir()
    files = [
        calls / f"{name}.flac" for name in ("02_no_greeting", "09_no_closing", "12_hold_no_thanks")
    ]
    for f in files:
        shutil.copy(SAMPLES / f.name, f)
    db = tmp_path / "qc.db"
    batch = start("batch", "calls", "--db", str(db), "--workers", "2", cwd=tmp_path, env=model_env)
    try:
        wait_for(lambda: "scored" in states(db), what="the first stored call")
        workers = worker_pids(batch.pid)
        assert len(workers) == 2
        os.kill(batch.pid, signal.SIGKILL)  # the batch alone: its workers must die with it
        batch.wait(timeout=10)
        wait_for(
            lambda: not any(alive(w) for w in workers),
            timeout=10,
            what="the workers to die with their parent",
        )
    finally:
        if batch.poll() is None:
            os.killpg(batch.pid, signal.SIGKILL)
    scored_before = states(db).count("scored")
    assert 1 <= scored_before < 3

    rerun = callreview(
        "batch", "calls", "--db", str(db), "--workers", "2", cwd=tmp_path, env=model_env
    )
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout == f"{3 - scored_before} scored, {scored_before} already scored, 0 failed\n"
    assert_stored_once_and_whole(str(db), files)
    with open_store(db) as store:
        assert store.integrity_problems() == []  # SQLite's integrity_check says ok
        assert store.held_claims() == 0


@pytest.mark.model
def test_batch_ctrl_c_lets_the_call_in_progress_finish_and_exits_130(tmp_path, model_env):
    calls = tmp_path / "calls"
    calls.mkdir()
    for name in ("09_no_closing", "02_no_greeting"):
        shutil.copy(SAMPLES / f"{name}.flac", calls)
    db = tmp_path / "qc.db"
    batch = start("batch", "calls", "--db", str(db), cwd=tmp_path, env=model_env)
    wait_for(lambda: states(db) == ["claimed"], what="the first call to be claimed")
    os.killpg(batch.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    out, err = batch.communicate(timeout=120)
    assert batch.returncode == 130, err
    assert (
        out
        == "1 scored, 0 already scored, 0 failed\ninterrupted: 1 call not scored yet; run the same command again to go on\n"
    )
    assert (
        "callreview: interrupted: finishing the calls in progress, starting no more (Ctrl-C again to stop now)"
        in err
    )
    assert states(db) == ["scored"]  # the second was never started


@pytest.mark.model
def test_batch_sigterm_gives_the_calls_in_progress_back_unscored(tmp_path, model_env):
    calls = tmp_path / "calls"
    calls.mkdir()
    for name in ("05_name_once", "12_hold_no_thanks", "02_no_greeting"):
        shutil.copy(SAMPLES / f"{name}.flac", calls)
    db = tmp_path / "qc.db"
    batch = start("batch", "calls", "--db", str(db), "--workers", "2", cwd=tmp_path, env=model_env)
    wait_for(lambda: states(db).count("claimed") == 2, what="two calls in progress")
    workers = worker_pids(batch.pid)
    batch.send_signal(signal.SIGTERM)
    out, err = batch.communicate(timeout=60)
    assert (batch.returncode, err.splitlines()[-1]) == (130, "callreview: interrupted")
    assert not any(alive(w) for w in workers)
    with open_store(db) as store:
        left = [(r.state, r.claim_token) for r in store.ledger() if r.state != "scored"]
    assert left == [("pending", None)] * len(left) and len(left) >= 1
    # the tally is printed as after a Ctrl-C: what the batch saw stored (a call a worker stored
    # as it was stopped is counted by the next run, as already scored)
    told = int(out.split(" ", 1)[0])
    assert told <= 3 - len(left)
    assert out == (
        f"{told} scored, 0 already scored, 0 failed\n"
        f"interrupted: {3 - told} call{'s' if 3 - told != 1 else ''} not scored yet; "
        "run the same command again to go on\n"
    )


# --- finding the calls (library) ------------------------------------------------------


def test_discover_walks_folders_in_order_and_skips_temporary_and_hidden_files(tmp_path):
    for rel in (
        "b/2.flac",
        "b/1.WAV",
        "a.mp3",
        "b/c/3.ogg",
        "b/notes.txt",
        "b/1.toml",
        "b/4.flac.part",
        "b/5.wav.tmp",
        "b/.6.flac",
        ".hidden/7.flac",
        "b/8.flac~",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    jobs = discover([tmp_path])
    assert [str(j.path.relative_to(tmp_path)) for j in jobs] == [
        "a.mp3",
        "b/1.WAV",
        "b/2.flac",
        "b/c/3.ogg",
    ]
    assert all(j.path.is_absolute() and j.meta == CallMeta() for j in jobs)


def test_discover_expands_globs_keeps_the_order_given_and_takes_a_file_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for rel in ("x/1.json", "x/2.json", "y/3.flac"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    jobs = discover(["y", "x/*.json", "x/1.json", str(tmp_path / "y" / "3.flac")])
    assert [j.path for j in jobs] == [
        tmp_path / "y/3.flac",
        tmp_path / "x/1.json",
        tmp_path / "x/2.json",
    ]
    with pytest.raises(CallreviewError, match=r"^x/\*\.wav: matches no files"):
        discover(["x/*.wav"])


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        (
            "{agent}_{date}_{call_id}",
            "A017_20261201_0412.flac",
            CallMeta(agent="A017", date="2026-12-01", call_id="0412"),
        ),
        (
            "{agent}_{date}_{call_id}",
            "wang_li_2026-12-01_0412.wav",
            CallMeta(agent="wang_li", date="2026-12-01", call_id="0412"),
        ),
        ("{agent}_{date}_{call_id}", "A017_20261341_0412.flac", CallMeta()),  # no such day: no fit
        ("{agent}_{date}_{call_id}", "recording 12.flac", CallMeta()),
        (
            "{date}-{*}-{call_id}",
            "20261201-queue7-88.flac",
            CallMeta(date="2026-12-01", call_id="88"),
        ),
        (
            "{direction}_{customer_name}",
            "outbound_李.flac",
            CallMeta(direction="outbound", customer_name="李"),
        ),
        ("{direction}_{customer_name}", "sideways_李.flac", CallMeta()),
    ],
)
def test_name_pattern_reads_the_fields_from_the_file_name(pattern, name, expected):
    assert name_pattern(pattern).meta(Path("/calls") / name) == expected


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (
            "{agent}_{day}",
            "--name-pattern {agent}_{day}: unknown field {day}; use {agent}, {call_id}, {date}, {direction}, {customer_name} or {*} for a part to ignore",
        ),
        (
            "{agent}_{agent}",
            "--name-pattern {agent}_{agent}: {agent} appears twice; name each field once",
        ),
        ("calls", "--name-pattern calls: names no field; write it like {agent}_{date}_{call_id}"),
        (
            "{agent_{date}",
            "--name-pattern {agent_{date}: an unmatched brace; write fields as {agent}, {date}, {call_id}",
        ),
    ],
)
def test_name_pattern_refuses_a_bad_pattern_in_one_line(pattern, message):
    with pytest.raises(SettingsError) as err:
        name_pattern(pattern)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("file,agent\n", None, None),
        (
            "",
            "",
            "the manifest is empty; its first line names the columns, e.g. file,agent,call_id,date",
        ),
        (
            "agent,date\nA1,2026-12-01\n",
            ":1",
            "no 'file' column; the first line names the columns, e.g. file,agent,call_id,date",
        ),
        (
            "file,agnet\na.flac,A1\n",
            ":1",
            "unknown column 'agnet'; did you mean 'agent'? (columns: file, agent, call_id, date, direction, customer_name, others are kept as metadata)",
        ),
        ("file,file\na.flac,b.flac\n", ":1", "the column 'file' appears twice; keep one"),
        (
            "file,agent\na.flac,A1\n\nb.flac,A1,extra\n",
            ":4",
            "3 fields, but the header names 2 columns; quote values that hold a comma",
        ),
        (
            "file,direction\na.flac,in\n",
            ":2",
            "direction 'in' must be inbound or outbound (or empty)",
        ),
        (
            "file,date\na.flac,2026-12-01\nb.flac,1.12.2026\n",
            ":3",
            "date '1.12.2026' is not a date; write it like 2026-12-01 or 20261201",
        ),
        (
            "file,agent\n,A1\n",
            ":2",
            "the file column is empty; give the recording's path, relative to {base}",
        ),
        (
            'file,agent\n"a.flac,A1\n',
            ":2",
            "not a readable CSV line (unexpected end of data); check the quotes on that line",
        ),
    ],
)
def test_read_manifest_refuses_a_bad_line_naming_it(tmp_path, text, line, message):
    manifest = tmp_path / "calls.csv"
    manifest.write_text(text, encoding="utf-8")
    if message is None:
        assert read_manifest(manifest) == []
        return
    with pytest.raises(SettingsError) as err:
        read_manifest(manifest)
    assert str(err.value) == f"{manifest}{line}: " + message.format(base=tmp_path)


def test_read_manifest_reads_excel_csv_with_a_bom_and_refuses_other_encodings(tmp_path):
    manifest = tmp_path / "calls.csv"
    manifest.write_bytes(
        "\ufeffFile,Agent,Date,Customer_Name\r\nday1/a.flac,A1,20261201,王\r\n".encode("utf-8")
    )
    assert read_manifest(manifest) == [
        (tmp_path / "day1" / "a.flac", CallMeta(agent="A1", date="2026-12-01", customer_name="王"))
    ]
    manifest.write_bytes("file,customer_name\na.flac,王\n".encode("gbk"))
    with pytest.raises(SettingsError) as err:
        read_manifest(manifest)
    assert (
        str(err.value)
        == f"{manifest}:2: not UTF-8 text; save the manifest as CSV UTF-8 (in Excel: Save As → CSV UTF-8)"
    )


def test_discover_gives_manifest_files_their_rows_and_fills_gaps_from_the_name(tmp_path):
    (tmp_path / "A1_20261201_7.flac").write_bytes(b"x")
    (tmp_path / "m.csv").write_text(
        "file,agent\nA1_20261201_7.flac,Z9\nelsewhere/B2_20261202_8.flac,\n", encoding="utf-8"
    )
    jobs = discover([], tmp_path / "m.csv", "{agent}_{date}_{call_id}")
    assert jobs == [
        Job(tmp_path / "A1_20261201_7.flac", CallMeta(agent="Z9", date="2026-12-01", call_id="7")),
        Job(
            tmp_path / "elsewhere" / "B2_20261202_8.flac",
            CallMeta(agent="B2", date="2026-12-02", call_id="8"),
        ),
    ]


def test_batch_records_the_folders_and_files_it_was_given_for_the_web_app(tmp_path, transcripts):
    one = tmp_path / "one" / "01_perfect.json"
    one.parent.mkdir()
    shutil.copy(transcripts / "02_no_greeting.json", one)
    (tmp_path / "elsewhere" / "day").mkdir(parents=True)
    shutil.copy(transcripts / "03_bare_wei.json", tmp_path / "elsewhere" / "day")
    db = tmp_path / "qc.db"
    done = callreview(
        "batch",
        "transcripts",
        "one/01_perfect.json",
        "elsewhere/**/*.json",
        "--db",
        str(db),
        cwd=tmp_path,
        env={"CALLREVIEW_MODEL": NOWHERE},
    )
    assert done.returncode == 0, done.stderr
    with open_store(db) as store:
        assert store.recording_folders() == [
            str(transcripts),
            str(one),
            str(tmp_path / "elsewhere"),
        ]
