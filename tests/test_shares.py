"""Files from real shares: names that are not UTF-8 (GBK from a Windows share).

Python gives such a name as ``str`` with surrogate escapes, which SQLite, PostgreSQL, JSON and a
strict stream refuse. Each command runs as a real ``callreview`` process with
``PYTHONIOENCODING=utf-8`` (a strict stream, as under systemd with a UTF-8 locale).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_watch import WatchProcess, transcript_bytes, wait_for

from callreview.names import display, on_disk
from callreview.store import open_store

GBK_NAME = "客户张三".encode("gbk") + b".json"
SHOWN = GBK_NAME.decode("utf-8", "replace")
ENV = {"CALLREVIEW_MODEL": "/nonexistent/model", "PYTHONIOENCODING": "utf-8"}


def cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "callreview", *args],
        cwd=cwd,
        env={**os.environ, **ENV},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


@pytest.fixture
def share(tmp_path) -> Path:
    """A folder with a GBK-named transcript between two good ones."""
    folder = tmp_path / "share"
    folder.mkdir()
    (folder / "a_good.json").write_bytes(transcript_bytes(0))
    with open(os.path.join(os.fsencode(folder), GBK_NAME), "wb") as fh:
        fh.write(transcript_bytes(1))
    (folder / "z_good.json").write_bytes(transcript_bytes(2))
    return folder


def stored_paths(db: Path) -> list[str]:
    with open_store(db) as store:
        return sorted(c.path for c in store.calls() if c.state == "scored")


def test_display_shows_undecodable_bytes_as_replacement_characters_and_finds_the_file(share):
    raw = os.fsdecode(os.path.join(os.fsencode(share), GBK_NAME))
    assert display(raw) == str(share / SHOWN)
    assert on_disk(display(raw)) == Path(raw)
    assert on_disk(share / "missing\ufffd.json") is None


def test_batch_scores_a_gbk_named_recording_among_good_ones_and_exits_0(share, tmp_path):
    db = tmp_path / "qc.db"
    done = cli("batch", *map(str, sorted(share.iterdir())), "--db", str(db), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "internal error" not in done.stderr
    assert done.stdout.splitlines()[0] == "3 scored, 0 already scored, 0 failed"
    assert f"share/{SHOWN}" in done.stderr
    assert stored_paths(db) == sorted(
        [str(share / "a_good.json"), str(share / SHOWN), str(share / "z_good.json")]
    )
    again = cli("batch", *map(str, sorted(share.iterdir())), "--db", str(db), cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.splitlines()[0] == (
        "0 scored, 3 already scored, 0 failed"
    )  # the same file seen twice is the same call
    exported = cli("export", "--db", str(db), "--csv", "-", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout.lstrip("\ufeff"))))
    assert sorted(r["file"] for r in rows) == stored_paths(db)


def test_score_json_of_a_gbk_named_recording_exits_0_with_replacement_characters(share, tmp_path):
    gbk = os.fsdecode(os.path.join(os.fsencode(share), GBK_NAME))
    done = cli("score", gbk, str(share / "a_good.json"), "--json", "-", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 2
    out = tmp_path / "out.json"
    done = cli("score", gbk, str(share / "a_good.json"), "--json", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"share/{SHOWN}" in done.stdout  # the summary names it
    assert len(json.loads(out.read_text(encoding="utf-8"))) == 2


def test_watch_scores_a_gbk_named_recording_among_good_ones_and_keeps_running(share, tmp_path):
    db = tmp_path / "qc.db"
    args = [str(share), "--db", str(db), "--pattern", "*.json", "--settle", "0.5"]
    watch = WatchProcess(tmp_path, "watch", *args, env=ENV)
    try:

        def three_scored():
            """the three files scored"""
            assert watch.proc.poll() is None, watch.err
            return len(stored_paths(db)) == 3 if db.exists() else False

        wait_for(three_scored, 60)
        (share / "zz_later.json").write_bytes(transcript_bytes(3))

        def later_scored():
            """the file written after them scored"""
            assert watch.proc.poll() is None, watch.err
            return len(stored_paths(db)) == 4

        wait_for(later_scored, 60)
        text = watch.log
        assert f"scored   {share / SHOWN} · " in text
        assert "internal error" not in text
    finally:
        assert watch.stop() == 0
