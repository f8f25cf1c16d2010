"""One call, one process, from outside: ``callreview transcribe CALL --no-cache`` against the
two scripts a faster-whisper user would write, on ``eval/``'s stereo calls.

Every call runs through three commands, each a fresh process timed from outside (imports,
model load, audio decode and transcription all inside the wall), the commands' order rotating
from call to call so a busy neighbour slows all of them alike:

* ``callreview`` — ``callreview transcribe CALL --no-cache --no-redact --json OUT``;
* ``plain`` — ``WhisperModel(folder, device="cpu", compute_type="int8", cpu_threads=T)``,
  ``decode_audio(CALL)`` (the mono mixdown) and ``model.transcribe(mono)``, faster-whisper's
  default options;
* ``batched-mono`` — the same model and mixdown through
  ``BatchedInferencePipeline(model).transcribe(mono, vad_filter=True, batch_size=8)``.

All three use the same model folder (the bundled whisper-base) and ``T`` threads (callreview's
through ``cpu_threads`` in a ``callreview.toml`` of a scratch folder). Ratios are baseline wall
÷ callreview wall per call; medians are over the calls. Agent CER is callreview's agent channel
against the call's script in ``eval/truth`` (numbers folded, :func:`metrics.cer`).

``--set tune`` is the calls the decoding options were tuned on, ``--set test`` (the default)
the rest of the stereo calls taken for this bench (every fourth call, see :data:`TEST`);
``--repeat N`` keeps each command's fastest wall of N rounds per call.

    nice python bench/bench_outside.py --threads 2 --repeat 2
    nice python bench/bench_outside.py --set tune
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO / "eval"
TUNE = ("01", "05", "09", "13", "17", "21")
"""The calls the start-up and decoding changes were measured on while they were made."""
TEST = ("03", "07", "11", "15", "19", "23", "27", "31", "35", "39", "43", "47")
"""The calls the figures are reported on: none of them was looked at while tuning."""
MODES = ("callreview", "plain", "batched-mono")

BASELINE = """
import sys
from faster_whisper import BatchedInferencePipeline, WhisperModel, decode_audio
mode, path, folder, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
model = WhisperModel(folder, device="cpu", compute_type="int8", cpu_threads=threads)
mono = decode_audio(path)
if mode == "plain":
    segments, _ = model.transcribe(mono)
else:
    segments, _ = BatchedInferencePipeline(model).transcribe(mono, vad_filter=True, batch_size=8)
text = "".join(s.text for s in segments)
"""
"""The baselines as a user writes them: a fresh process, the model loaded, the file decoded."""


def calls(which: str) -> list[Path]:
    prefixes = TUNE if which == "tune" else TEST
    return [
        p
        for p in sorted(EVAL.iterdir())
        if p.suffix in (".wav", ".mp3", ".ogg", ".flac") and p.name[:2] in prefixes
    ]


def run_once(mode: str, path: Path, folder: str, threads: int, work: Path) -> tuple[float, dict]:
    """One command's wall seconds from outside, and callreview's transcript JSON (else ``{}``)."""
    if mode == "callreview":
        out = work / "out.json"
        cmd = [
            str(Path(sys.executable).parent / "callreview"),
            "transcribe",
            str(path),
            "--no-cache",
            "--no-redact",
            "--json",
            str(out),
        ]
    else:
        cmd = [sys.executable, "-c", BASELINE, mode, str(path), folder, str(threads)]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{mode} {path.name} failed ({done.returncode}): {done.stderr[-400:]}")
    return wall, json.loads(out.read_text(encoding="utf-8")) if mode == "callreview" else {}


def agent_cer(path: Path, transcript: dict) -> float:
    from metrics import cer

    truth = json.loads((EVAL / "truth" / f"{path.stem}.json").read_text(encoding="utf-8"))
    ref = "".join(s["text"] for s in truth["segments"] if s["role"] == "agent")
    hyp = "".join(s["text"] for s in transcript["segments"] if s["role"] == "agent")
    return cer(ref, hyp)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, metavar="N")
    parser.add_argument("--set", choices=("tune", "test"), default="test")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "bench"))
    from callreview.asr.audio import load_audio
    from callreview.asr.model import resolve_model

    folder = resolve_model(None).load_from
    files = calls(args.set)
    best: dict[tuple[str, str], float] = {}
    cers: dict[str, float] = {}
    audio_s = {p.name: load_audio(p).duration_s for p in files}
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "callreview.toml").write_text(f"cpu_threads = {args.threads}\n")
        for round_ in range(args.repeat):
            for i, path in enumerate(files):
                order = MODES[i % 3 :] + MODES[: i % 3]
                for mode in order:
                    wall, transcript = run_once(mode, path, folder, args.threads, work)
                    key = (path.name, mode)
                    best[key] = min(wall, best.get(key, wall))
                    if transcript and round_ == 0:
                        cers[path.name] = agent_cer(path, transcript)
                print(
                    f"round {round_ + 1} {path.name:36s} "
                    + "  ".join(f"{m} {best[(path.name, m)]:5.2f}" for m in MODES)
                    + f"  agent CER {cers[path.name]:.1%}",
                    file=sys.stderr,
                    flush=True,
                )
    load1 = os.getloadavg()[0]
    print(
        f"\n{args.set} set, {len(files)} calls, threads {args.threads}, fastest of {args.repeat}; "
        f"load average {load0:.2f} at the start, {load1:.2f} at the end\n"
    )
    print(
        "| call | audio s | callreview | plain | batched-mono | × plain | × batched-mono "
        "| agent CER |\n|---|---|---|---|---|---|---|---|"
    )
    vs_plain, vs_batched = [], []
    for path in files:
        c, p, b = (best[(path.name, m)] for m in MODES)
        vs_plain.append(p / c)
        vs_batched.append(b / c)
        print(
            f"| {path.stem} | {audio_s[path.name]:.1f} | {c:.2f} | {p:.2f} | {b:.2f} "
            f"| {p / c:.2f}× | {b / c:.2f}× | {cers[path.name]:.1%} |"
        )
    total = {m: sum(best[(p.name, m)] for p in files) for m in MODES}
    print(
        f"\n**median call {statistics.median(vs_plain):.2f}× plain, "
        f"{statistics.median(vs_batched):.2f}× batched-mono**; total callreview "
        f"{total['callreview']:.1f} s, plain {total['plain']:.1f} s, batched-mono "
        f"{total['batched-mono']:.1f} s; agent CER mean {statistics.mean(cers.values()):.1%}, "
        f"max {max(cers.values()):.1%}"
    )


if __name__ == "__main__":
    main()
