"""Specs of what a ``watch`` run records in the store (issue 29): its folders, where the web app
may serve audio from, and its tally once it ends; a real ``callreview watch --once``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from conftest import SAMPLES

from callreview.store import open_store

TRUTH = SAMPLES / "truth"


def test_watch_records_its_folders_and_finishes_its_run_at_exit(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("01_perfect", "02_no_greeting"):
        shutil.copy(TRUTH / f"{name}.json", inbox)
    db = tmp_path / "qc.db"
    done = subprocess.run(
        [sys.executable, "-m", "callreview", "watch", "inbox", "--db", str(db), "--once"]
        + ["--pattern", "*.json", "--settle", "0.2"],
        cwd=tmp_path,
        env={**os.environ, "CALLREVIEW_MODEL": "/nonexistent/model"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    with open_store(db) as store:
        assert store.recording_folders() == [str(inbox)]
        (run,) = store.runs()
    assert (run.kind, run.finished, run.scored, run.skipped, run.failed) == ("watch", True, 2, 0, 0)
    assert run.args == {"recordings": [str(inbox)]}
