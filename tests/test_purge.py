"""``callreview purge --before``: exactly the calls dated before the day go, with every row about
them and their cached transcripts, on SQLite and PostgreSQL; killed midway and run again, it
finishes with nothing half-deleted. ``retention_days`` does the same as ``batch`` starts."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixtures.personal import personal_call

from callreview.asr.cache import transcript_cache
from callreview.review import Reviewer
from callreview.store import CallMeta, Store, open_store

CLI = [sys.executable, "-m", "callreview"]
CHILDREN = (
    "call_paths",
    "transcripts",
    "reviews",
    "errors",
    "sample_calls",
    "overrides",
    "appeals",
    "review_items",
    "review_finals",
    "search_turns",
    "search_pending",
)


def key_of(i: int) -> str:
    return hashlib.sha256(f"transcript {i}".encode()).hexdigest()


def fill(store: Store, folder: Path, days: list[str]) -> list[int]:
    """One scored call per day in ``days`` (call i on days[i]), each with a cached transcript, an
    item index, and every third with an override, an appeal, a kept final, an error and a place
    in a sample."""
    source = folder / "bank_call.json"
    source.write_text(json.dumps(personal_call(), ensure_ascii=False), encoding="utf-8")
    done = Reviewer().review_file(source)
    cache = transcript_cache()
    ids = []
    for i, day in enumerate(days):
        sha = hashlib.sha256(f"audio {i}".encode()).hexdigest()
        call = store.register(sha, folder / f"call_{i}.wav", CallMeta(agent="A1", date=day))
        claim = store.claim(sha, folder / f"call_{i}.wav").claim
        assert claim is not None
        review = store.complete(claim, done.review, done.transcript, key_of(i), "test", "fp")
        assert review is not None
        cache.write(key_of(i), done.transcript)
        store.index_review(review, call, done.review.to_dict()["items"])
        if i % 3 == 0:
            at = time.time()
            store.add_override(call, review, "hold", "na", "fail", "note", "rita", at)
            store.add_appeal(call, "hold", "reason", "agent1", at)
            store.keep_final(review, call, 80.0, "good", "rita", at)
            store.record_error(folder / f"call_{i}.wav", "a one-line error", 2)
        ids.append(call)
    store.save_sample("week", ids[::3], {"n": len(ids[::3])})
    return ids


def orphans(store: Store) -> dict[str, int]:
    """Rows of each table whose call is gone."""
    counts = {}
    for table in CHILDREN:
        (n,) = store.db.execute(
            f"SELECT COUNT(*) FROM {table} t WHERE t.call IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.id = t.call)"
        ).fetchone()
        counts[table] = n
    return {t: n for t, n in counts.items() if n}


def days_left(store: Store) -> list[str]:
    return [r[0] for r in store.db.execute("SELECT call_date FROM calls ORDER BY id").fetchall()]


def kept_calls(days: list[str], before: str = "2026-06-01") -> list[int]:
    return [i for i, d in enumerate(days) if d >= before]


def purge(url: str, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, "purge", "--db", url, *args], capture_output=True, text=True, timeout=300, **kw
    )


def test_purge_removes_exactly_the_calls_before_the_day(store_url: str, tmp_path: Path) -> None:
    days = ["2026-05-30", "2026-05-31", "2026-06-01", "2026-06-02"] * 3
    with open_store(store_url) as store:
        fill(store, tmp_path, days)
    dry = purge(store_url, "--before", "2026-06-01", "--dry-run")
    assert dry.returncode == 0 and dry.stdout.startswith("6 calls before 2026-06-01")
    done = purge(store_url, "--before", "2026-06-01", "--yes")
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert done.stdout.endswith("deleted 6 calls before 2026-06-01\n")
    cache = transcript_cache()
    with open_store(store_url) as store:
        assert days_left(store) == [d for d in days if d >= "2026-06-01"]
        assert orphans(store) == {}
        assert sorted(store.sample("week")) == sorted(c.id for c in store.calls() if c.id % 3 == 1)
        assert len(store.errors()) == len([i for i in kept_calls(days) if i % 3 == 0])
        (entry,) = store.audit(action="purge")
        assert entry.detail == "6 calls"
    kept = [i for i, d in enumerate(days) if d >= "2026-06-01"]
    assert [i for i in range(len(days)) if cache.path(key_of(i)).exists()] == kept


def test_purge_asks_first_and_a_dry_run_deletes_nothing(tmp_path: Path) -> None:
    url = str(tmp_path / "callreview.db")
    with open_store(url) as store:
        fill(store, tmp_path, ["2026-01-01"])
    assert purge(url, "--before", "2026-02-01", "--dry-run").returncode == 0
    refused = purge(url, "--before", "2026-02-01", stdin=subprocess.DEVNULL)
    assert refused.returncode == 4
    assert "add --yes to delete without asking" in refused.stderr
    bad = purge(url, "--before", "01/02/2026", "--yes")
    assert bad.returncode == 4 and "is not YYYY-MM-DD" in bad.stderr
    with open_store(url) as store:
        assert len(list(store.calls())) == 1


@pytest.mark.parametrize("calls", [2000])
def test_purge_killed_midway_finishes_when_run_again(
    store_url: str, tmp_path: Path, calls: int
) -> None:
    days = [f"2026-0{1 + i % 6}-15" for i in range(calls)]  # January to June
    with open_store(store_url) as store:
        fill(store, tmp_path, days)
    before = "2026-05-01"  # January to April go: two thirds
    gone = {i for i, d in enumerate(days) if d < before}
    proc = subprocess.Popen(
        [*CLI, "purge", "--db", store_url, "--before", before, "--yes"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open_store(store_url) as watch:
        while proc.poll() is None and len(days_left(watch)) == calls:
            time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, "the purge finished before it could be killed"
    with open_store(store_url) as store:
        left = days_left(store)
        assert calls - len(gone) < len(left) < calls  # midway
        assert orphans(store) == {}
        complete = store.db.execute(
            "SELECT COUNT(*) FROM calls c WHERE EXISTS (SELECT 1 FROM transcripts t"
            " WHERE t.call = c.id) AND EXISTS (SELECT 1 FROM reviews r WHERE r.call = c.id)"
        ).fetchone()[0]
        assert complete == len(left)  # every call still there has all its rows
    done = purge(store_url, "--before", before, "--yes")
    assert done.returncode == 0, done.stderr
    cache = transcript_cache()
    with open_store(store_url) as store:
        assert days_left(store) == [d for d in days if d >= before]
        assert orphans(store) == {}
    assert not any(cache.path(key_of(i)).exists() for i in gone)
    assert all(cache.path(key_of(i)).exists() for i in range(calls) if i not in gone)


def test_batch_applies_retention_days_first(tmp_path: Path) -> None:
    url = str(tmp_path / "callreview.db")
    with open_store(url) as store:
        fill(store, tmp_path, ["2020-01-01", "2099-01-01"])
    (tmp_path / "callreview.toml").write_text("retention_days = 30\n")
    source = tmp_path / "bank_call.json"
    done = subprocess.run(
        [*CLI, "batch", str(source), "--db", url],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    with open_store(url) as store:
        days = days_left(store)
        assert "2020-01-01" not in days and "2099-01-01" in days and len(days) == 2
        assert [e.actor for e in store.audit(action="purge")] == ["retention:batch"]
