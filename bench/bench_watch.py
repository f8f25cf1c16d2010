"""``callreview watch``: seconds from a file's completion to its stored result, and memory over many calls.

Two real ``callreview watch`` processes on a temporary folder and SQLite store:

* **latency**: files dropped one at a time, each timed from the moment its last byte is
  written to the moment its review is in the store (the review's ``created_at``). It should
  be the settle window plus the scoring time the watcher's log line reports. Transcript
  JSONs (scoring takes milliseconds: latency ≈ settle) and real recordings through the
  bundled model (≈ settle + transcription; the transcript cache is empty, so each is
  transcribed).
* **memory**: RSS of a watcher after 10 scored calls and after 200 (and after ``--calls``),
  with transcript JSON calls (no model is loaded, so what is measured is the watcher's own
  state per file, the store and the checklist's caches, not the model's weights).

    python bench/bench_watch.py                          # settle 3 s, 5 JSON + 2 audio, RSS at 10 / 200
    python bench/bench_watch.py --settle 1 --audio 0 --calls 2000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from callreview.store import open_store  # noqa: E402

TRUTHS = sorted((REPO / "audio_samples" / "truth").glob("*.json"))
AUDIO = [
    REPO / "audio_samples" / n
    for n in ("09_no_closing.flac", "03_bare_wei.flac", "02_no_greeting.flac", "04_name_zero.flac")
]


def transcript(i: int) -> bytes:
    data = json.loads(TRUTHS[i % len(TRUTHS)].read_text(encoding="utf-8"))
    data["file"] = f"bench_{i:05d}.flac"  # its own bytes, so its own call
    return json.dumps(data, ensure_ascii=False).encode()


class Watch:
    def __init__(
        self, work: Path, name: str, inbox: Path, db: str, pattern: str, settle: float
    ) -> None:
        self.log_path = work / f"{name}.log"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "callreview",
                "watch",
                str(inbox),
                "--db",
                db,
                "--pattern",
                pattern,
                "--settle",
                str(settle),
            ],
            cwd=work,
            stdout=open(self.log_path, "w"),
            stderr=subprocess.STDOUT,
        )
        while not self.log_path.read_text().startswith("watching "):
            if self.proc.poll() is not None:
                sys.exit(f"watch exited: {self.log_path.read_text()}")
            time.sleep(0.05)

    def scoring_s(self, path: Path) -> float:
        for line in self.log_path.read_text(encoding="utf-8").splitlines():
            if line.startswith(f"scored   {path} · "):
                return float(re.search(r"\(([\d.]+) s scoring\)$", line).group(1))
        return float("nan")

    def rss_mib(self) -> tuple[float, float]:
        """(VmRSS, VmHWM) of the watcher process, MiB."""
        fields = dict(
            line.split(":", 1)
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines()
            if ":" in line
        )
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(60)


def scored(db: str) -> int:
    with open_store(db) as store:
        return store.counts().scored


def review_time(db: str, sha: str, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open_store(db) as store:
            call = store.call_by_sha(sha)
            if call is not None and call.state == "scored":
                return store.history(call.id)[-1].created_at
            if call is not None and call.state == "failed":
                sys.exit(f"{call.path} failed: {store.last_error(call.id)}")
        time.sleep(0.05)
    sys.exit(f"no result after {timeout:g} s")


def latency(work: Path, settle: float, n_json: int, n_audio: int) -> None:
    inbox = work / "latency"
    inbox.mkdir()
    db = str(work / "latency.db")
    watch = Watch(work, "latency", inbox, db, "*.json,*.flac", settle)
    rows = []
    try:
        for kind, items in (
            ("json", [(f"t{i}.json", transcript(10_000 + i)) for i in range(n_json)]),
            ("audio", [(p.name, p.read_bytes()) for p in AUDIO[:n_audio]]),
        ):
            for name, data in items:
                path = inbox / name
                with open(path, "wb") as fh:
                    fh.write(data)
                done = time.time()
                at = review_time(db, hashlib.sha256(data).hexdigest(), 600)
                rows.append((kind, name, at - done, watch.scoring_s(path)))
    finally:
        watch.stop()
    print(f"latency, file complete → result stored (settle {settle:g} s):")
    print(
        f"  {'kind':<6} {'file':<22} {'latency':>8} {'scoring':>8} {'latency - settle - scoring':>27}"
    )
    for kind, name, lat, score_s in rows:
        print(f"  {kind:<6} {name:<22} {lat:7.2f}s {score_s:7.2f}s {lat - settle - score_s:26.2f}s")


def memory(work: Path, checkpoints: list[int]) -> None:
    inbox = work / "memory"
    inbox.mkdir()
    db = str(work / "memory.db")
    watch = Watch(work, "memory", inbox, db, "*.json", 0.5)
    staging = work / "staging"
    staging.mkdir()
    written = 0
    results = []
    started = time.monotonic()
    try:
        for target in checkpoints:
            while written < target:  # in drops of up to 50, as a recorder's busy minute would
                for i in range(written, min(target, written + 50)):
                    tmp = staging / f"c{i:05d}.json"
                    tmp.write_bytes(transcript(i))
                    os.replace(tmp, inbox / tmp.name)  # renamed into place: no settle wait
                written = min(target, written + 50)
                while scored(db) < written:
                    time.sleep(0.1)
            time.sleep(0.5)
            results.append((target, *watch.rss_mib(), time.monotonic() - started))
    finally:
        watch.stop()
    print("memory of the watcher (transcript JSON calls, no model loaded):")
    for n, rss, hwm, wall in results:
        print(
            f"  after {n:>5} calls: RSS {rss:6.1f} MiB  (peak {hwm:6.1f} MiB)  {n / wall:6.1f} calls/s so far"
        )
    if len(results) >= 2:
        print(
            f"  RSS growth from {results[0][0]} to {results[-1][0]} calls: {results[-1][1] - results[0][1]:+.1f} MiB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settle", type=float, default=3.0)
    parser.add_argument("--json", type=int, default=5, help="transcript JSONs for the latency run")
    parser.add_argument(
        "--audio",
        type=int,
        default=2,
        help=f"recordings for the latency run (at most {len(AUDIO)})",
    )
    parser.add_argument(
        "--calls", type=int, default=200, help="calls for the memory run (RSS at 10, 200 and this)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    os.environ["CALLREVIEW_CACHE"] = str(
        work / "cache"
    )  # an empty transcript cache: audio is transcribed
    try:
        latency(work, args.settle, args.json, min(args.audio, len(AUDIO)))
        memory(work, sorted({10, 200, args.calls}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
