"""An export of a store on a read-only disk (issue 29): it is read, written out, and the audit
record it cannot write is skipped with one warning. A real read-only mount (root only, as CI
runs; skipped otherwise), as in test_full_disk."""

from __future__ import annotations

import csv
import subprocess

import pytest
from test_full_disk import calls, cli, small_disk  # noqa: F401 - small_disk is a fixture


@pytest.mark.parametrize("small_disk", ["8m"], indirect=True)
def test_export_csv_of_a_read_only_store_is_written_with_one_warning(small_disk, tmp_path):  # noqa: F811
    files = calls(tmp_path / "in", 2)
    db = small_disk / "qc.db"
    assert cli("batch", *files, "--db", str(db), cwd=tmp_path).returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    out = tmp_path / "week.csv"
    done = cli("export", "--csv", str(out), "--db", str(db), cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, f"wrote 2 calls to {out}\n"), done.stderr
    assert done.stderr == (
        "callreview: warning: the store is read-only; this export is not in the audit trail\n"
    )
    with open(out, encoding="utf-8-sig", newline="") as fh:
        assert [row["file"] for row in csv.DictReader(fh)] == files
