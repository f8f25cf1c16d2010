"""Transcription benchmark on audio_samples/: speed, memory, accuracy, holds.

Prints, for callreview's path (each channel apart, VAD, word timings, batched)
and for plain ``WhisperModel.transcribe()`` of each call's mono mixdown with
faster-whisper's default options — same model, same machine, same run:
audio seconds, wall seconds, × real time, peak RSS; and for callreview the
agent-channel CER against the call scripts and how many silent holds stay
visible as gaps between words.

    python bench/bench_transcribe.py                 # all samples
    python bench/bench_transcribe.py --threads 2     # as on a 2-core machine

Each mode runs in its own process so that peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "audio_samples"


def run_mode(mode: str, threads: int, batch_size: int | None, files: list[Path]) -> dict:
    """Runs inside a child process: transcribe every file one way, return timings and transcripts."""
    import numpy as np

    from callreview.audio import load_audio
    from callreview.model import load_model, resolve_model
    from callreview.transcribe import TranscribeOptions, Transcriber

    ref = resolve_model(None)
    load_model(ref, "cpu", "int8", threads)  # loading is not timed: both modes load once per process
    out = {"mode": mode, "calls": []}
    options = TranscribeOptions(device="cpu", cpu_threads=threads)
    if batch_size:
        options = replace(options, batch_size=batch_size)
    transcriber = Transcriber(ref, options, use_cache=False)
    for path in files:
        recording = load_audio(path)
        t0 = time.perf_counter()
        if mode == "callreview":
            transcript = transcriber.transcribe(recording)
            result = transcript.to_dict()
        else:
            mono = np.mean(np.stack(recording.channels), axis=0) if recording.is_stereo else recording.channels[0]
            segments, _ = transcriber.model.transcribe(mono)
            result = {"text": "".join(s.text for s in segments)}
        wall = time.perf_counter() - t0
        out["calls"].append({"file": path.name, "audio_s": recording.duration_s, "wall_s": wall, "result": result})
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def holds_visible(truth: dict, transcript: dict, gap: float = 10.0) -> tuple[int, int]:
    """Silences ≥ gap between turns in the script, and how many show as a gap between heard words."""
    turns = sorted((s["start"], s["end"]) for s in truth["segments"])
    wanted = [(a_end, b_start) for (_, a_end), (b_start, _) in zip(turns, turns[1:]) if b_start - a_end >= gap]
    spans = sorted((w["start"], w["end"]) for s in transcript["segments"] for w in s["words"])
    gaps = [(a[1], b[0]) for a, b in zip(spans, spans[1:]) if b[0] - a[1] >= gap * 0.8]
    found = sum(any(g0 < h1 and g1 > h0 and (min(g1, h1) - max(g0, h0)) >= gap * 0.8 for g0, g1 in gaps) for h0, h1 in wanted)
    return found, len(wanted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=0, help="callreview's batch size (default: the product's)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    files = args.files or sorted(SAMPLES.glob("*.flac"))
    if args.child:
        print(json.dumps(run_mode(args.child, args.threads, args.batch_size, files), ensure_ascii=False))
        return

    runs = {}
    for mode in ("callreview", "plain"):
        cmd = [sys.executable, __file__, "--child", mode, "--threads", str(args.threads), "--batch-size", str(args.batch_size), *map(str, files)]
        runs[mode] = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)

    from callreview.metrics import cer

    print(f"{'call':<34}{'audio s':>8}{'ours s':>8}{'plain s':>8}{'speed-up':>9}{'agent CER':>10}{'holds':>7}")
    tot_audio = tot_ours = tot_plain = 0.0
    cers, found_all, wanted_all = [], 0, 0
    for ours, plain in zip(runs["callreview"]["calls"], runs["plain"]["calls"]):
        truth_path = SAMPLES / "truth" / (Path(ours["file"]).stem + ".json")
        agent_cer, holds = float("nan"), "-"
        if truth_path.is_file():
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
            ref = "".join(s["text"] for s in truth["segments"] if s["role"] == "agent")
            hyp = "".join(s["text"] for s in ours["result"]["segments"] if s["role"] == "agent")
            agent_cer = cer(ref, hyp)
            cers.append(agent_cer)
            found, wanted = holds_visible(truth, ours["result"])
            found_all, wanted_all = found_all + found, wanted_all + wanted
            holds = f"{found}/{wanted}"
        tot_audio += ours["audio_s"]
        tot_ours += ours["wall_s"]
        tot_plain += plain["wall_s"]
        print(f"{ours['file']:<34}{ours['audio_s']:8.1f}{ours['wall_s']:8.2f}{plain['wall_s']:8.2f}{plain['wall_s'] / ours['wall_s']:8.2f}×{agent_cer:10.1%}{holds:>7}")
    print(
        f"{'total':<34}{tot_audio:8.1f}{tot_ours:8.2f}{tot_plain:8.2f}{tot_plain / tot_ours:8.2f}×"
        f"{(sum(cers) / len(cers) if cers else float('nan')):10.1%}{f'{found_all}/{wanted_all}':>7}"
    )
    ratios = sorted(p["wall_s"] / o["wall_s"] for o, p in zip(runs["callreview"]["calls"], runs["plain"]["calls"]))
    print(f"median call speed-up: {ratios[len(ratios) // 2]:.2f}×  (plain's default temperature fallback samples at random, so its time varies)")
    print()
    print(f"callreview: {tot_audio / tot_ours:.1f}× real time, peak RSS {runs['callreview']['peak_rss_mib']:.0f} MiB")
    print(f"plain transcribe() of the mono mixdown: {tot_audio / tot_plain:.1f}× real time, peak RSS {runs['plain']['peak_rss_mib']:.0f} MiB")
    from callreview.transcribe import TranscribeOptions

    o = TranscribeOptions()
    print(f"threads {args.threads}, batch size {args.batch_size or o.batch_size}, beam {o.beam_size}, model whisper-base int8 (bundled), CPU")


if __name__ == "__main__":
    main()
