"""`callreview rescore`: the rules again on stored transcripts, as new review versions, without the model."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SAMPLES

from callreview.store import open_store

TRUTH = SAMPLES / "truth"
NOWHERE = {"CALLREVIEW_MODEL": "/nonexistent/model"}  # proves no model is ever loaded


def callreview(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "callreview", *args],
        cwd=cwd,
        env={**os.environ, **NOWHERE},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def scored(store_url, tmp_path) -> str:
    """Four sample transcripts batched into the store; the outbound one with its direction and
    customer from a manifest, and each with a date."""
    folder = tmp_path / "calls"
    folder.mkdir()
    for name in ("01_perfect", "07_forbidden", "09_no_closing", "10_outbound"):
        shutil.copy(TRUTH / f"{name}.json", folder)
    (tmp_path / "calls.csv").write_text(
        "file,date,direction,customer_name\n"
        "calls/01_perfect.json,2026-11-30,,\n"
        "calls/07_forbidden.json,2026-12-01,,\n"
        "calls/09_no_closing.json,2026-12-02,,\n"
        "calls/10_outbound.json,2026-12-02,outbound,李\n",
        encoding="utf-8",
    )
    result = callreview("batch", "--manifest", "calls.csv", "--db", store_url, cwd=tmp_path)
    assert result.stdout == "4 scored, 0 already scored, 0 failed\n", result.stderr
    return store_url


def history(store_url: str) -> dict[str, list]:
    with open_store(store_url) as store:
        return {Path(c.path).stem: store.history(c.id) for c in store.calls()}


def test_rescore_under_the_same_rules_skips_every_call(scored, tmp_path):
    result = callreview("rescore", "--db", scored, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout
        == "0 rescored (0 with a new score or band), 4 skipped: already scored with these rules\n"
    )
    assert all(len(versions) == 1 for versions in history(scored).values())


def test_rescore_after_a_rules_change_adds_a_version_per_call_and_keeps_the_history(
    scored, tmp_path
):
    before = history(scored)
    result = callreview("rescore", "--db", scored, "--company", "天霖汽车", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout
        == "4 rescored (2 with a new score or band), 0 skipped: already scored with these rules\n"
    )
    after = history(scored)
    with open_store(scored) as store:
        current = {Path(c.path).stem: (c.version, c.score) for c in store.calls()}
    for stem, versions in after.items():
        assert [v.version for v in versions] == [1, 2]
        assert versions[0] == before[stem][0]  # the first version is kept as it was
        assert versions[1].fingerprint != versions[0].fingerprint
        assert versions[1].transcript_key == versions[0].transcript_key
        assert current[stem] == (2, versions[1].score)  # the latest is current
    # 01 and 10 say 天霖汽车 in their greeting; 07 and 09 say another company: a person should listen
    assert {
        stem: (v[1].review["items"]["greeting"]["status"], v[1].band) for stem, v in after.items()
    } == {
        "01_perfect": ("pass", "excellent"),
        "07_forbidden": ("review", "below_standard"),
        "09_no_closing": ("review", "below_standard"),
        "10_outbound": ("pass", "excellent"),
    }

    again = callreview("rescore", "--db", scored, "--company", "天霖汽车", cwd=tmp_path)
    assert (
        again.stdout
        == "0 rescored (0 with a new score or band), 4 skipped: already scored with these rules\n"
    )


def test_rescore_judges_each_call_with_its_stored_direction_and_customer_name(scored, tmp_path):
    result = callreview("rescore", "--db", scored, "--company", "天霖汽车", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    outbound = history(scored)["10_outbound"][1].review
    assert outbound["profile"] == "outbound"
    name = outbound["items"]["customer_name"]
    assert (name["status"], name["name"], name["source"], name["count"]) == (
        "pass",
        "李",
        "given",
        3,
    )


def test_rescore_since_a_day_leaves_earlier_calls_alone(scored, tmp_path):
    result = callreview(
        "rescore", "--db", scored, "--since", "2026-12-01", "--company", "天霖汽车", cwd=tmp_path
    )
    assert (
        result.stdout
        == "3 rescored (2 with a new score or band), 0 skipped: already scored with these rules\n"
    ), result.stderr
    assert {stem: len(v) for stem, v in history(scored).items()} == {
        "01_perfect": 1,
        "07_forbidden": 2,
        "09_no_closing": 2,
        "10_outbound": 2,
    }


def test_rescore_with_a_changed_lexicon_file_is_new_rules_and_an_identical_copy_is_not(
    scored, tmp_path
):
    copy = tmp_path / "lexicon.toml"
    shutil.copy(REPO / "callreview" / "lexicons" / "zh-CN.toml", copy)
    same = callreview("rescore", "--db", scored, "--lexicon", str(copy), cwd=tmp_path)
    assert (
        same.stdout
        == "0 rescored (0 with a new score or band), 4 skipped: already scored with these rules\n"
    ), same.stderr
    copy.write_text(
        copy.read_text(encoding="utf-8") + "\n# reviewed by the QC team, 2026-12\n",
        encoding="utf-8",
    )
    changed = callreview("rescore", "--db", scored, "--lexicon", str(copy), cwd=tmp_path)
    assert (
        changed.stdout
        == "4 rescored (0 with a new score or band), 0 skipped: already scored with these rules\n"
    ), changed.stderr


def test_rescore_refuses_a_bad_lexicon_or_day_and_adds_nothing(scored, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("language = \n", encoding="utf-8")
    result = callreview("rescore", "--db", scored, "--lexicon", str(bad), cwd=tmp_path)
    assert result.returncode == 4
    assert result.stderr.startswith(f"callreview: error: {bad}") and result.stderr.count("\n") == 1
    result = callreview("rescore", "--db", scored, "--since", "1.12.2026", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        4,
        "callreview: error: --since 1.12.2026: not a date; write it as YYYY-MM-DD, e.g. 2026-11-23\n",
    )
    assert all(len(versions) == 1 for versions in history(scored).values())
