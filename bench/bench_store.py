"""The store at a QC team's scale: 100,000 stored reviews on SQLite or PostgreSQL.

Fills a new store with ``--calls`` scored calls whose review bodies are the real reviews
of the 13 truth transcripts (``audio_samples/truth``, scored by the rules as they are),
spread over 40 agents, twelve weeks and the hours of the day, then measures what a QC
reviewer waits for:

* **real path**: ``register`` + ``claim`` + ``complete`` (transcript and review stored,
  one transaction each), as ``batch`` does it, for the first ``--real`` calls;
* **bulk insert**: the rest in batched transactions (executemany through the store's
  connection: call, path, transcript, review), only to build the store fast;
* **index**: the summary's and the queue's indexes of the bulk-inserted reviews, filled once
  (as for a store written before them), by ``store.index_items()``;
* **summary**: :func:`callreview.team.summary.stored_summary` (SQL over the indexes) and, for
  comparison, :func:`~callreview.team.summary.summarize` over every call's final result read
  from its body, in this process; then ``callreview summary --by agent`` / ``--by week`` as
  subprocesses;
* **agents page**: ``GET /agents`` of the web app with one logged-in client (Starlette's
  TestClient, in this process): the first request of a new app, then requests each with a new
  filter (``since`` before the first call: every call counted, nothing cached), then a
  repeated one (the page cache);
* **export**: ``callreview export --csv`` / ``--xlsx`` / ``--jsonl`` as subprocesses, with
  their wall time and peak RSS (``ru_maxrss`` of that child), for all calls and for
  about a tenth of them: flat memory means the same peak for both; the first CSV or XLSX
  export finds every call's redactions in its transcript and keeps them, later ones read them
  (both timed); ``--xlsx`` also ``--no-redact`` (the workbook's own cost);
* **sample**: ``callreview sample`` of one week.

    python bench/bench_store.py                                   # 100,000 calls, SQLite in a temp folder
    python bench/bench_store.py --db postgresql://user@host:5432/postgres   # a new database on that server, dropped after
    python bench/bench_store.py --calls 10000 --real 500          # quicker
    python bench/bench_store.py --formats xlsx                    # only the XLSX export
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from samples import scored_truths  # noqa: E402  (bench/samples.py)

from callreview.qc.scorecard import load_scorecard  # noqa: E402
from callreview.review import Reviewer  # noqa: E402
from callreview.store import CallMeta, open_store  # noqa: E402
from callreview.team.finals import final_reviews  # noqa: E402
from callreview.team.people import People  # noqa: E402
from callreview.team.summary import stored_summary, summarize  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
AGENTS = [f"小{s}" for s in SURNAMES] + [f"{n}号" for n in range(101, 121)]  # 40 agents
FIRST_DAY = date(2026, 9, 7)  # a Monday; twelve ISO weeks from 2026-W37
DAYS = 84
BATCH = 5000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument(
        "--real",
        type=int,
        default=2000,
        help="calls stored through register+claim+complete (the rest in bulk)",
    )
    parser.add_argument(
        "--db",
        help="postgresql://… server to create a throwaway database on; default: SQLite in a temp folder",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the store (and print where it is)"
    )
    parser.add_argument(
        "--formats", default="csv,xlsx,jsonl", help="the exports to time (comma-separated)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-store-"))
    url, drop = _new_store(args.db, work)
    try:
        run(url, work, args.calls, min(args.real, args.calls), args.formats.split(","))
    finally:
        if args.keep:
            print(f"kept: {url}  {work}")
        else:
            drop()
            for f in work.iterdir():
                f.unlink()
            work.rmdir()


def run(url: str, work: Path, calls: int, real: int, formats: list[str]) -> None:
    reviewer = Reviewer()
    truths = scored_truths(reviewer)
    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(
        f"store: {backend}, {calls:,} calls ({real:,} through the real path), 40 agents, 12 weeks; python {sys.version.split()[0]}, {os.cpu_count()} cores"
    )

    rng = random.Random(48)
    with open_store(url) as store:
        started = time.perf_counter()
        for i in range(real):
            agent, day, clock, call_id = _call(rng, i)
            transcript, review = truths[i % len(truths)]
            sha = hashlib.sha256(f"call-{i}".encode()).hexdigest()
            path = f"/recordings/{day[:7]}/{agent}_{day}_{call_id}.flac"
            store.register(
                sha, path, CallMeta(agent=agent, call_id=call_id, date=day, extra={"time": clock})
            )
            claim = store.claim(sha, path).claim
            store.complete(
                claim, review, transcript, f"bench:{sha}", reviewer.engine, reviewer.fingerprint
            )
        real_s = time.perf_counter() - started
        print(
            f"real path (register+claim+complete): {real:,} calls in {real_s:.1f} s = {real / real_s:,.0f} calls/s"
        )

        started = time.perf_counter()
        _bulk(store, rng, truths, real, calls, reviewer.engine, reviewer.fingerprint)
        bulk_s = time.perf_counter() - started
        print(
            f"bulk insert: {calls - real:,} calls in {bulk_s:.1f} s = {(calls - real) / bulk_s:,.0f} calls/s"
        )

        started = time.perf_counter()
        store.index_items()
        print(
            f"index of the {calls - real:,} bulk-inserted reviews (once, on first use): {time.perf_counter() - started:.1f} s"
        )

        rules = load_scorecard(None)
        for label, summary in (
            ("SQL over the indexes", lambda: stored_summary(store, rules, "agent")),
            (
                "from every review body",
                lambda: summarize(final_reviews(store, store.calls(state="scored"), rules)),
            ),
        ):
            started = time.perf_counter()
            figures = summary()
            summary_s = time.perf_counter() - started
            print(
                f"summary by agent in process, {label}: {figures.total.calls:,} calls in {summary_s:.2f} s"
            )
        _agents_page(store, rules)
        last_day = store.last_day()

    tenth = (FIRST_DAY + timedelta(days=DAYS // 10 - 1)).isoformat()
    for label, extra in (
        ("summary --by agent", ["summary", "--by", "agent"]),
        ("summary --by week", ["summary", "--by", "week"]),
        ("summary, first tenth", ["summary", "--until", tenth]),
    ):
        wall, rss, _ = _child([*extra, "--db", url])
        print(f"callreview {label}: {wall:.2f} s, peak RSS {rss:.0f} MiB")
    # the first CSV or XLSX export finds every call's redactions; later ones read them
    listed = False
    for fmt in formats:
        some: tuple[str, list[str]] = ("first tenth", ["--until", tenth])
        runs = [("all", []), some]
        if fmt in ("csv", "xlsx"):
            runs = [("all, redactions kept", []), some]
            if not listed:
                runs.insert(0, ("all, redactions found and kept", []))
            listed = True
        if fmt == "xlsx":
            runs.append(("all, --no-redact", ["--no-redact"]))
        for label, extra in runs:
            out = work / f"calls-{label.replace(' ', '-').replace(',', '')}.{fmt}"
            wall, rss, text = _child(["export", "--db", url, f"--{fmt}", str(out), *extra])
            count = int(text.split()[1].replace(",", ""))
            print(
                f"export --{fmt} ({label}): {count:,} calls in {wall:.1f} s = {count / wall:,.0f} calls/s, "
                f"{out.stat().st_size / 2**20:.0f} MiB file, peak RSS {rss:.0f} MiB"
            )
            out.unlink()
    week = date.fromisoformat(last_day).isocalendar()
    wall, rss, text = _child(
        ["sample", "--db", url, "--week", f"{week.year}-W{week.week:02d}", "--seed", "1"]
    )
    print(f"callreview sample: {text.splitlines()[0]}: {wall:.1f} s, peak RSS {rss:.0f} MiB")


def _agents_page(store, rules) -> None:
    """``GET /agents`` with one logged-in client (TestClient): a new app's first request, then
    five each with a filter of its own (not cached), then one repeated (cached)."""
    import re
    import statistics

    from starlette.testclient import TestClient

    from callreview.web.app import create_app

    password = "bench password 1"
    People(store, rules).add_user("bench", "supervisor", password)
    client = TestClient(create_app(store, rules), follow_redirects=False)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    done = client.post(
        "/login", data={"csrf": token, "name": "bench", "password": password, "next": ""}
    )
    assert done.status_code == 303, done.text

    def get(path: str) -> float:
        started = time.perf_counter()
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        return 1000 * (time.perf_counter() - started)

    first = get("/agents")
    fresh = [get(f"/agents?since=2026-08-0{day}") for day in range(1, 6)]
    cached = get("/agents?since=2026-08-05")
    print(
        f"agents page, one client (TestClient): first request {first:.0f} ms; "
        f"not cached: median {statistics.median(fresh):.0f} ms, max {max(fresh):.0f} ms; cached {cached:.0f} ms"
    )


def _call(rng: random.Random, i: int) -> tuple[str, str, str, str]:
    agent = rng.choice(AGENTS)
    day = (FIRST_DAY + timedelta(days=rng.randrange(DAYS))).isoformat()
    clock = f"{rng.randrange(8, 20):02d}:{rng.randrange(60):02d}"
    return agent, day, clock, f"C{i:07d}"


def _bulk(
    store, rng: random.Random, truths, start: int, stop: int, engine: str, fingerprint: str
) -> None:
    """Calls and their reviews in batches, ids given (a new store: nothing else writes)."""
    db = store.db
    bodies = []
    for transcript, review in truths:
        body = review.to_dict()
        body["file"] = "\0FILE\0"
        bodies.append(
            (
                json.dumps(body, ensure_ascii=False),
                review,
                json.dumps("\0FILE\0"),
                transcript.to_json(indent=None),
                transcript.model,
            )
        )
    base_call = int(db.execute("SELECT COALESCE(MAX(id), 0) FROM calls").fetchone()[0])
    base_review = int(db.execute("SELECT COALESCE(MAX(id), 0) FROM reviews").fetchone()[0])
    now = time.time()
    call_sql = (
        "INSERT INTO calls (id, sha256, path, agent, call_id, call_date, direction, metadata, duration_s, state, current_review, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'scored', ?, ?, ?)"
    )
    path_sql = "INSERT INTO call_paths (call, path, first_seen) VALUES (?, ?, ?)"
    review_sql = (
        "INSERT INTO reviews (id, call, version, transcript_key, engine, fingerprint, score, band, needs_review, body, created_at) "
        "VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    transcript_sql = (
        "INSERT INTO transcripts (key, call, model, body, created_at) VALUES (?, ?, ?, ?, ?)"
    )
    for lo in range(start, stop, BATCH):
        calls, paths, reviews, transcripts = [], [], [], []
        for i in range(lo, min(stop, lo + BATCH)):
            agent, day, clock, call_id = _call(rng, i)
            text, review, marker, transcript_text, model = bodies[i % len(bodies)]
            call, rid = base_call + i - start + 1, base_review + i - start + 1
            path = f"/recordings/{day[:7]}/{agent}_{day}_{call_id}.flac"
            sha = hashlib.sha256(f"call-{i}".encode()).hexdigest()
            calls.append(
                (
                    call,
                    sha,
                    path,
                    agent,
                    call_id,
                    day,
                    "inbound",
                    json.dumps({"time": clock}),
                    review.duration_s,
                    rid,
                    now,
                    now,
                )
            )
            paths.append((call, path, now))
            key = f"bench:{sha}"
            transcripts.append((key, call, model, transcript_text, now))
            body = text.replace(marker, json.dumps(path, ensure_ascii=False), 1)
            reviews.append(
                (
                    rid,
                    call,
                    key,
                    engine,
                    fingerprint,
                    review.to_dict()["score"],
                    review.band,
                    int(review.needs_review),
                    body,
                    now,
                )
            )
        with db.transaction():
            _many(db, call_sql, calls)
            _many(db, path_sql, paths)
            _many(db, transcript_sql, transcripts)
            _many(db, review_sql, reviews)
    if db.name == "postgresql":  # ids were given: move the identity sequences past them
        for table in ("calls", "reviews"):
            db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )
    db.execute("ANALYZE")


def _many(db, sql: str, rows: list[tuple]) -> None:
    if db.name == "sqlite":
        db.conn.executemany(sql, rows)
    else:
        with db.conn.cursor() as cur:
            cur.executemany(db._sql(sql), rows)


# The child reports its own peak: ru_maxrss of a child on Linux keeps the high-water mark of the
# process it was forked from (this one, with the store's data in memory) across exec.
_PEAK = """
import os, runpy, sys
try:
    sys.argv = ["callreview", *sys.argv[1:]]
    runpy.run_module("callreview", run_name="__main__", alter_sys=True)
finally:
    with open("/proc/self/status") as status, open(os.environ["BENCH_PEAK_FILE"], "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


def _child(args: list[str]) -> tuple[float, float, str]:
    """Run ``callreview ARGS`` as a child: wall seconds, its own peak RSS (VmHWM) in MiB, its stdout."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as errors,
        tempfile.NamedTemporaryFile() as peak,
    ):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _PEAK, *args],
            stdout=out,
            stderr=errors,
            cwd=REPO,
            env={**os.environ, "BENCH_PEAK_FILE": peak.name},
        )
        wall = time.perf_counter() - started
        out.seek(0)
        errors.seek(0)
        text, err = out.read().decode(), errors.read().decode()
        kib = int(Path(peak.name).read_text() or 0)
    if done.returncode:
        raise SystemExit(f"callreview {' '.join(args)}: exit {done.returncode}: {err.strip()}")
    return wall, kib / 1024, text


def _new_store(server: str | None, work: Path):
    """A new empty store and how to remove it: an SQLite file, or a new database on a PostgreSQL server."""
    if not server:
        return str(work / "bench.db"), lambda: None
    import psycopg

    name = "bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    base, _, _ = server.partition("?")[0].rpartition("/")

    def drop() -> None:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return f"{base}/{name}", drop


if __name__ == "__main__":
    main()
