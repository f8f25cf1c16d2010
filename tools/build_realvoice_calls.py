"""The real-voice call set: stereo calls whose agent channel is the real-voice corpus's speaker.

    python tools/build_realvoice_calls.py generate   # realvoice/calls/*.toml from a seeded plan
    nice python tools/build_realvoice_calls.py render  # audio → the cache folder, truth → realvoice/truth

``generate`` writes each call's script — which corpus sentences the agent says (LEFT) and which
the customer says (RIGHT, the same corpus played 12 % slower and lower, so it is another voice),
the pauses, the silent holds — and its ``[expected]`` checklist, from the rules in
``realvoice/README.md`` (written before any checker ran). ``render`` makes each call a G.711
μ-law WAV at 8 kHz through the telephone band in ``$CALLREVIEW_REALVOICE_CACHE/calls`` (never in
the repository: the recordings' licence) and writes the error-free transcript with the real
times to ``realvoice/truth``.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser from PyPI
    import tomli as tomllib

sys.path.insert(0, str(Path(__file__).resolve().parent))
import realvoice_audio as rv  # noqa: E402

SET = rv.REPO / "realvoice"
CALLS = SET / "calls"
TRUTH = SET / "truth"
FIELDS = ("insurance", "education", "finance", "tourism", "general")
ASKS_TO_WAIT = "400020"
"""The one corpus sentence that asks the customer to wait: 「…问一下，您稍等。」"""
TRAPS = {"300005": "稍后 is no hold (稍候 in pinyin)", "400032": "麻烦您… asks for no wait"}
CUSTOMER_RATE = 0.88
"""The customer's voice: the corpus played this much slower (pitch and formants lower)."""
HOLD_S = (14.0, 17.0)
SHORT_HOLD_S = 7.5
"""An announced short hold (the scorecard's announced_hold_gap_s is 5, hold_gap_s 10)."""


def plan(seed: int = 34) -> list[dict]:
    """The calls: per field in turn, 4–6 agent sentences of that field (each used once where the
    corpus allows), customer questions from the other fields between them, holds by kind."""
    rng = random.Random(seed)
    corpus = rv.sentences()
    by_field = {
        f: [
            s.id
            for s in corpus.values()
            if s.field == f and s.id not in TRAPS and s.id != ASKS_TO_WAIT
        ]
        for f in FIELDS
    }
    for ids in by_field.values():
        rng.shuffle(ids)
    asking = [
        s.id for s in corpus.values() if s.text.endswith(("？", "吗。")) and s.id != ASKS_TO_WAIT
    ]
    kinds = ["none", "silent", "asked", "asked_short", "two", "trap"]
    calls = []
    for i in range(32):
        field = FIELDS[i % 5]
        kind = kinds[i % len(kinds)]
        pool = by_field[field]
        agent = [pool.pop() for _ in range(rng.randint(4, 6)) if pool]
        turns: list[dict] = []
        holds: list[dict] = []
        where = rng.randint(1, len(agent) - 2)
        for k, sid in enumerate(agent):
            if k and rng.random() < 0.7:
                turns.append({"role": "customer", "clip": rng.choice(asking)})
            turns.append({"role": "agent", "clip": sid})
            if k == where and kind in ("asked", "asked_short", "two"):
                turns.append({"role": "agent", "clip": ASKS_TO_WAIT})
                short = kind == "asked_short"
                turns.append({"hold": SHORT_HOLD_S if short else round(rng.uniform(*HOLD_S), 1)})
                holds.append({"permission": True, "thanked": False})
            if (k == where and kind in ("silent", "trap")) or (k == where + 1 and kind == "two"):
                if kind == "trap":
                    turns.append({"role": "agent", "clip": list(TRAPS)[i % 2]})
                turns.append({"hold": round(rng.uniform(*HOLD_S), 1)})
                holds.append({"permission": False, "thanked": False})
        for t in turns:
            if "role" in t:
                t["pause_after"] = round(rng.uniform(0.45, 1.0), 2)
        calls.append(
            {
                "slug": f"{i + 1:02d}_{kind}_{field}",
                "field": field,
                "kind": kind,
                "turns": turns,
                "expected": expected(holds),
            }
        )
    return calls


def expected(holds: list[dict]) -> dict:
    """The checklist as the sentences make it (realvoice/README.md): no corpus sentence greets,
    names the customer with a surname, thanks for waiting or closes; none is a 忌语."""
    return {
        "greeting": "fail",
        "greeting_parts": dict.fromkeys(
            ("salutation", "company", "agent_name", "offer_help"), False
        ),
        "customer_name": "review",  # no name known: the checker never passes or fails it silently
        "customer_name_count": 0,
        "hold": "na"
        if not holds
        else "pass"
        if all(h["permission"] and h["thanked"] for h in holds)
        else "fail",
        "holds": holds,
        "forbidden": "pass",
        "forbidden_phrases": [],
        "closing": "fail",
        "closing_parts": dict.fromkeys(("question", "thanks", "farewell"), False),
    }


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return repr(v)


def generate() -> list[Path]:
    corpus = rv.sentences()
    CALLS.mkdir(parents=True, exist_ok=True)
    out = []
    for call in plan():
        lines = [
            f"# {call['slug']}: real-voice agent ({call['field']}), holds: {call['kind']}.",
            "# [expected] follows from realvoice/README.md's rules, written before any checker ran.",
            'direction = "inbound"',
            f"field = {_value(call['field'])}",
            "",
        ]
        for t in call["turns"]:
            lines.append("[[turns]]")
            if "hold" in t:
                lines += [f"hold_s = {t['hold']}", ""]
                continue
            lines += [
                f"role = {_value(t['role'])}",
                f"clip = {_value(t['clip'])}",
                f"text = {_value(corpus[t['clip']].text)}",
                f"pause_after = {t['pause_after']}",
                "",
            ]
        lines.append("[expected]")
        lines += [f"{k} = {_value(v)}" for k, v in call["expected"].items()]
        path = CALLS / f"{call['slug']}.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out.append(path)
    return out


def load(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _speech(audio, rate: int) -> tuple[int, int]:
    """First and last sample of speech (above 2 % of the peak, 20 ms smoothed)."""
    import numpy as np

    env = np.convolve(np.abs(audio), np.ones(rate // 50) / (rate // 50), mode="same")
    loud = np.nonzero(env > 0.02 * env.max())[0]
    return (int(loud[0]), int(loud[-1])) if len(loud) else (0, len(audio))


def render_call(path: Path, truth_dir: Path | None = None) -> Path:
    """One call's audio (cache folder) and truth (``truth_dir``, default realvoice/truth); the
    audio path."""
    import numpy as np

    from callreview.text import normalize
    from callreview.transcript import Segment, Transcript

    script = load(path)
    corpus = rv.sentences()
    out = rv.cache_dir() / "calls" / f"{path.stem}.wav"
    left: list[tuple[int, np.ndarray]] = []
    right: list[tuple[int, np.ndarray]] = []
    segments = []
    cursor = int(0.6 * rv.RATE)
    for turn in script["turns"]:
        if "hold_s" in turn:
            cursor += int(turn["hold_s"] * rv.RATE)
            continue
        clip = rv.clip_16k(corpus[turn["clip"]])
        if turn["role"] == "customer":
            n = int(len(clip) / CUSTOMER_RATE)
            clip = np.interp(np.arange(n) * CUSTOMER_RATE, np.arange(len(clip)), clip)
        voice = rv.telephone(clip, rv.SPEECH_DBFS if turn["role"] == "agent" else -21.0)
        a, b = _speech(voice, rv.RATE)
        voice = voice[a : b + 1]
        (left if turn["role"] == "agent" else right).append((cursor, voice))
        text = corpus[turn["clip"]].text
        start, end = cursor / rv.RATE, (cursor + len(voice)) / rv.RATE
        segments.append(
            Segment(turn["role"], round(start, 3), round(end, 3), text, normalize(text))
        )
        cursor += len(voice) + int(turn["pause_after"] * rv.RATE)
    total = cursor + int(0.8 * rv.RATE)
    channels = []
    for k, placed in enumerate((left, right)):
        track = rv.line_noise(total, sum(map(ord, path.stem)) * 2 + k)
        for at, voice in placed:
            track[at : at + len(voice)] += voice
        channels.append(track)
    rv.write_ulaw(channels[0], channels[1], out)
    truth = Transcript(
        f"realvoice/{path.stem}.wav",
        round(total / rv.RATE, 3),
        2,
        "script",
        "zh",
        "stereo",
        tuple(segments),
    )
    folder = truth_dir or TRUTH
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{path.stem}.json").write_text(truth.to_json() + "\n", encoding="utf-8")
    return out


def audio_of(slug: str) -> Path:
    """Where a call's rendered audio is (rendered now if it is not there yet)."""
    out = rv.cache_dir() / "calls" / f"{slug}.wav"
    return out if out.is_file() else render_call(CALLS / f"{slug}.toml")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=("generate", "render"))
    ap.add_argument("only", nargs="*", help="render only these slugs")
    args = ap.parse_args(argv)
    if args.what == "generate":
        for p in generate():
            print(p.relative_to(rv.REPO))
        return 0
    for path in sorted(CALLS.glob("*.toml")):
        if args.only and path.stem not in args.only:
            continue
        out = render_call(path)
        print(f"{path.stem:28s} {out.stat().st_size / 1024:7.1f} KiB  {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
