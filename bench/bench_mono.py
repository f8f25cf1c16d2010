"""Mono recordings: how well callreview tells the agent from the customer, and what it costs.

Every sample call (audio_samples/) is mixed down to one channel and run through the real
path: transcription (the bundled model), voice separation (:mod:`callreview.asr.speakers`),
the checklist. Printed:

* word-level role accuracy on the sample mixdowns, each word's role against the speaker
  of the script's turn at the word's middle (``audio_samples/truth``);
* the same on a harder set built here from the same recordings, turn by turn from the
  script's timings (numpy only, documented in :func:`harder`): three voice pairs — the
  customer sped up ×1.15 (pitch +2.4 semitones, so the two voices are 1.6 semitones apart:
  one TTS voice, same gender, nearly the same pitch), the customer slowed ×0.9, the agent
  sped up ×1.1 — so turns overrun into the next one (overlap), and in each call two of the
  agent's short turns (好的 / 对) pasted into the middle of the customer's longest turns
  (back-channels inside the other's turn). A word said where two turns overlap counts as
  right for either speaker;
* item agreement with each call's expected checklist, mono mixdown against the stereo
  original (the same comparison as bench/bench_accuracy.py);
* forbidden hits against the agent on 08_customer_forbidden_words' mixdown;
* separation time against transcription time (added time) and the process's peak RSS.

    python bench/bench_mono.py                 # from scratch: every call transcribed again
    python bench/bench_mono.py --keep /tmp/mono/keep   # keep (and reuse) raw transcripts
    python bench/bench_mono.py --eval          # also item agreement on eval/'s mixdowns (47 more calls)

The separator was tuned on the sample mixdowns; the harder set was not tuned on.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser from PyPI
    import tomli as tomllib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

VARIANTS = {
    # name: (calls, agent speed, customer speed)
    "customer ×1.15 (same voice, 1.6 semitones apart)": (("01", "02", "03", "04", "05"), 1.0, 1.15),
    "customer ×0.9": (("06", "07", "08", "09", "10"), 1.0, 0.9),
    "agent ×1.1": (("11", "12", "13", "14"), 1.1, 1.0),
}
BACKCHANNELS = 2


def speed(audio: np.ndarray, factor: float) -> np.ndarray:
    """Played ``factor`` × faster: pitch up and tempo up together (linear-interpolation resampling)."""
    if factor == 1.0:
        return audio
    n = int(len(audio) / factor)
    return np.interp(np.arange(n) * factor, np.arange(len(audio)), audio).astype(np.float32)


def harder(
    name: str, stereo: np.ndarray, sr: int, truth, agent_speed: float, customer_speed: float
):
    """A mono mixdown of ``stereo`` (agent left) with each turn re-voiced, and its speaker spans."""
    out = np.zeros(int(len(stereo) * 1.2) + sr, dtype=np.float32)
    spans = []
    for seg in truth.segments:
        ch = 0 if seg.role == "agent" else 1
        a, b = int(seg.start * sr), int(seg.end * sr)
        piece = speed(stereo[a:b, ch], agent_speed if seg.role == "agent" else customer_speed)
        out[a : a + len(piece)] += piece
        spans.append((seg.start, seg.start + len(piece) / sr, seg.role))
    short = sorted(
        (s for s in truth.segments if s.role == "agent" and s.end - s.start < 1.2),
        key=lambda s: s.end - s.start,
    )
    longest = sorted(
        (s for s in truth.segments if s.role == "customer"), key=lambda s: s.start - s.end
    )[:BACKCHANNELS]
    for bc, host in zip(short, longest):
        a, b = int(bc.start * sr), int(bc.end * sr)
        piece = speed(stereo[a:b, 0], agent_speed)
        at = int((host.start + host.end) / 2 * sr)
        out[at : at + len(piece)] += piece
        spans.append((at / sr, at / sr + len(piece) / sr, "agent"))
    end = int(max(e for _, e, _ in spans) * sr) + sr
    return out[: max(end, len(stereo))] * np.float32(0.5), spans


def roles_at(spans, t: float) -> set[str]:
    inside = {role for s, e, role in spans if s <= t <= e}
    if inside:
        return inside
    return {min(spans, key=lambda x: min(abs(t - x[0]), abs(t - x[1])))[2]}


def word_accuracy(transcript, spans) -> tuple[int, int]:
    words = [(s.role, (w.start + w.end) / 2) for s in transcript.segments for w in s.words]
    return sum(role in roles_at(spans, t) for role, t in words), len(words)


def recording_of(path: Path):
    from callreview.asr.audio import load_audio

    return load_audio(path)


def oracle_roles(raw, recording, spans):
    """``raw`` cut into the separator's pieces, each given the script's speaker of most of its words."""
    from dataclasses import replace

    from callreview.asr.speakers import (
        SeparateOptions,
        build_segments,
        make_pieces,
        quiet_stretches,
    )

    options = SeparateOptions()  # the pieces only: no embedding here
    pieces = make_pieces(
        raw.segments, options, quiet_stretches(recording.by_role()["unknown"], options.quiet_s)
    )
    roles = [
        max(
            ("agent", "customer"),
            key=lambda r: sum(r in roles_at(spans, (w.start + w.end) / 2) for w in p.words),
        )
        for p in pieces
    ]
    return replace(
        raw,
        roles="mono-separated",
        segments=build_segments(raw.segments, pieces, roles, [1.0] * len(pieces)),
    )


def tally(
    agree: dict[str, list[int]], kind: str, slug: str, script: dict, got: dict, misses: list[str]
) -> None:
    """Count the five item statuses of ``got`` that agree with the script under ``kind``; a mono
    disagreement goes into ``misses`` as a line."""
    from bench_accuracy import compare

    statuses = [
        (item, ok)
        for item, checks in compare(script["expected"], got).items()
        for check, ok in checks
        if check == f"{item}.status"
    ]
    agree[kind][0] += sum(ok for _, ok in statuses)
    agree[kind][1] += len(statuses)
    if kind in ("mono", "oracle"):
        tag = "mono disagrees" if kind == "mono" else "with perfect separation, mono disagrees"
        misses += [
            f"{tag}: {slug}: {item} {got['items'][item]['status']}, script says {script['expected'][item]}"
            for item, ok in statuses
            if not ok
        ]


def eval_agreement(args, run, review, work: Path) -> None:
    """Item agreement on eval/'s mono mixdowns (agent + customer channels averaged, 16 kHz) against its
    stereo originals, each through the real model; the stereo transcripts come from the transcript
    cache that ``bench_accuracy.py --set eval`` fills (the same settings)."""
    import soundfile as sf
    from bench_accuracy import load_set

    from callreview.asr.audio import load_audio
    from callreview.review import Reviewer
    from callreview.settings import Settings
    from callreview.transcript import Transcript

    scripts, audio = load_set("eval")
    reviewer = Reviewer(Settings(cpu_threads=args.threads))
    agree = {"mono": [0, 0], "stereo": [0, 0], "oracle": [0, 0]}
    words = [0, 0]
    misses = []
    for slug, script in scripts.items():
        recording = load_audio(audio[slug])
        roles = recording.by_role()
        mono_path = work / f"eval-{slug}.mono.flac"
        if not mono_path.exists():
            sf.write(mono_path, (roles["agent"] + roles["customer"]) * np.float32(0.5), 16000)
        raw, result = run(mono_path, f"eval-{slug}.mono")
        spans = [
            (s.start, s.end, s.role)
            for s in Transcript.load(REPO / "eval" / "truth" / f"{slug}.json").segments
        ]
        right, n = word_accuracy(result.transcript, spans)
        words[0] += right
        words[1] += n
        oracle = oracle_roles(raw, recording_of(mono_path), spans)
        for kind, transcript in (
            ("mono", result.transcript),
            ("stereo", reviewer.transcript(audio[slug])),
            ("oracle", oracle),
        ):
            tally(agree, kind, slug, script, review(transcript, script), misses)
    mono, stereo, perfect = (agree[k][0] / agree[k][1] for k in ("mono", "stereo", "oracle"))
    print(
        f"\nword-level role accuracy on eval/'s mixdowns (3 voices a role, untuned): {words[0]}/{words[1]} = {words[0] / max(words[1], 1):.1%}"
    )
    print(
        f"item agreement on eval/ ({len(scripts)} calls, untuned): mono mixdowns {agree['mono'][0]}/{agree['mono'][1]} = {mono:.1%}, "
        f"stereo originals {agree['stereo'][0]}/{agree['stereo'][1]} = {stereo:.1%} ({100 * (mono - stereo):+.1f} points; target within 3)"
    )
    print(
        f"  the mono transcripts with each piece given its script speaker (separation perfect): {agree['oracle'][0]}/{agree['oracle'][1]} = {perfect:.1%}"
    )
    for line in sorted(misses, key=lambda m: not m.startswith("mono")):
        print(f"  {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep raw transcripts here and reuse them (iterating; timings then cover separation only)",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--eval",
        action="store_true",
        help="also item agreement on eval/'s mono mixdowns against its stereo originals (the untuned test set)",
    )
    args = parser.parse_args()

    import soundfile as sf

    from callreview.asr.audio import load_audio
    from callreview.asr.model import resolve_model
    from callreview.asr.speakers import SeparateOptions, separation
    from callreview.asr.transcribe import TranscribeOptions, Transcriber
    from callreview.qc.checklist import CallInfo, check_transcript
    from callreview.qc.lexicon import load_lexicon
    from callreview.qc.scorecard import load_scorecard
    from callreview.review import agent_cues
    from callreview.transcript import Transcript

    lexicon, scorecard = load_lexicon("zh-CN"), load_scorecard(None)
    transcriber = Transcriber(
        resolve_model(None),
        TranscribeOptions(language="zh", cpu_threads=args.threads),
        use_cache=False,
    )
    work = args.keep or Path(__import__("tempfile").mkdtemp(prefix="bench_mono-"))
    work.mkdir(parents=True, exist_ok=True)
    samples = REPO / "audio_samples"
    names = sorted(p.stem for p in (samples / "calls").glob("*.toml"))
    times = {"transcribe": 0.0, "separate": 0.0, "transcribe_cpu": 0.0, "separate_cpu": 0.0}

    def run(path: Path, key: str):
        raw_path = work / f"{key}.raw.json"
        recording = load_audio(path)
        if raw_path.exists():
            raw = Transcript.load(raw_path)
        else:
            t0, c0 = time.perf_counter(), time.process_time()
            raw = transcriber.transcribe(recording)
            times["transcribe"] += time.perf_counter() - t0
            times["transcribe_cpu"] += time.process_time() - c0
            raw_path.write_text(raw.to_json(), encoding="utf-8")
        t0, c0 = time.perf_counter(), time.process_time()
        result = separation(
            raw, recording, agent_cues(lexicon), SeparateOptions(threads=args.threads)
        )
        times["separate"] += time.perf_counter() - t0
        times["separate_cpu"] += time.process_time() - c0
        return raw, result

    def review(transcript, script):
        return check_transcript(
            transcript, lexicon, scorecard, CallInfo(direction=script.get("direction", "inbound"))
        ).to_dict()

    print("word-level role accuracy, sample mixdowns (truth: the script's turns)")
    agree = {"mono": [0, 0], "stereo": [0, 0], "oracle": [0, 0]}
    total = [0, 0]
    forbidden_agent = None
    misses: list[str] = []
    for name in names:
        script = tomllib.loads((samples / "calls" / f"{name}.toml").read_text(encoding="utf-8"))
        truth = Transcript.load(samples / "truth" / f"{name}.json")
        frames, sr = sf.read(samples / f"{name}.flac", dtype="float32")
        mono_path = work / f"{name}.mono.flac"
        sf.write(mono_path, frames.mean(axis=1), sr)
        raw, result = run(mono_path, f"{name}.mono")
        spans = [(s.start, s.end, s.role) for s in truth.segments]
        right, n = word_accuracy(result.transcript, spans)
        total[0] += right
        total[1] += n
        note = result.reason or ", ".join(result.agent_reasons)
        print(
            f"  {name:<30}{right:>5}/{n:<5}{right / max(n, 1):>7.1%}  {result.transcript.roles}: {note}"
        )
        stereo_path = work / f"{name}.stereo.json"
        if stereo_path.exists():
            stereo = Transcript.load(stereo_path)
        else:
            stereo = transcriber.transcribe(load_audio(samples / f"{name}.flac"))
            stereo_path.write_text(stereo.to_json(), encoding="utf-8")
        for kind, transcript in (
            ("mono", result.transcript),
            ("stereo", stereo),
            ("oracle", oracle_roles(raw, recording_of(mono_path), spans)),
        ):
            got = review(transcript, script)
            tally(agree, kind, name, script, got, misses)
            if kind == "mono" and name.startswith("08_"):
                forbidden_agent = [
                    h for h in got["items"]["forbidden"].get("hits", []) if h.get("role") == "agent"
                ]
    print(f"  {'all':<30}{total[0]:>5}/{total[1]:<5}{total[0] / total[1]:>7.1%}   (target ≥ 95 %)")

    print("\nword-level role accuracy, harder set (re-voiced turns, overlap, back-channels)")
    hard = [0, 0]
    hard_agree = {"mono": [0, 0]}
    hard_misses: list[str] = []
    for variant, (calls, agent_speed, customer_speed) in VARIANTS.items():
        v = [0, 0]
        for prefix in calls:
            name = next(n for n in names if n.startswith(prefix + "_"))
            truth = Transcript.load(samples / "truth" / f"{name}.json")
            frames, sr = sf.read(samples / f"{name}.flac", dtype="float32")
            audio, spans = harder(name, frames, sr, truth, agent_speed, customer_speed)
            path = work / f"{name}.hard.flac"
            sf.write(path, audio, sr)
            _, result = run(path, f"{name}.hard")
            script = tomllib.loads((samples / "calls" / f"{name}.toml").read_text(encoding="utf-8"))
            tally(
                hard_agree,
                "mono",
                f"{name} ({variant.split(' (')[0]})",
                script,
                review(result.transcript, script),
                hard_misses,
            )
            right, n = word_accuracy(result.transcript, spans)
            v[0] += right
            v[1] += n
            print(
                f"    {name:<28}{right:>5}/{n:<5}{right / max(n, 1):>7.1%}  {result.transcript.roles}{': ' + result.reason if result.reason else ''}"
            )
        hard[0] += v[0]
        hard[1] += v[1]
        print(f"  {variant:<50}{v[0]:>5}/{v[1]:<5}{v[0] / max(v[1], 1):>7.1%}")
    print(f"  {'all':<50}{hard[0]:>5}/{hard[1]:<5}{hard[0] / hard[1]:>7.1%}   (target ≥ 90 %)")
    print(
        f"  item agreement with the expected checklists: {hard_agree['mono'][0]}/{hard_agree['mono'][1]} = "
        f"{hard_agree['mono'][0] / max(hard_agree['mono'][1], 1):.1%} (the scripts' own; no stereo original to compare)"
    )
    for line in hard_misses:
        print(f"    {line}")

    mono, stereo, oracle = (agree[k][0] / agree[k][1] for k in ("mono", "stereo", "oracle"))
    print(
        f"\nitem agreement with the expected checklists: mono mixdowns {agree['mono'][0]}/{agree['mono'][1]} = {mono:.1%}, "
        f"stereo originals {agree['stereo'][0]}/{agree['stereo'][1]} = {stereo:.1%} ({100 * (mono - stereo):+.1f} points; target within 3)"
    )
    print(
        f"  the mono transcripts with each piece given its script speaker (separation perfect): {agree['oracle'][0]}/{agree['oracle'][1]} = {oracle:.1%}"
        " — what is left of the gap is the mixdown's transcription"
    )
    for line in sorted(misses, key=lambda m: not m.startswith("mono")):
        print(f"  {line}")
    if args.eval:
        eval_agreement(args, run, review, work)
    print(
        f"forbidden hits against the agent on 08_customer_forbidden_words' mixdown: {len(forbidden_agent or [])}"
        + (f" ({', '.join(h['phrase'] for h in forbidden_agent)})" if forbidden_agent else "")
    )
    if times["transcribe"]:
        print(
            f"time: transcription {times['transcribe']:.1f} s, separation {times['separate']:.1f} s "
            f"(+{times['separate'] / times['transcribe']:.1%} of the mono calls' transcription; target ≤ 15 %); "
            f"CPU time: {times['transcribe_cpu']:.1f} s and {times['separate_cpu']:.1f} s (+{times['separate_cpu'] / times['transcribe_cpu']:.1%})"
        )
    else:
        print(
            f"time: separation {times['separate']:.1f} s (transcripts reused from --keep: no transcription time to compare)"
        )
    print(
        f"peak RSS of this process (Whisper model, CAM++, one call at a time): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB (target ≤ 1 GB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
