"""Search at a QC team's scale: queries over 100,000 stored calls, in process and through the
web app, on SQLite or PostgreSQL.

Fills a new store with ``--calls`` scored calls (bench_store's bulk insert: 40 agents, twelve
weeks, the 13 sample truths' reviews) and indexes each call's turns with the index's own
tokens (:func:`callreview.matching.index.index_transcript`) of one of the 60 hand-written
transcripts (``eval/truth`` and ``audio_samples/truth``), in batched transactions. Then:

* **in process**: :func:`callreview.matching.index.search` for a word in every call, a word in
  about half of them, a rare one, two words, a phrase, "sounds like", and with the agent and
  date filters, ``--repeat`` times each (the first 50 hits, as ``callreview search`` shows);
* **the web app**: ``callreview serve`` as a subprocess on loopback, ``--clients`` logged-in
  clients each requesting ``/search`` ``--rounds`` times over the same queries; p50 and p95.

    python bench/bench_search.py                                      # 100,000 calls, SQLite in a temp folder
    python bench/bench_search.py --db postgresql://user@host:5432/postgres   # a new database there, dropped after
    python bench/bench_search.py --calls 10000                        # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_store import _bulk, _many, _new_store  # noqa: E402  (the same bulk store)
from bench_web import _login, _served_at  # noqa: E402  (the same clients)
from samples import scored_truths  # noqa: E402

from callreview.matching.index import SearchOptions, index_transcript, search  # noqa: E402
from callreview.review import Reviewer  # noqa: E402
from callreview.store import QueueFilter, open_store  # noqa: E402
from callreview.store.search import _tsvector, turn_key  # noqa: E402
from callreview.team.people import People  # noqa: E402
from callreview.transcript import Transcript  # noqa: E402

BATCH = 2000
PASSWORD = "bench password"

QUERIES: list[tuple[str, SearchOptions]] = [
    ("common word: 您好", SearchOptions("您好")),
    ("less common word: 稍等", SearchOptions("稍等")),
    ("rare word: 投诉", SearchOptions("投诉")),
    ("two words: 谢谢 再见", SearchOptions("谢谢 再见")),
    ('phrase: "请您稍等"', SearchOptions('"请您稍等"')),
    ("sounds like: 清您少等", SearchOptions("清您少等", sounds_like=True)),
    ("您好, one agent", SearchOptions("您好", filters=QueueFilter(agent="小王"))),
    ("谢谢, customer only", SearchOptions("谢谢", role="customer")),
    ("稍等, last week", SearchOptions("稍等", filters=QueueFilter(since="2026-11-23"))),
]
WEB = ["您好", "稍等", "投诉", "谢谢 再见", '"请您稍等"', "不归我管"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--db", help="postgresql://… server for a throwaway database")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the store (and print where)")
    parser.add_argument("--no-web", action="store_true", help="in process only")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-search-"))
    url, drop = _new_store(args.db, work)
    try:
        fill(url, args.calls)
        in_process(url, args.repeat)
        if not args.no_web:
            web(url, args.clients, args.rounds)
    finally:
        if args.keep:
            print(f"kept: {url}")
        else:
            drop()
            for f in work.glob("*"):
                f.unlink()
            work.rmdir()


def _pool() -> list[Transcript]:
    files = sorted((REPO / "eval" / "truth").glob("*.json"))
    files += sorted((REPO / "audio_samples" / "truth").glob("*.json"))
    return [Transcript.from_dict(json.loads(f.read_text(encoding="utf-8"))) for f in files]


def fill(url: str, calls: int) -> None:
    reviewer = Reviewer()
    truths = scored_truths(reviewer)
    pool = [index_transcript(t) for t in _pool()]
    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    turns = sum(len(pool[i % len(pool)]) for i in range(calls))
    print(
        f"store: {backend}, {calls:,} calls, {turns:,} indexed turns ({len(pool)} transcripts); "
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores"
    )
    with open_store(url) as store:
        started = time.perf_counter()
        _bulk(store, random.Random(48), truths, 0, calls, reviewer.engine, reviewer.fingerprint)
        print(f"calls stored in bulk: {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        db = store.db
        sql = (
            "INSERT INTO search_turns (id, call, turn, role, start_s, end_s, text, words, sounds) "
            + (
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                if db.name == "sqlite"
                else "VALUES (?, ?, ?, ?, ?, ?, ?, ?::tsvector, ?::tsvector)"
            )
        )
        join = " ".join if db.name == "sqlite" else _tsvector
        rows_of = [
            [(t.turn, t.role, t.start, t.end, t.text, join(t.words), join(t.sounds)) for t in p]
            for p in pool
        ]
        days = dict(db.execute("SELECT id, call_date FROM calls").fetchall())
        # in the index's own order (day, call), as calls land day by day: appends, not inserts
        order = sorted(days, key=lambda c: (days[c], c))
        for lo in range(0, calls, BATCH):
            rows = sorted(
                (
                    (turn_key(days[c], c, row[0]), c, *row)
                    for c in order[lo : lo + BATCH]
                    for row in rows_of[(c - 1) % len(pool)]
                ),
                key=lambda r: r[0],
            )
            with db.transaction():
                _many(db, sql, rows)
                if db.name == "sqlite":
                    db.execute(
                        "INSERT INTO search_fts (rowid, words, sounds) SELECT id, words, sounds "
                        "FROM search_turns WHERE id BETWEEN ? AND ?",
                        (rows[0][0], rows[-1][0]),
                    )
        db.execute("ANALYZE")
        print(f"turns indexed in bulk: {time.perf_counter() - started:.0f} s")
        People(store, reviewer.scorecard).add_user("bench", "supervisor", PASSWORD)


def in_process(url: str, repeat: int) -> None:
    print(f"\nin process, first 50 hits, {repeat} runs each: p50 · p95 (calls with a hit)")
    with open_store(url) as store:
        for label, options in QUERIES:
            search(store, options)  # warm: the pages this query reads
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                hits = search(store, options)
                times.append(time.perf_counter() - started)
            every = len({h.call for h in search(store, _all(options))})
            print(
                f"  {label:28} {_ms(times, 50):7.1f} · {_ms(times, 95):7.1f} ms"
                f"  ({len(hits)} shown, {every:,} calls)"
            )


def _all(options: SearchOptions) -> SearchOptions:
    return SearchOptions(
        options.query, options.role, options.filters, options.sounds_like, limit=None
    )


def web(url: str, clients: int, rounds: int) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "callreview", "serve", "--db", url, "--port", "0"],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = _served_at(proc)
        sessions = [_login(base) for _ in range(clients)]
        sessions[0].get("/search", params={"q": "您好"})  # the first page view settles the store
        times: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()

        def client(session, seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(rounds):
                for q in rng.sample(WEB, len(WEB)):
                    started = time.perf_counter()
                    response = session.get("/search", params={"q": q})
                    took = time.perf_counter() - started
                    with lock:
                        times.append(took)
                        if response.status_code != 200:
                            errors.append(f"{q}: {response.status_code}")

        threads = [threading.Thread(target=client, args=(s, n)) for n, s in enumerate(sessions)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        print(
            f"\nweb /search, {clients} clients, {len(times)} requests: p50 {_ms(times, 50):.0f} ms"
            f" · p95 {_ms(times, 95):.0f} ms ({len(times) / wall:.0f} requests/s)"
        )
        if errors:
            raise SystemExit(f"{len(errors)} requests failed, e.g. {errors[:3]}")
    finally:
        proc.terminate()
        proc.wait(30)


def _ms(values: list[float], pct: int) -> float:
    if len(values) == 1:
        return 1000 * values[0]
    return 1000 * statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


if __name__ == "__main__":
    main()
