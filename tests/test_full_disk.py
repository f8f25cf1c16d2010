"""Faults under the store and the outputs: a full disk, a read-only store.

A full disk is a real one: a small tmpfs mounted for the test (root only, as CI runs; skipped
otherwise), so SQLite meets ``SQLITE_FULL`` where a production disk would give it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_watch import WatchProcess, transcript_bytes, wait_for

from callreview.store import open_store

ENV = {"CALLREVIEW_MODEL": "/nonexistent/model"}


def cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "callreview", *args],
        cwd=cwd,
        env={**os.environ, **ENV},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def small_disk(tmp_path, request):
    """A 400 KiB tmpfs (room for the store and about one call), or the size the test marks."""
    size = getattr(request, "param", "400k")
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs (a real full disk) needs root, as CI runs")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def calls(folder: Path, n: int) -> list[str]:
    folder.mkdir()
    for i in range(n):
        (folder / f"c{i:02d}.json").write_bytes(transcript_bytes(i))
    return [str(p) for p in sorted(folder.iterdir())]


def scored(db: Path) -> int:
    with open_store(db) as store:
        return store.counts().scored


# room for the store (its schema and search index) and a call or two
@pytest.mark.parametrize("small_disk", ["640k"], indirect=True)
def test_batch_on_a_full_disk_says_so_in_one_line_exits_5_and_tallies_what_was_stored(
    small_disk, tmp_path
):
    files = calls(tmp_path / "in", 20)
    db = small_disk / "qc.db"
    done = cli("batch", *files, "--db", str(db), cwd=tmp_path)
    assert done.returncode == 5, done.stderr
    stored = scored(db)
    assert 0 < stored < 20
    assert done.stdout.splitlines() == [
        f"{stored} scored, 0 already scored, 0 failed",
        f"stopped: {20 - stored} calls not scored yet; "
        "run the same command again once the store is fixed",
    ]
    assert done.stderr.splitlines()[-1] == (
        f"callreview: error: {db}: the disk is full; free space on it and run again "
        "(the calls stored so far are kept)"
    )
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("small_disk", ["8m"], indirect=True)  # room for six calls' WAL
def test_watch_on_a_full_disk_waits_and_scores_the_rest_once_there_is_room(small_disk, tmp_path):
    folder = tmp_path / "in"
    calls(folder, 6)
    db = small_disk / "qc.db"
    with open_store(db):
        pass
    ballast = small_disk / "ballast"
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    ballast.write_bytes(b"\0" * max(0, free - 40_000))
    args = [str(folder), "--db", str(db), "--pattern", "*.json", "--settle", "0.2"]
    watch = WatchProcess(tmp_path, "watch", *args, env=ENV)
    try:

        def full():
            """watch to say the disk is full"""
            assert watch.proc.poll() is None, watch.err
            return ": the disk is full; " in watch.err

        wait_for(full, 60)
        ballast.unlink()

        def all_scored():
            """the six calls stored once there was room"""
            assert watch.proc.poll() is None, watch.err
            return scored(db) == 6

        wait_for(all_scored, 90)
        assert "internal error" not in watch.err + watch.log
        assert watch.err.splitlines()[0].startswith("callreview: store unavailable: ")
    finally:
        assert watch.stop() == 0


@pytest.fixture
def read_only_store(small_disk, tmp_path):
    """A store with one scored call on a disk remounted read-only (a read-only folder)."""
    files = calls(tmp_path / "in", 2)
    db = small_disk / "qc.db"
    assert cli("batch", files[0], "--db", str(db), cwd=tmp_path).returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    return db


@pytest.mark.parametrize("small_disk", ["8m"], indirect=True)
def test_a_store_in_a_read_only_folder_can_still_be_read(read_only_store, tmp_path):
    done = cli("status", "--db", str(read_only_store), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"store: {read_only_store}"
    with open_store(read_only_store) as store:
        assert [c.state for c in store.calls()] == ["scored"]  # a streamed read, too


@pytest.mark.parametrize("small_disk", ["8m"], indirect=True)
def test_watch_once_on_a_read_only_store_exits_5_in_one_line(read_only_store, tmp_path):
    done = cli(
        "watch", str(tmp_path / "in"), "--once", "--db", str(read_only_store),
        "--pattern", "*.json", "--settle", "0.2", cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert done.returncode == 5, done.stdout + done.stderr
    assert done.stderr.splitlines() == [
        f"callreview: error: {read_only_store}: the store is read-only; "
        "check the permissions of the file and its folder"
    ]


# --- exports on a full disk ---------------------------------------------------------


def store_of(where: Path, n: int) -> Path:
    """A store (on a roomy disk) with ``n`` scored calls."""
    where.mkdir(exist_ok=True)
    files = calls(where / "in", n)
    db = where / "qc.db"
    assert cli("batch", *files, "--db", str(db), cwd=where).returncode == 0
    return db


@pytest.fixture(scope="module")
def stored_calls(tmp_path_factory) -> Path:
    return store_of(tmp_path_factory.mktemp("exports"), 40)


def fill(disk: Path, leave: int) -> None:
    """Fill ``disk`` up to ``leave`` bytes free."""
    st = os.statvfs(disk)
    (disk / "ballast").write_bytes(b"\0" * max(0, st.f_bavail * st.f_frsize - leave))


@pytest.mark.parametrize("small_disk", ["256k"], indirect=True)
@pytest.mark.parametrize("leave", [2048, 4096, 8192])  # the workbook needs about 12 KB
def test_export_xlsx_on_a_full_disk_is_one_line_and_leaves_no_file(
    small_disk, stored_calls, tmp_path, leave
):
    fill(small_disk, leave)
    target = small_disk / "week.xlsx"
    done = cli("export", "--db", str(stored_calls), "--xlsx", str(target), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"callreview: error: {target}: cannot write the export (No space left on device); "
        "free some space or write it elsewhere"
    ]
    assert sorted(p.name for p in small_disk.iterdir()) == ["ballast"]


@pytest.mark.parametrize("small_disk", ["256k"], indirect=True)
def test_export_html_on_a_full_disk_is_one_line_and_leaves_no_folder(
    small_disk, stored_calls, tmp_path
):
    fill(small_disk, 40_000)
    report = small_disk / "report"
    done = cli("export", "--db", str(stored_calls), "--html", str(report), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"callreview: error: {report}: cannot write the report (No space left on device); "
        "free some space or write it elsewhere"
    ]
    assert sorted(p.name for p in small_disk.iterdir()) == ["ballast"]


@pytest.mark.parametrize("small_disk", ["2m"], indirect=True)
def test_export_html_on_a_full_disk_keeps_the_previous_report_as_it_was(
    small_disk, stored_calls, tmp_path
):
    report = small_disk / "report"
    smaller = store_of(tmp_path / "smaller", 5)
    first = cli("export", "--db", str(smaller), "--html", str(report), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = {p.relative_to(report): p.read_bytes() for p in report.rglob("*") if p.is_file()}
    fill(small_disk, 40_000)
    done = cli("export", "--db", str(stored_calls), "--html", str(report), cwd=tmp_path)
    assert done.returncode == 1
    after = {p.relative_to(report): p.read_bytes() for p in report.rglob("*") if p.is_file()}
    assert after == before
