"""Transcription benchmark on audio_samples/: speed, memory, accuracy, holds, unheard turns.

Same model, same machine, same run, calls interleaved (every mode transcribes call 1,
then every mode call 2, …, the order of the modes rotating from call to call), so a
busy neighbour on a shared machine slows every mode alike:

* ``callreview`` — the product's path (roles from the channels, VAD, both channels'
  speech in shared windows, word timings, re-decode of speech no word covers);
* ``plain`` — ``WhisperModel.transcribe()`` of the call's mono mixdown, faster-whisper's
  default options;
* ``batched-mono`` — ``BatchedInferencePipeline(model).transcribe(mono, vad_filter=True,
  batch_size=8)`` of the mono mixdown: what a user who knows faster-whisper would run;
* each ``--setting NAME=key=value;key=value`` — callreview with those TranscribeOptions or
  Tuning fields changed (the settings tried: docs/history/asr.md).

Printed: per call the wall seconds of every mode and callreview's ratio against both
baselines; then one Markdown table per mode (paste-ready): wall, × real time, median
call ratio against plain and batched-mono, agent- and customer-channel CER mean / max
against the call scripts (numbers folded, :func:`metrics.cer`; a second table gives
the agent's also with digits spelled, the measure before 2026-12-03), silent holds visible as gaps between words, script turns with no heard word
of their role, peak RSS. Each mode runs in its own process, so peak RSS is its own;
loading the model is not timed.

``--repeat N`` runs N rounds over all the calls (every mode in each round, the modes'
order rotating) and keeps each mode's fastest wall for a call, as :mod:`timeit` does:
on a shared machine the slower runs measure the neighbours, not the code, and the
fastest is the closest to what the code costs. A call's rounds are a whole pass over
the set apart, so a slow stretch of the host lasting minutes meets one of them, not all.
The transcripts (CER, holds, unheard turns) are those of the first round. The share of
CPU time the host took away (``steal`` in ``/proc/stat``) during the run is printed.

    python bench/bench_transcribe.py --threads 2 --repeat 3
    python bench/bench_transcribe.py --threads 2 --setting "shared=share_windows=true;min_input_s=30"
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "audio_samples"
BASELINES = ("plain", "batched-mono")


def parse_setting(text: str) -> dict:
    """``key=value;key=value`` → TranscribeOptions and Tuning fields, values typed like the
    defaults."""
    from dataclasses import asdict

    from callreview.asr.options import TranscribeOptions, Tuning

    defaults = {**asdict(TranscribeOptions()), **asdict(Tuning())}
    out = {}
    for item in filter(None, (part.strip() for part in text.split(";"))):
        key, _, value = item.partition("=")
        if key not in defaults:
            raise SystemExit(f"--setting: {key!r} is not a TranscribeOptions or Tuning field")
        if value.lower() == "none":  # an optional field unset, e.g. fill_last_s=none
            out[key] = None
            continue
        kind = type(defaults[key])
        if defaults[key] is None:  # an optional number (customer_beam_size, chunk_length)
            kind = (
                bool
                if value.lower() in ("true", "false")
                else float
                if "." in value
                else int
                if value.lstrip("-").isdigit()
                else str
            )
        out[key] = (
            value.lower() in ("1", "true", "yes")
            if kind is bool
            else kind(value)
            if kind in (int, float)
            else value
        )
    return out


def split_setting(setting: dict) -> tuple[dict, object]:
    """A parsed setting as (TranscribeOptions fields, the Tuning for ``Transcriber(_tuning=)``)."""
    from dataclasses import fields

    from callreview.asr.options import Tuning

    tuned = {f.name for f in fields(Tuning)}
    public = {k: v for k, v in setting.items() if k not in tuned}
    return public, Tuning(**{k: v for k, v in setting.items() if k in tuned})


def child(mode: str, threads: int, setting: dict) -> None:
    """Runs in its own process: reads file paths from stdin, answers one JSON line each."""
    import numpy as np

    from callreview.asr.audio import load_audio
    from callreview.asr.model import load_model, resolve_model
    from callreview.asr.transcribe import TranscribeOptions, Transcriber

    ref = resolve_model(None)
    model = load_model(ref, "cpu", "int8", threads)
    public, tuning = split_setting(setting)
    transcriber = Transcriber(
        ref,
        TranscribeOptions(device="cpu", cpu_threads=threads, **public),
        use_cache=False,
        _tuning=tuning,
    )
    pipeline = None
    if mode == "batched-mono":
        from faster_whisper import BatchedInferencePipeline

        pipeline = BatchedInferencePipeline(model)
    print("ready", flush=True)
    for line in sys.stdin:
        path = Path(line.strip())
        recording = load_audio(path)
        mono = (
            np.mean(np.stack(recording.channels), axis=0)
            if recording.is_stereo
            else recording.channels[0]
        )
        t0 = time.perf_counter()
        if mode == "plain":
            segments, _ = model.transcribe(mono)
            result = {"text": "".join(s.text for s in segments)}
        elif mode == "batched-mono":
            segments, _ = pipeline.transcribe(mono, vad_filter=True, batch_size=8)
            result = {"text": "".join(s.text for s in segments)}
        else:
            result = transcriber.transcribe(recording).to_dict()
        wall = time.perf_counter() - t0
        print(
            json.dumps(
                {
                    "file": path.name,
                    "audio_s": recording.duration_s,
                    "wall_s": wall,
                    "result": result,
                },
                ensure_ascii=False,
            ),
            flush=True,
        )
    print(
        json.dumps({"peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}),
        flush=True,
    )


def holds_visible(truth: dict, transcript: dict, gap: float = 10.0) -> tuple[int, int]:
    """Silences ≥ gap between turns in the script, and how many show as a gap between heard words."""
    turns = sorted((s["start"], s["end"]) for s in truth["segments"])
    wanted = [
        (a_end, b_start)
        for (_, a_end), (b_start, _) in zip(turns, turns[1:])
        if b_start - a_end >= gap
    ]
    spans = sorted((w["start"], w["end"]) for s in transcript["segments"] for w in s["words"])
    gaps = [(a[1], b[0]) for a, b in zip(spans, spans[1:]) if b[0] - a[1] >= gap * 0.8]
    found = sum(
        any(g0 < h1 and g1 > h0 and (min(g1, h1) - max(g0, h0)) >= gap * 0.8 for g0, g1 in gaps)
        for h0, h1 in wanted
    )
    return found, len(wanted)


def unheard_turns(truth: dict, transcript: dict, slack_s: float = 0.3) -> list[str]:
    """Script turns (either role) that no heard word of the same role overlaps: ``role@start`` each."""
    words = {}
    for s in transcript["segments"]:
        words.setdefault(s["role"], []).extend((w["start"], w["end"]) for w in s["words"])
    out = []
    for turn in truth["segments"]:
        a, b = turn["start"] - slack_s, turn["end"] + slack_s
        if not any(w0 < b and w1 > a for w0, w1 in words.get(turn["role"], ())):
            out.append(f"{turn['role']}@{turn['start']:.1f}")
    return out


def score(calls: list[dict]) -> dict:
    """Agent and customer CER per call, holds and unheard script turns over ``calls`` of one callreview mode."""
    from metrics import cer

    cers, customer_cers, spelled, found, wanted, unheard = {}, {}, {}, 0, 0, []
    for call in calls:
        truth_path = SAMPLES / "truth" / (Path(call["file"]).stem + ".json")
        if not truth_path.is_file():
            continue
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        for role, into in (("agent", cers), ("customer", customer_cers)):
            ref = "".join(s["text"] for s in truth["segments"] if s["role"] == role)
            hyp = "".join(s["text"] for s in call["result"]["segments"] if s["role"] == role)
            into[call["file"]] = cer(ref, hyp)
            if role == "agent":
                spelled[call["file"]] = cer(ref, hyp, fold_numbers=False)
        f, w = holds_visible(truth, call["result"])
        found, wanted = found + f, wanted + w
        unheard += [
            f"{Path(call['file']).stem[:2]}:{t}" for t in unheard_turns(truth, call["result"])
        ]
    return {
        "cers": cers,
        "customer_cers": customer_cers,
        "spelled": spelled,
        "holds": (found, wanted),
        "unheard": unheard,
    }


def mean_max(cers: dict[str, float], without: str = "") -> str:
    """``mean % / max %`` of per-call CERs, leaving out the calls whose name starts with ``without``."""
    c = [v for k, v in cers.items() if not (without and Path(k).name.startswith(without))]
    return f"{sum(c) / len(c):.1%} / {max(c):.1%}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=key=value;…",
        help="also run callreview with these TranscribeOptions (repeatable)",
    )
    parser.add_argument(
        "--no-baselines",
        action="store_true",
        help="skip plain and batched-mono (compare settings only)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="transcribe every call N times per mode and keep the fastest wall (default 1)",
    )
    parser.add_argument(
        "--json-out", type=Path, help="also write every mode's transcripts and timings here"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-setting", default="", help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.threads, parse_setting(args.child_setting))
    files = args.files or sorted(SAMPLES.glob("*.flac"))
    if args.repeat < 1:  # refused before any model work, as a bad --setting is
        raise SystemExit("--repeat: give 1 or more rounds")

    modes: dict[str, str] = {"callreview": ""}
    for item in args.setting:
        name, _, spec = item.partition("=")
        parse_setting(spec)  # refuse a bad setting before any model work
        modes[name] = spec
    if not args.no_baselines:
        modes.update({b: "" for b in BASELINES})
    procs = {}
    for mode, spec in modes.items():
        kind = mode if mode in BASELINES else "callreview"
        cmd = [
            sys.executable,
            __file__,
            "--child",
            kind,
            "--child-setting",
            spec,
            "--threads",
            str(args.threads),
        ]
        procs[mode] = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert procs[mode].stdout.readline().strip() == "ready", f"{mode}: child did not start"
    calls: dict[str, list[dict]] = {m: [] for m in modes}
    names = list(modes)
    stolen_before = cpu_times()
    turn = 0
    for round_ in range(args.repeat):
        for i, path in enumerate(files):
            for mode in (
                names[turn % len(names) :] + names[: turn % len(names)]
            ):  # rotate who goes first
                proc = procs[mode]
                proc.stdin.write(f"{path}\n")
                proc.stdin.flush()
                answer = proc.stdout.readline()
                if not answer:
                    raise SystemExit(
                        f"{mode}: the child process died on {path.name} (exit {proc.wait()})"
                    )
                call = json.loads(answer)
                if round_:  # a later round: keep the fastest wall, the first round's transcript
                    calls[mode][i]["walls"].append(call["wall_s"])
                    calls[mode][i]["wall_s"] = min(calls[mode][i]["walls"])
                else:
                    calls[mode].append({**call, "walls": [call["wall_s"]]})
            turn += 1
            row = "  ".join(f"{m} {calls[m][i]['walls'][-1]:6.2f} s" for m in names)
            print(
                f"round {round_ + 1}  {path.name:<32}{calls['callreview'][i]['audio_s']:6.1f} s audio  {row}",
                file=sys.stderr,
                flush=True,
            )
    rss = {}
    for mode, proc in procs.items():
        proc.stdin.close()
        rss[mode] = json.loads(proc.stdout.readline())["peak_rss_mib"]
        proc.wait()

    if args.json_out:
        args.json_out.write_text(
            json.dumps({"modes": modes, "calls": calls, "peak_rss_mib": rss}, ensure_ascii=False),
            encoding="utf-8",
        )
    audio = sum(c["audio_s"] for c in calls["callreview"])
    ours = [m for m in names if m not in BASELINES]
    scores = {m: score(calls[m]) for m in ours}

    def ratios(mode: str, base: str) -> list[float]:
        return [b["wall_s"] / o["wall_s"] for o, b in zip(calls[mode], calls[base])]

    print(
        f"Per call, wall seconds, the fastest of {args.repeat} round(s) (ratio: baseline wall / callreview wall):\n"
    )
    head = (
        "| call | audio s | "
        + " | ".join(names)
        + (" | × plain | × batched-mono" if not args.no_baselines else "")
        + " | agent CER |"
    )
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for i, call in enumerate(calls["callreview"]):
        cells = [f"{calls[m][i]['wall_s']:.2f}" for m in names]
        if not args.no_baselines:
            cells += [f"{ratios('callreview', b)[i]:.2f}×" for b in BASELINES]
        cer_ = scores["callreview"]["cers"].get(call["file"])
        print(
            f"| {Path(call['file']).stem} | {call['audio_s']:.1f} | "
            + " | ".join(cells)
            + f" | {'-' if cer_ is None else f'{cer_:.1%}'} |"
        )
    print()
    print(
        f"Totals over {len(files)} calls, {audio:.1f} s of audio; threads {args.threads}, model whisper-base int8 (bundled), CPU:\n"
    )
    print(
        "| mode | wall | × real time | median call × plain | median call × batched-mono | agent CER mean / max | customer CER mean / max | holds | script turns unheard | peak RSS |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for m in names:
        wall = sum(c["wall_s"] for c in calls[m])
        med = [
            f"{statistics.median(ratios(m, b)):.2f}×"
            if not args.no_baselines and m not in BASELINES
            else ""
            for b in BASELINES
        ]
        if m in scores:
            s = scores[m]
            acc = f"{mean_max(s['cers'])} | {mean_max(s['customer_cers'])}"
            holds = f"{s['holds'][0]}/{s['holds'][1]}"
            unheard = f"{len(s['unheard'])}" + (
                f" ({', '.join(s['unheard'])})" if s["unheard"] else ""
            )
        else:
            acc, holds, unheard = "- | -", "-", "-"
        label = f"{m} ({modes[m]})" if modes.get(m) else m
        print(
            f"| {label} | {wall:.1f} s | {audio / wall:.1f}× | {med[0]} | {med[1]} | {acc} | {holds} | {unheard} | {rss[m]:.0f} MiB |"
        )
    print(
        "\nAgent CER by measure (numbers folded: 五十 = 50, the default; digits spelled: 50 = 五零, the measure"
        " before 2026-12-03; 13 calls: without 14_interrupt_fast, the set the issue's 8.6 % / 13.3 % came from):\n"
    )
    print(
        "| mode | numbers folded, 14 calls | numbers folded, 13 calls | digits spelled, 14 calls | digits spelled, 13 calls |"
    )
    print("|---|---|---|---|---|")
    for m in ours:
        s = scores[m]
        print(
            f"| {m} | "
            + " | ".join(mean_max(s[k], w) for k in ("cers", "spelled") for w in ("", "14_"))
            + " |"
        )
    print(
        f"\nload average at the end: {os.getloadavg()[0]:.1f} (2 cores; above 2, other work shared the machine)"
    )
    stolen_after = cpu_times()
    if stolen_before and stolen_after:
        total = sum(stolen_after) - sum(stolen_before)
        print(
            f"CPU time the host took away (steal) during the run: {(stolen_after[7] - stolen_before[7]) / max(total, 1):.1%}"
            f"; walls are the fastest of {args.repeat} round(s) per call and mode"
        )


def cpu_times() -> list[int] | None:
    """The machine's CPU times from ``/proc/stat`` (user … steal …), or None off Linux."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = f.readline().split()
    except OSError:
        return None
    return (
        [int(x) for x in fields[1:]] if fields and fields[0] == "cpu" and len(fields) > 8 else None
    )


if __name__ == "__main__":
    main()
