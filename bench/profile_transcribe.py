"""Where a call's transcription time goes: encoder, decoder, word alignment, VAD, mel features.

Wraps CTranslate2's ``encode`` / ``generate`` / ``align`` and faster-whisper's speech
detector and feature extractor with timers, then transcribes the sample calls through
callreview's own path (no cache). Prints each call's wall and, over all calls, the seconds
and share of each part (they overlap nothing but Python glue, which is the rest).

    python bench/profile_transcribe.py --threads 2
    python bench/profile_transcribe.py --threads 2 --setting "beam_size=5;customer_beam_size=0"
    python bench/profile_transcribe.py --threads 2 --encoder   # the encoder's cost by input length
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


class _Timed:
    """Stands in for an object, timing the named methods into ``seconds`` / ``calls``."""

    def __init__(self, inner, names: tuple[str, ...], seconds: Counter, calls: Counter):
        self._inner = inner
        for name in names:
            setattr(self, name, _timer(getattr(inner, name), name, seconds, calls))

    def __getattr__(self, name):
        return getattr(self._inner, name)


class _TimedCall(_Timed):
    """Stands in for a callable object, timing its calls."""

    def __init__(self, inner, label: str, seconds: Counter, calls: Counter):
        super().__init__(inner, (), seconds, calls)
        self._call = _timer(inner, label, seconds, calls)

    def __call__(self, *args, **kwargs):
        return self._call(*args, **kwargs)


def _timer(fn, label: str, seconds: Counter, calls: Counter):
    def timed(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            seconds[label] += time.perf_counter() - t0
            calls[label] += 1

    return timed


def main() -> None:
    sys.path.insert(0, str(REPO / "bench"))
    import faster_whisper.vad as vad
    from bench_transcribe import parse_setting, split_setting

    from callreview.asr.audio import load_audio
    from callreview.asr.model import resolve_model
    from callreview.asr.transcribe import TranscribeOptions, Transcriber

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--setting", default="", help="TranscribeOptions or Tuning fields changed, key=value;…"
    )
    parser.add_argument(
        "--encoder", action="store_true", help="time one encoder pass per input length instead"
    )
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    files = args.files or sorted((REPO / "audio_samples").glob("*.flac"))
    if args.encoder:
        return encoder_costs(files[0], args.threads)

    public, tuning = split_setting(parse_setting(args.setting))
    options = replace(TranscribeOptions(device="cpu", cpu_threads=args.threads), **public)
    transcriber = Transcriber(resolve_model(None), options, use_cache=False, _tuning=tuning)
    model = transcriber.model
    seconds, calls = Counter(), Counter()
    model.model = _Timed(
        model.model, ("encode", "generate", "align", "detect_language"), seconds, calls
    )
    vad.get_speech_timestamps = _timer(vad.get_speech_timestamps, "vad", seconds, calls)
    model.feature_extractor = _TimedCall(model.feature_extractor, "mel", seconds, calls)

    walls = []
    for path in files:
        recording = load_audio(path)
        t0 = time.perf_counter()
        transcriber.transcribe(recording)
        walls.append(time.perf_counter() - t0)
        print(
            f"{path.name:34s} {recording.duration_s:6.1f} s audio  {walls[-1]:6.2f} s", flush=True
        )
    total = sum(walls)
    print(
        f"\n{len(walls)} calls, {total:.1f} s (median call {statistics.median(walls):.2f} s), threads {args.threads}\n"
    )
    print("| part | seconds | share | calls |\n|---|---|---|---|")
    for label, sec in seconds.most_common():
        print(f"| {label} | {sec:.1f} | {sec / total:.0%} | {calls[label]} |")
    print(
        f"| the rest (Python, resampling, merging) | {total - sum(seconds.values()):.1f} | {1 - sum(seconds.values()) / total:.0%} | |"
    )


def encoder_costs(path: Path, threads: int, rounds: int = 5) -> None:
    """One encoder pass over the first 30 s of ``path``'s first channel cut to each input length
    (mel frames, 100 a second), the fastest of ``rounds``: what a window costs by its length."""
    import ctranslate2
    import numpy as np

    from callreview.asr.audio import SAMPLE_RATE, load_audio
    from callreview.asr.model import load_model, resolve_model
    from callreview.asr.windows import FRAMES_PER_S, MAX_FRAMES

    model = load_model(resolve_model(None), "cpu", "int8", threads)
    features = model.feature_extractor(
        load_audio(path).channels[0][: MAX_FRAMES // FRAMES_PER_S * SAMPLE_RATE]
    )[..., :MAX_FRAMES]
    print(f"one encoder pass, {path.name}, threads {threads}, fastest of {rounds}\n")
    print("| input | frames | seconds | seconds per 10 s of input |\n|---|---|---|---|")
    for frames in (600, 1000, 1500, 2000, 2500, MAX_FRAMES):
        batch = ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None, :, :frames]))
        model.model.encode(batch)  # warm
        best = min(_timed_encode(model, batch) for _ in range(rounds))
        print(
            f"| {frames / FRAMES_PER_S:.0f} s | {frames} | {best:.3f} | {best / frames * 10 * FRAMES_PER_S:.3f} |"
        )


def _timed_encode(model, batch) -> float:
    t0 = time.perf_counter()
    model.model.encode(batch)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
