"""The reviewer's web app under a team's load: page times for 20 concurrent clients on a store of
10,000 (or 100,000) scored calls, SQLite or PostgreSQL.

Fills a new store with ``--calls`` calls, the first ``--real`` through the real path
(``register`` + ``claim`` + ``complete``, transcript and review stored, as ``batch`` does), the
rest in batched inserts of the same rows (call, path, transcript, review, its item index; no
search turns: search is not in the mix), only to build the store fast; their reviews the real
reviews of the truth transcripts, spread over 40 agents and twelve weeks; a person reviews some of
them (``--reviewed``, a tenth of those with an override). Then it starts ``callreview serve`` as a
subprocess on loopback, logs ``--clients`` clients in (one session each, not timed) and has
each request a fixed mix of pages ``--rounds`` times, or until ``--max-seconds``:

    queue (default: newest first) · queue filtered (agent + failed item) · queue by score, page 10 ·
    a random call page · 64 KiB of its audio (Range) · agents (weekly trends) · agreement

and prints p50/p95 per page and overall, each client's first mix (the server just started,
nothing cached) apart. ``--workers`` is ``serve --workers``; ``--keep`` leaves the store for a
later ``--store URL`` run.

    python bench/bench_web.py                                               # SQLite in a temp folder
    python bench/bench_web.py --db postgresql://user@host:5432/postgres     # a new database there, dropped after
    python bench/bench_web.py --calls 100000 --rounds 90 --max-seconds 150  # a team's quarter
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from samples import scored_truths  # noqa: E402  (bench/samples.py)

from callreview.review import Reviewer  # noqa: E402
from callreview.store import CallMeta, open_store  # noqa: E402
from callreview.team.people import People  # noqa: E402

AGENTS = [f"A{n:03d}" for n in range(1, 41)]
FIRST_DAY = date(2026, 9, 7)
DAYS = 84
PASSWORD = "bench password"
PAGES = (
    "queue",
    "queue filtered",
    "queue by score p10",
    "call",
    "audio range",
    "agents",
    "agreement",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument(
        "--real",
        type=int,
        default=2_000,
        help="calls stored through register+claim+complete (the rest in bulk, only to build the store)",
    )
    parser.add_argument(
        "--workers", type=int, help="serve --workers N (default: serve's own, from the cores)"
    )
    parser.add_argument(
        "--reviewed",
        type=int,
        default=400,
        help="calls a person has reviewed (a tenth with an override)",
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument(
        "--rounds", type=int, default=4, help="times each client requests the page mix"
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=180.0,
        help="stop the clients after this long, whatever is left",
    )
    parser.add_argument(
        "--db",
        help="postgresql://… server to create a throwaway database on; default: SQLite in a temp folder",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the store filled (its URL is printed) for a later --store",
    )
    parser.add_argument("--store", help="a store an earlier --keep run filled: measure it again")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    if args.store:
        url, drop = args.store, work.rmdir
    else:
        url, drop = _new_store(args.db, work)
        if args.keep:
            print(f"store kept: {url}")
            drop = work.rmdir if args.db else (lambda: None)
    try:
        if not args.store:
            fill(url, args.calls, args.real, args.reviewed)
        load(url, args.clients, args.rounds, args.max_seconds, args.workers)
    finally:
        drop()


def fill(url: str, calls: int, real: int, reviewed: int) -> None:
    reviewer = Reviewer()
    truths = scored_truths(reviewer)
    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(
        f"store: {backend}, {calls:,} calls, 40 agents, 12 weeks; python {sys.version.split()[0]}, {os.cpu_count()} cores"
    )
    rng = random.Random(11)
    real = min(real, calls)
    with open_store(url) as store:
        started = time.perf_counter()
        for i in range(real):
            agent, day, sha, path = _call(rng, i)
            transcript, review = truths[i % len(truths)]
            store.register(sha, path, CallMeta(agent=agent, call_id=f"C{i:06d}", date=day))
            claim = store.claim(sha, path).claim
            store.complete(
                claim, review, transcript, f"bench:{sha}", reviewer.engine, reviewer.fingerprint
            )
        fill_s = time.perf_counter() - started
        print(
            f"filled through register+claim+complete: {real:,} calls, {real / fill_s:,.0f} calls/s ({fill_s:.0f} s)"
        )
        if calls > real:
            started = time.perf_counter()
            _bulk(store, rng, truths, real, calls, reviewer.engine, reviewer.fingerprint)
            bulk_s = time.perf_counter() - started
            print(
                f"bulk insert (only to build the store): {calls - real:,} calls, {(calls - real) / bulk_s:,.0f} calls/s ({bulk_s:.0f} s)"
            )
        people = People(store, reviewer.scorecard)
        people.add_user("bench", "supervisor", PASSWORD)
        started = time.perf_counter()
        added = people.sync()
        index_s = time.perf_counter() - started
        print(
            f"indexed item statuses of {added:,} reviews (first page view of an existing store): {index_s:.1f} s"
        )
        user = people.user("bench")
        picks = rng.sample(range(1, calls + 1), min(reviewed, calls))
        for n, call in enumerate(picks):
            if n % 10 == 0:
                current = people.final(store.call(call)).items["greeting"].status
                people.override(
                    call,
                    "greeting",
                    "fail" if current == "pass" else "pass",
                    "bench override",
                    user,
                )
            else:
                people.confirm(call, user)
        print(f"reviewed by a person: {len(picks):,} calls ({len(picks[::10]):,} with an override)")


def _call(rng: random.Random, i: int) -> tuple[str, str, str, str]:
    agent = rng.choice(AGENTS)
    day = (FIRST_DAY + timedelta(days=rng.randrange(DAYS))).isoformat()
    sha = hashlib.sha256(f"web-call-{i}".encode()).hexdigest()
    path = f"/recordings/{day}/{agent}_{i:06d}.json"  # its audio: the transcript's file, audio_samples/…
    return agent, day, sha, path


def _bulk(
    store, rng: random.Random, truths, start: int, stop: int, engine: str, fingerprint: str
) -> None:
    """Calls ``start``..``stop`` in batched transactions, with the rows ``complete`` writes (call,
    path, transcript, review, its item index) but no search turns; ids given (a new store:
    nothing else writes)."""
    db = store.db
    bodies = [
        (
            t.to_json(indent=None),
            t.model,
            json.dumps(r.to_dict(), ensure_ascii=False),
            r.to_dict()["score"],
            r,
        )
        for t, r in truths
    ]
    base_call = int(db.execute("SELECT COALESCE(MAX(id), 0) FROM calls").fetchone()[0])
    base_review = int(db.execute("SELECT COALESCE(MAX(id), 0) FROM reviews").fetchone()[0])
    now = time.time()
    sqls = (
        "INSERT INTO calls (id, sha256, path, agent, call_id, call_date, duration_s, state, current_review, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'scored', ?, ?, ?)",
        "INSERT INTO call_paths (call, path, first_seen) VALUES (?, ?, ?)",
        "INSERT INTO transcripts (key, call, model, body, created_at) VALUES (?, ?, ?, ?, ?)",
        "INSERT INTO reviews (id, call, version, transcript_key, engine, fingerprint, score, band, needs_review, body, created_at) "
        "VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)",
        "INSERT INTO review_items (review, call, item, auto, final) VALUES (?, ?, ?, ?, ?)",
    )
    for lo in range(start, stop, 5000):
        rows: list[list[tuple]] = [[] for _ in sqls]
        for i in range(lo, min(stop, lo + 5000)):
            agent, day, sha, path = _call(rng, i)
            transcript, model, body, score, review = bodies[i % len(bodies)]
            call, rid, key = base_call + i - start + 1, base_review + i - start + 1, f"bench:{sha}"
            rows[0].append(
                (call, sha, path, agent, f"C{i:06d}", day, review.duration_s, rid, now, now)
            )
            rows[1].append((call, path, now))
            rows[2].append((key, call, model, transcript, now))
            rows[3].append(
                (
                    rid,
                    call,
                    key,
                    engine,
                    fingerprint,
                    score,
                    review.band,
                    int(review.needs_review),
                    body,
                    now,
                )
            )
            rows[4].extend(
                (rid, call, item, r.status, r.status) for item, r in review.items.items()
            )
        with db.transaction():
            for sql, batch in zip(sqls, rows):
                if db.name == "sqlite":
                    db.conn.executemany(sql, batch)
                else:
                    with db.conn.cursor() as cur:
                        cur.executemany(db._sql(sql), batch)
    if db.name == "postgresql":  # ids were given: move the identity sequences past them
        for table in ("calls", "reviews"):
            db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )
    db.execute("ANALYZE")


def load(url: str, clients: int, rounds: int, max_seconds: float, workers: int | None) -> None:
    # the calls' recordings are the samples the truth transcripts name: a root serve may play from
    config = Path(tempfile.mkdtemp(prefix="bench-web-config-")) / "callreview.toml"
    config.write_text(f"recording_roots = [{json.dumps(str(REPO / 'audio_samples'))}]\n")
    command = [sys.executable, "-m", "callreview", "serve", "--db", url, "--port", "0"]
    command += ["--config", str(config)]
    if workers is not None:
        command += ["--workers", str(workers)]
    proc = subprocess.Popen(
        command,
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = _served_at(proc)
        sessions = [_login(base) for _ in range(clients)]
        with open_store(url) as store:
            total_calls = store.counts().scored
        times: dict[str, list[float]] = {page: [] for page in PAGES}
        first: dict[str, list[float]] = {page: [] for page in PAGES}  # each client's first mix
        errors: list[str] = []
        lock = threading.Lock()
        deadline = time.monotonic() + max_seconds

        def client(session: httpx.Client, seed: int) -> None:
            rng = random.Random(seed)
            for n in range(rounds):
                for page in PAGES:
                    if time.monotonic() > deadline:
                        return
                    call = rng.randrange(1, total_calls + 1)
                    path, headers = {
                        "queue": ("/queue", {}),
                        "queue filtered": (f"/queue?agent={rng.choice(AGENTS)}&failed=hold", {}),
                        "queue by score p10": ("/queue?sort=score&dir=asc&page=10", {}),
                        "call": (f"/calls/{call}", {}),
                        "audio range": (
                            f"/audio/{call}",
                            {"Range": f"bytes={rng.randrange(0, 400_000)}-{{end}}"},
                        ),
                        "agents": ("/agents", {}),
                        "agreement": ("/agreement", {}),
                    }[page]
                    if "Range" in headers:
                        start = int(headers["Range"].split("=")[1].split("-")[0])
                        headers = {"Range": f"bytes={start}-{start + 65535}"}
                    started = time.perf_counter()
                    response = session.get(path, headers=headers)
                    elapsed = time.perf_counter() - started
                    with lock:
                        if response.status_code not in (200, 206):
                            said = re.search(r'<p class="message">([^<]*)', response.text)
                            errors.append(
                                f"{page} {path}: {response.status_code} {said.group(1) if said else ''}"
                            )
                        (times if n else first)[page].append(elapsed)

        started = time.perf_counter()
        cold = sessions[0].get("/queue")
        print(
            f"first queue page: {1000 * (time.perf_counter() - started):.0f} ms (status {cold.status_code})"
        )
        threads = [threading.Thread(target=client, args=(s, i)) for i, s in enumerate(sessions)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        every = [t for page in PAGES for t in times[page]]
        cold = [t for page in PAGES for t in first[page]]
        print(
            f"{clients} concurrent clients, {len(every) + len(cold):,} requests in {wall:.1f} s = {(len(every) + len(cold)) / wall:.1f} requests/s, {len(errors)} errors"
        )
        print("  after each client's first mix:")
        for page in PAGES:
            print(
                f"  {page:<20} n={len(times[page]):>4}  p50 {_ms(times[page], 50):>6.0f} ms  p95 {_ms(times[page], 95):>6.0f} ms"
            )
        print(
            f"  {'all pages':<20} n={len(every):>4}  p50 {_ms(every, 50):>6.0f} ms  p95 {_ms(every, 95):>6.0f} ms"
        )
        print(
            f"  each client's first mix (the server just started, nothing cached): n={len(cold)}  p50 {_ms(cold, 50):.0f} ms  p95 {_ms(cold, 95):.0f} ms"
        )
        for line in errors[:5]:
            print("  error:", line)
        for s in sessions:
            s.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        config.unlink()
        config.parent.rmdir()


def _ms(values: list[float], pct: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return 1000 * values[0]
    return 1000 * statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def _served_at(proc: subprocess.Popen) -> str:
    for _ in range(50):
        line = proc.stderr.readline()
        found = re.search(r"at (http://\S+) \(Ctrl-C stops\)", line)
        if found:
            return found.group(1)
    raise SystemExit("callreview serve did not start")


def _login(base: str) -> httpx.Client:
    session = httpx.Client(base_url=base, timeout=120)  # loopback only
    token = re.search(r'name="csrf" value="([^"]+)"', session.get("/login").text).group(1)
    response = session.post(
        "/login",
        data={"csrf": token, "name": "bench", "password": PASSWORD},
        follow_redirects=False,
    )
    if response.status_code != 303:
        raise SystemExit(f"log-in failed: {response.status_code}")
    return session


def _new_store(server: str | None, work: Path):
    if not server:
        path = work / "web.db"

        def drop() -> None:
            for f in work.iterdir():
                f.unlink()
            work.rmdir()

        return str(path), drop
    import psycopg

    name = "bench_web_" + uuid.uuid4().hex[:8]
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = server.rpartition("/")[0] + "/" + name

    def drop_pg() -> None:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        work.rmdir()

    return url, drop_pg


if __name__ == "__main__":
    main()
