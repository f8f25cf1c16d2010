"""Batch throughput: 1 worker × 2 threads against 2 workers × 1 thread, on the 13 sample calls.

Each configuration is a real ``callreview batch`` subprocess over ``audio_samples/01…13``
(694.6 s of audio) into a fresh SQLite store with a fresh transcript cache (so every call
is transcribed), with the default model already assembled. Printed per configuration:

* wall time and **audio hours per wall hour** (= times real time);
* **peak RSS per worker** (``VmHWM`` of each scoring process, sampled every 0.2 s: with
  one worker that is the batch process itself) and the peak RSS of all its processes together.

    python bench/bench_batch.py               # both configurations once (about 4 minutes on 2 cores)
    python bench/bench_batch.py --rounds 2    # alternate them twice (ABBA), for a noisy machine
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SAMPLES = sorted(
    p
    for p in (REPO / "audio_samples").glob("*.flac")
    if p.name[:2].isdigit() and int(p.name[:2]) <= 13
)
CONFIGS = {"1 worker × 2 threads": (1, 2), "2 workers × 1 thread": (2, 1)}


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                todo += [
                    int(c) for c in Path(f"/proc/{p}/task/{task}/children").read_text().split()
                ]
        except OSError:
            continue
    return out


def status(pid: int) -> tuple[str, int, int]:
    """(command line, VmHWM KiB, VmRSS KiB) of a live process."""
    fields = dict(
        line.split(":", 1)
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if ":" in line
    )
    cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    kib = lambda key: int(fields.get(key, "0 kB").split()[0])  # noqa: E731
    return cmd, kib("VmHWM"), kib("VmRSS")


def run_one(workers: int, threads: int, model: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        env = {**os.environ, "CALLREVIEW_CACHE": str(Path(tmp) / "cache")}
        env.pop("CALLREVIEW_DB", None)
        cmd = [
            sys.executable,
            "-m",
            "callreview",
            "batch",
            *map(str, SAMPLES),
            "--db",
            str(Path(tmp) / "bench.db"),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--model",
            model,
        ]
        load = os.getloadavg()[0]
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        peaks: dict[int, tuple[str, int]] = {}
        total_peak = 0
        while proc.poll() is None:
            rss_now = 0
            for pid in tree(proc.pid):
                try:
                    cmdline, hwm, rss = status(pid)
                except OSError:
                    continue
                peaks[pid] = (cmdline, max(hwm, peaks.get(pid, ("", 0))[1]))
                rss_now += rss
            total_peak = max(total_peak, rss_now)
            time.sleep(0.2)
        wall = time.perf_counter() - started
        out = proc.stdout.read() if proc.stdout else ""
        if proc.returncode != 0 or not out.startswith(
            f"{len(SAMPLES)} scored, 0 already scored, 0 failed"
        ):
            raise SystemExit(f"batch failed (exit {proc.returncode}): {out.strip()}")
    scoring = [
        hwm
        for pid, (cmdline, hwm) in peaks.items()
        if (workers == 1 and pid == proc.pid) or "spawn_main" in cmdline
    ]
    return {
        "wall": wall,
        "worker_peak_mib": max(scoring) / 1024,
        "workers_seen": len(scoring),
        "total_peak_mib": total_peak / 1024,
        "load": load,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=1, help="runs of each configuration, alternated (ABBA…)"
    )
    parser.add_argument(
        "--calls",
        type=int,
        default=len(SAMPLES),
        help="the first N sample calls only (a quick check of the bench)",
    )
    args = parser.parse_args()
    del SAMPLES[args.calls :]

    import soundfile as sf

    from callreview.asr.model import resolve_model

    audio_s = sum(sf.info(str(p)).duration for p in SAMPLES)
    model = resolve_model(None).load_from  # assembled once, outside the timings
    print(
        f"{len(SAMPLES)} calls, {audio_s:.1f} s of audio; {os.cpu_count()} cores; python {sys.version.split()[0]}"
    )
    order = list(CONFIGS)
    results: dict[str, list[dict]] = {name: [] for name in CONFIGS}
    for round_ in range(args.rounds):
        for name in order if round_ % 2 == 0 else reversed(order):
            workers, threads = CONFIGS[name]
            r = run_one(workers, threads, model)
            results[name].append(r)
            print(
                f"  {name}: {r['wall']:.1f} s (load average {r['load']:.1f} at start)", flush=True
            )
    print()
    print(
        f"{'configuration':<22} {'wall':>8} {'audio h / wall h':>17} {'peak RSS per worker':>20} {'peak RSS, all processes':>24}"
    )
    for name, runs in results.items():
        wall = sorted(r["wall"] for r in runs)[len(runs) // 2]
        worker = max(r["worker_peak_mib"] for r in runs)
        total = max(r["total_peak_mib"] for r in runs)
        print(
            f"{name:<22} {wall:>7.1f}s {audio_s / wall:>17.2f} {worker:>16.0f} MiB {total:>20.0f} MiB"
        )
    fastest = min(
        results, key=lambda n: sorted(r["wall"] for r in results[n])[len(results[n]) // 2]
    )
    print(f"\nfaster: {fastest}")


if __name__ == "__main__":
    main()
