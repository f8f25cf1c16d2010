"""`callreview search`: every stored turn where the words were said, through the real command on
SQLite and PostgreSQL, over the eval set's calls batched into a store."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, postgres_admin_url
from fixtures.web_calls import copy_store, drop_store

from callreview.store import open_store, unindex_calls
from callreview.store.schema import MIGRATIONS, SCHEMA_VERSION

TRUTH = REPO / "eval" / "truth"
NOWHERE = {"CALLREVIEW_MODEL": "/nonexistent/model"}  # search never loads the model
AGENTS = ("A1", "A2", "A3")
HOMOPHONE = "好的，清少等。"
"""A turn where Whisper wrote 请稍等 with other characters of the same sound."""


def callreview(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "callreview", *args],
        cwd=cwd,
        env={**os.environ, **NOWHERE},
        capture_output=True,
        text=True,
        timeout=300,
    )


def eval_calls(folder: Path) -> list[dict]:
    """The eval set's transcripts copied into ``folder`` with a manifest (agent, date); the first
    call's third turn is the homophone spelling."""
    folder.mkdir()
    lines = ["file,agent,date"]
    calls = []
    for i, path in enumerate(sorted(TRUTH.glob("*.json"))):
        data = json.loads(path.read_text(encoding="utf-8"))
        if i == 0:
            data["segments"][2]["text"] = HOMOPHONE
        (folder / path.name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        agent, date = AGENTS[i % 3], f"2026-11-{1 + i % 28:02d}"
        lines.append(f"calls/{path.name},{agent},{date}")
        calls.append({"name": path.name, "agent": agent, "date": date, "data": data})
    (folder.parent / "calls.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return calls


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """One store per backend, the eval calls batched into it once; each test gets a copy."""
    made: dict[str, tuple[str, list[dict]]] = {}

    def get(kind: str) -> tuple[str, list[dict]]:
        if kind not in made:
            folder = tmp_path_factory.mktemp(f"search-{kind}")
            calls = eval_calls(folder / "calls")
            if kind == "sqlite":
                url = str(folder / "template.db")
            else:
                from fixtures.web_calls import _pg_create

                url = _pg_create(None)
            result = callreview("batch", "--manifest", "calls.csv", "--db", url, cwd=folder)
            assert result.returncode == 0, result.stderr
            made[kind] = (url, calls)
        return made[kind]

    yield get
    for kind, (url, _) in made.items():
        drop_store(kind, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, stores, tmp_path):
    """(store URL, the calls in it) on each backend."""
    if request.param == "postgresql":
        postgres_admin_url()  # skips without the throwaway server (fails in CI)
    url, calls = stores(request.param)
    copy = copy_store(request.param, url, tmp_path)
    yield copy, calls
    drop_store(request.param, copy)


def search(url: str, *args: str, cwd: Path) -> list[dict]:
    result = callreview("search", *args, "--json", "--limit", "0", "--db", url, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def turns_with(calls: list[dict], word: str) -> set[tuple[str, float]]:
    """(file name, start) of every turn whose text contains ``word``: counted from the transcripts."""
    return {
        (c["name"], s["start"]) for c in calls for s in c["data"]["segments"] if word in s["text"]
    }


def common_words(calls: list[dict], n: int = 10) -> list[str]:
    """The ``n`` two-character Chinese words in the most turns."""
    counts: Counter[str] = Counter()
    for c in calls:
        for s in c["data"]["segments"]:
            text = s["text"]
            counts.update(
                {
                    text[i : i + 2]
                    for i in range(len(text) - 1)
                    if all("\u4e00" <= ch <= "\u9fff" for ch in text[i : i + 2])
                }
            )
    return [w for w, _ in counts.most_common(n)]


def test_search_finds_every_turn_with_a_common_word_and_no_other(store, tmp_path):
    url, calls = store
    expected_all = found_all = right = 0
    for word in common_words(calls):
        expected = turns_with(calls, word)
        hits = search(url, word, cwd=tmp_path)
        found = {(Path(h["file"]).name, h["start"]) for h in hits}
        assert all(word in h["text"] for h in hits), word
        expected_all += len(expected)
        found_all += len(found & expected)
        right += len(found & expected)
        assert len(found) == len(hits), f"{word}: a turn found twice"
        assert found <= expected, f"{word}: {sorted(found - expected)[:3]} do not hold it"
    assert found_all / expected_all >= 0.98
    assert right == found_all  # precision: every hit holds the word


def test_search_prints_each_hit_with_call_agent_date_role_time_and_the_match_marked(
    store, tmp_path
):
    url, _ = store
    result = callreview("search", "再见", "--limit", "1", "--db", url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert "«再见»" in line
    date, call, agent, role_time = line.split("  ")[:4]
    assert date.startswith("2026-11-") and call.startswith("#") and agent in AGENTS
    assert role_time.split()[0] in ("agent", "customer")


def test_search_filters_by_role_agent_and_date(store, tmp_path):
    url, calls = store
    every = search(url, "请问", cwd=tmp_path)
    customer = search(url, "请问", "--role", "customer", cwd=tmp_path)
    assert customer and all(h["role"] == "customer" for h in customer)
    assert len(customer) < len(every)
    a2 = search(url, "请问", "--agent", "A2", cwd=tmp_path)
    assert a2 and {h["agent"] for h in a2} == {"A2"}
    week = search(url, "请问", "--since", "2026-11-05", "--until", "2026-11-11", cwd=tmp_path)
    assert week and all("2026-11-05" <= h["date"] <= "2026-11-11" for h in week)
    assert len(week) < len(every)
    dates = [h["date"] for h in every]
    assert dates == sorted(dates, reverse=True)  # newest call first


def test_search_sounds_like_finds_the_homophone_spelling_the_plain_search_does_not(store, tmp_path):
    url, calls = store
    plain = search(url, "请稍等", cwd=tmp_path)
    sounds = search(url, "请稍等", "--sounds-like", cwd=tmp_path)
    assert HOMOPHONE not in [h["text"] for h in plain]
    assert HOMOPHONE in [h["text"] for h in sounds]
    assert {(h["file"], h["start"]) for h in plain} <= {(h["file"], h["start"]) for h in sounds}
    marked = callreview(
        "search", "请稍等", "--sounds-like", "--limit", "0", "--db", url, cwd=tmp_path
    )
    assert "好的，«清少等»。" in marked.stdout


@pytest.mark.parametrize(
    "query",
    ["", "   ", "，。！", '"请问', "请*", "客服:请问", "(请问)", "请问 NEAR 您好", "a OR b"],
)
def test_search_refuses_a_query_it_cannot_run_in_one_line(query, tmp_path):
    result = callreview("search", query, "--db", str(tmp_path / "s.db"), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("callreview: error: ")


@pytest.mark.parametrize("option", [["--since", "2026-13-01"], ["--until", "yesterday"]])
def test_search_refuses_a_bad_date_in_one_line(option, tmp_path):
    result = callreview("search", "请问", *option, "--db", str(tmp_path / "s.db"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "YYYY-MM-DD" in result.stderr


def test_a_rescored_call_is_found_once_and_a_removed_one_not_at_all(store, tmp_path):
    url, calls = store
    before = search(url, "再见", cwd=tmp_path)
    result = callreview("rescore", "--db", url, "--company", "天霖汽车", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    after = search(url, "再见", cwd=tmp_path)
    key = lambda hits: sorted((h["call"], h["start"]) for h in hits)  # noqa: E731
    assert key(after) == key(before)  # the current version's turns, once each
    gone = before[0]["call"]
    with open_store(url) as opened:
        with opened.transaction():
            unindex_calls(opened.db, [gone])
    assert gone not in {h["call"] for h in search(url, "再见", cwd=tmp_path)}


def test_a_superseded_call_leaves_the_index(store, tmp_path):
    url, calls = store
    path = tmp_path / "calls" / "again.json"
    path.parent.mkdir()

    def version(words: str) -> None:
        data = json.loads(json.dumps(calls[1]["data"]))
        data["segments"][0]["text"] = words
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        assert callreview("batch", str(path), "--db", url, cwd=tmp_path).returncode == 0

    version("您好，这是录了一半的第一版。")
    assert len(search(url, "第一版", cwd=tmp_path)) == 1
    version("您好，这是录完的第二版。")  # new audio at the same path: the first is superseded
    assert search(url, "第一版", cwd=tmp_path) == []
    assert len(search(url, "第二版", cwd=tmp_path)) == 1


def test_an_older_store_is_indexed_once_when_first_searched(tmp_path):
    calls = eval_calls(tmp_path / "calls")
    url = str(tmp_path / "old.db")
    assert callreview("batch", "--manifest", "calls.csv", "--db", url, cwd=tmp_path).returncode == 0
    with open_store(url) as opened:  # as a store written before the index: schema 4, no index
        later = " ".join(sql for migration in MIGRATIONS[4:] for sql in migration)
        for trigger in re.findall(r"CREATE TRIGGER (\w+)", later):
            opened.db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        tables = re.findall(r"CREATE (?:VIRTUAL )?TABLE (\w+)", later)
        for table in reversed(dict.fromkeys(tables)):  # what migrations 5 and later made, undone
            opened.db.execute(f"DROP TABLE IF EXISTS {table}")
        for table, column in re.findall(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", later):
            opened.db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        opened.db.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    with open_store(url) as opened:
        assert opened.schema_version() == SCHEMA_VERSION and opened.pending_index() == len(calls)
    result = callreview("search", "再见", "--json", "--limit", "0", "--db", url, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == f"indexing stored calls for search: {len(calls)}/{len(calls)}\n"
    assert len(result.stdout.splitlines()) == len(turns_with(calls, "再见"))
    again = callreview("search", "再见", "--db", url, cwd=tmp_path)
    assert again.stderr == ""  # once


def test_a_call_whose_date_is_not_iso_is_indexed_and_found(tmp_path):
    """A date an older callreview kept as written (23.11.2026) orders by the day it was stored."""
    from callreview.jobs.batch import Job, score_job
    from callreview.review import Reviewer
    from callreview.store import CallMeta

    source = sorted(TRUTH.glob("*.json"))[0]
    call = tmp_path / source.name
    call.write_bytes(source.read_bytes())
    url = str(tmp_path / "qc.db")
    with open_store(url) as opened:
        job = Job(call, CallMeta(agent="A1", date="23.11.2026"))
        assert score_job(Reviewer(), opened, job).status == "scored"
    calls = [{"name": source.name, "data": json.loads(source.read_text(encoding="utf-8"))}]
    word = common_words(calls, 1)[0]
    hits = search(url, word, cwd=tmp_path)
    assert {h["start"] for h in hits} == {start for _, start in turns_with(calls, word)}
