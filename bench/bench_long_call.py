"""Peak memory against call length: tile a sample call to N minutes and transcribe it.

    python bench/bench_long_call.py --minutes 5 30

Each length runs in its own process; prints audio minutes, wall seconds, × real
time and peak RSS, so growth with length can be read off directly.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def child(path: str, threads: int) -> None:
    from callreview.asr.model import resolve_model
    from callreview.asr.transcribe import TranscribeOptions, Transcriber

    transcriber = Transcriber(
        resolve_model(None), TranscribeOptions(device="cpu", cpu_threads=threads), use_cache=False
    )
    _ = transcriber.model  # loaded before the clock starts
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    transcript = transcriber.transcribe_file(path)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{transcript.duration_s / 60:6.1f} min  {wall:7.1f} s  {transcript.duration_s / wall:5.1f}× real time  "
        f"peak RSS {peak:6.0f} MiB (model loaded: {base:.0f} MiB)  {len(transcript.segments)} turns"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, nargs="+", default=[5, 30])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sample", type=Path, default=REPO / "audio_samples" / "01_perfect.flac")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.threads)
    import numpy as np
    import soundfile as sf

    audio, sr = sf.read(args.sample, dtype="int16")
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in args.minutes:
            reps = int(np.ceil(minutes * 60 * sr / len(audio)))
            path = Path(tmp) / f"long-{minutes:g}min.flac"
            sf.write(path, np.tile(audio, (reps, 1))[: int(minutes * 60 * sr)], sr)
            subprocess.run(
                [sys.executable, __file__, "--child", str(path), "--threads", str(args.threads)],
                check=True,
            )


if __name__ == "__main__":
    main()
