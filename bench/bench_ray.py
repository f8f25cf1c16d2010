"""``batch --ray`` against a local batch on this machine: throughput, Ray's overhead per call, memory.

1. Recordings (the model on every call, no transcript cache): audio hours per wall hour for the
   local batch (its default: 1 worker × the machine's cores; and 2 workers × 1 thread) and for
   2 Ray actors × 1 thread on a local Ray cluster; peak RSS of each worker process or actor.
2. Transcript JSONs (rules only, ~ms a call, so the per-call cost of Ray shows): wall time per call
   for the local batch and for 2 actors, and Ray's overhead per call: the time an actor slot spends
   outside ``score_job`` (actors × wall − the jobs' own seconds) / calls.

    python bench/bench_ray.py                                   # SQLite stores in a temporary folder
    python bench/bench_ray.py --pg postgresql://u@host:5432/postgres   # a fresh database per run on that server
    python bench/bench_ray.py --calls 4 --transcripts 200

Cluster start-up (``ray.init`` of a local cluster) is timed apart: a batch on a running cluster
(``--ray auto``) does not pay it. Each measurement runs in its own process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "audio_samples"
RECORDINGS = [
    "09_no_closing",
    "03_bare_wei",
    "02_no_greeting",
    "04_name_zero",
    "07_forbidden",
    "06_hold_no_permission",
]
"""The shortest bundled calls first."""


# --- inside a child process -----------------------------------------------------------------


def child(mode: str, db: str, files: list[str], workers: int, threads: int | None) -> dict:
    from callreview.jobs.engine import Job, RunOptions
    from callreview.settings import Settings

    jobs = [Job(Path(f)) for f in files]
    settings = Settings(cache=False)
    out: dict = {"mode": mode, "workers": workers, "threads": threads}
    options = RunOptions(workers=workers, threads=threads)
    if mode == "local":
        from callreview.jobs.local import run_local

        peaks, done = _sampling(_child_of(os.getpid()))
        t0 = time.perf_counter()
        outcomes = _timed(run_local(jobs, settings, db, options), t0, out)
        done.set()
        if workers == 1:  # scored in this process
            out["peak_rss_mib"] = [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]
        else:
            out["peak_rss_mib"] = sorted(peaks.values())
    else:
        import ray

        from callreview.jobs.ray import run_on_ray
        from callreview.jobs.ray_cluster import connect

        t0 = time.perf_counter()
        connect(ray, None, workers, 0)  # a local cluster, as `--ray local` starts it
        out["cluster_start_s"] = time.perf_counter() - t0
        peaks, done = _sampling(
            lambda entry: (entry / "cmdline").read_bytes().startswith(b"ray::ScoringActor")
        )
        t0 = time.perf_counter()
        outcomes = _timed(run_on_ray(jobs, settings, db, options), t0, out)
        done.set()
        t0 = time.perf_counter()
        ray.shutdown()
        out["cluster_stop_s"] = time.perf_counter() - t0
        out["peak_rss_mib"] = sorted(peaks.values())
    out["calls"] = len(outcomes)
    out["statuses"] = sorted({o.status for o in outcomes})
    out["audio_s"] = sum(o.audio_s for o in outcomes)
    out["job_s"] = sum(o.seconds for o in outcomes)
    return out


def _timed(outcomes, t0: float, out: dict) -> list:
    """All outcomes; ``wall_s`` to the last, ``first_s`` to the first (workers started, first call done)."""
    got = []
    cpu = time.process_time()
    for outcome in outcomes:
        got.append(outcome)
        if len(got) == 1:
            out["first_s"] = time.perf_counter() - t0
            out["first_job_s"] = outcome.seconds
    out["wall_s"] = time.perf_counter() - t0
    out["driver_cpu_s"] = time.process_time() - cpu
    return got


def _child_of(parent: int):
    def test(
        entry: Path,
    ) -> bool:  # a worker process the pool spawned (not multiprocessing's resource tracker)
        if b"spawn_main" not in (entry / "cmdline").read_bytes():
            return False
        return any(
            line == f"PPid:\t{parent}" for line in (entry / "status").read_text().splitlines()
        )

    return test


def _sampling(worker) -> tuple[dict[int, float], threading.Event]:
    """Start sampling the peak RSS (VmHWM) of each process ``worker(proc_entry)`` says is a worker."""
    peaks: dict[int, float] = {}
    done = threading.Event()
    threading.Thread(target=_sample, args=(worker, peaks, done), daemon=True).start()
    return peaks, done


def _sample(worker, peaks: dict[int, float], done: threading.Event) -> None:
    while not done.is_set():
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if not worker(entry):
                    continue
                for line in (entry / "status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[int(entry.name)] = max(
                            peaks.get(int(entry.name), 0.0), int(line.split()[1]) / 1024
                        )
            except OSError:
                continue
        done.wait(0.25)


# --- the driver -----------------------------------------------------------------------------


def measure(
    mode: str, db: str, files: list[Path], workers: int, threads: int | None = None
) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--db",
        db,
        "--workers",
        str(workers),
        *map(str, files),
    ]
    if threads:
        command[4:4] = ["--threads", str(threads)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=1800)
    if result.returncode != 0:
        sys.exit(f"{mode} run failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.splitlines()[-1])


class Stores:
    """A fresh store for each run: an SQLite file, or a new database on a PostgreSQL server."""

    def __init__(self, pg: str | None, folder: Path) -> None:
        self.pg, self.folder, self.made = pg, folder, []

    def new(self) -> str:
        if not self.pg:
            return str(self.folder / f"{uuid.uuid4().hex[:8]}.db")
        import psycopg

        name = "bench_" + uuid.uuid4().hex[:10]
        with psycopg.connect(self.pg, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        self.made.append(name)
        return f"{self.pg.rpartition('/')[0]}/{name}"

    def drop(self) -> None:
        if self.pg:
            import psycopg

            with psycopg.connect(self.pg, autocommit=True) as conn:
                for name in self.made:
                    conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def transcripts(folder: Path, count: int) -> list[Path]:
    """``count`` distinct transcript JSONs (each its own bytes, so its own call)."""
    sources = sorted((SAMPLES / "truth").glob("*.json"))
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        source = sources[i % len(sources)]
        target = folder / f"{source.stem}_{i:04d}.json"
        target.write_text(
            source.read_text(encoding="utf-8") + "\n" * (i // len(sources)), encoding="utf-8"
        )
        out.append(target)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--calls", type=int, default=4, help="bundled recordings to score (shortest first)"
    )
    parser.add_argument(
        "--transcripts", type=int, default=200, help="transcript JSONs for the overhead run"
    )
    parser.add_argument(
        "--pg", help="a PostgreSQL server URL: each run gets a fresh database there"
    )
    parser.add_argument("--actors", type=int, default=2)
    parser.add_argument("--child")
    parser.add_argument("--db")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int)
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.db, args.files, args.workers, args.threads)))
        return

    from callreview.cpu import cores
    from callreview.jobs.local import DEFAULT_WORKERS

    folder = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    stores = Stores(args.pg, folder)
    store_name = "PostgreSQL" if args.pg else "SQLite"
    try:
        recordings = [SAMPLES / f"{name}.flac" for name in RECORDINGS[: args.calls]]
        jsons = transcripts(folder / "json", args.transcripts)
        print(
            f"machine: {cores()} cores; store: {store_name}; Ray actors: {args.actors} × 1 thread; "
            f"local batch: {DEFAULT_WORKERS} worker(s) × {max(1, cores() // DEFAULT_WORKERS)} threads (its default)"
        )

        print(f"\n1. {len(recordings)} recordings (no transcript cache)")
        threads = max(1, cores() // DEFAULT_WORKERS)
        rows = [
            (
                f"local, {DEFAULT_WORKERS} × {threads} (default)",
                measure("local", stores.new(), recordings, DEFAULT_WORKERS),
            ),
            (
                f"local, {args.actors} × 1",
                measure("local", stores.new(), recordings, args.actors, 1),
            ),
            (
                f"--ray, {args.actors} actors × 1",
                measure("ray", stores.new(), recordings, args.actors),
            ),
        ]
        print(
            f"   {'':<24} {'audio min':>9} {'wall s':>7} {'audio h / wall h':>17}  peak RSS per worker (MiB)"
        )
        for name, r in rows:
            rss = ", ".join(f"{v:.0f}" for v in r["peak_rss_mib"])
            print(
                f"   {name:<24} {r['audio_s'] / 60:>9.1f} {r['wall_s']:>7.1f} {r['audio_s'] / r['wall_s']:>17.1f}  {rss}"
            )
        ray_row = rows[-1][1]
        print(
            f"   local Ray cluster: start {ray_row['cluster_start_s']:.1f} s, stop {ray_row['cluster_stop_s']:.1f} s (not in the wall times)"
        )

        print(f"\n2. {len(jsons)} transcript JSONs (rules only)")
        runs = [
            ("local batch, 1 worker", measure("local", stores.new(), jsons, 1), 1),
            ("--ray, 1 actor", measure("ray", stores.new(), jsons, 1), 1),
            (
                f"--ray, {args.actors} actors",
                measure("ray", stores.new(), jsons, args.actors),
                args.actors,
            ),
        ]
        n = len(jsons)
        print(
            f"   {'':<22} {'start s':>7} {'ms/call wall':>12} {'in score_job':>12} {'slot idle':>9} {'driver CPU':>10}"
        )
        for name, r, slots in runs:
            steady = r["wall_s"] - r["first_s"]  # after the first outcome: workers are up
            inside = r["job_s"] - r["first_job_s"]
            driver = (
                f"{r['driver_cpu_s'] / n * 1000:>10.2f}"
                if name.startswith("--ray")
                else f"{'(same)':>10}"
            )
            print(
                f"   {name:<22} {r['first_s']:>7.1f} {steady / (n - 1) * 1000:>12.1f} {inside / (n - 1) * 1000:>12.1f}"
                f" {(slots * steady - inside) / (n - 1) * 1000:>9.1f} {driver}"
            )
        local_ms = (runs[0][1]["wall_s"] - runs[0][1]["first_s"]) / (n - 1) * 1000
        one_ms = (runs[1][1]["wall_s"] - runs[1][1]["first_s"]) / (n - 1) * 1000
        print(
            f"   Ray overhead per call (1 actor against 1 local worker, wall): {one_ms - local_ms:.1f} ms"
        )
        print(
            "   start: to the first outcome (workers or actors up, first call scored); then per call after it, in ms: wall;"
        )
        print(
            "   inside score_job (in the worker); slot idle = each worker's time not in score_job; the driver's CPU"
        )
    finally:
        stores.drop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    main()
