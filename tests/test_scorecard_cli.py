"""``callreview scorecard check|list`` and a broken custom item, through the real CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from callreview.qc.scorecard import BUNDLED

ITEM = """
[[items]]
id = "restate"
label = "确认来电事项 Restated the request"
weight = 10
find = ["restate_request"]
"""


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "callreview", *args], capture_output=True, text=True, timeout=120
    )


def card(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(BUNDLED.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


def test_check_prints_one_ok_line(tmp_path: Path) -> None:
    done = cli("scorecard", "check", str(card(tmp_path, ITEM)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK ") and done.stdout.count("\n") == 1
    assert "6 items (5 built-in, 1 custom, 0 flags)" in done.stdout


def test_list_shows_the_bundled_scorecards() -> None:
    done = cli("scorecard", "list")
    assert done.returncode == 0, done.stderr
    assert "default" in done.stdout and "seeds" in done.stdout
    assert "complaint_risk (flag)" in done.stdout


BROKEN = [
    ('how = "sometimes"', "how: must be one of"),
    ('find = ["no_such_set"]', "'no_such_set' is no phrase set"),
    ("weight = 500", "weight: must be a number 0-100"),
    ('colour = "red"', "unknown key 'colour'"),
]


def test_a_broken_item_is_one_line_naming_the_file_and_line(tmp_path: Path) -> None:
    for bad, says in BROKEN:
        key = bad.split(" ")[0]
        text = "\n".join(x for x in ITEM.split("\n") if not x.startswith(key + " "))
        path = card(tmp_path, text + bad + "\n")
        line = path.read_text(encoding="utf-8").splitlines().index(bad) + 1
        head = path.read_text(encoding="utf-8").splitlines().index("[[items]]") + 1
        truth = "audio_samples/truth/01_perfect.json"
        for command in (
            ("scorecard", "check", str(path)),
            ("score", truth, "--scorecard", str(path)),
        ):
            done = cli(*command)
            assert done.returncode == 4, (bad, done.stderr)
            err = done.stderr.strip()
            assert err.count("\n") == 0 and str(path) in err and says in err, (bad, err)
            assert f"line {line}:" in err or f"line {head}:" in err, (bad, err)
