"""Privacy costs: redacting a call (every eval truth transcript, averaged) and purging N stored
calls through the real `callreview purge` (SQLite file, or a postgresql:// URL).

    nice python bench/bench_privacy.py [--purge N] [--db URL]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from test_purge import fill  # noqa: E402  (the tests' store filler: calls with every kind of row)

from callreview.privacy import redact  # noqa: E402
from callreview.store import open_store  # noqa: E402
from callreview.transcript import Transcript  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--purge", type=int, default=2000, help="calls to fill and purge")
    parser.add_argument("--db", help="store URL (default: a new SQLite file)")
    args = parser.parse_args()
    calls = [Transcript.load(p) for p in sorted((REPO / "eval" / "truth").glob("*.json"))]
    start = time.perf_counter()
    for _ in range(5):
        masked = sum(len(redact(t).redactions) for t in calls)
    each = (time.perf_counter() - start) / (5 * len(calls))
    print(f"redaction: {each * 1000:.2f} ms a call over {len(calls)} eval calls, {masked} masks")
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or str(Path(folder) / "callreview.db")
        with open_store(url) as store:
            fill(store, Path(folder), [f"2026-0{1 + i % 2}-15" for i in range(args.purge)])
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "callreview", "purge", "--db", url, "--before", "2026-03-01"]
            + ["--yes"],
            check=True,
            capture_output=True,
        )
        print(f"purge: {args.purge} calls in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
