"""The bundled model on a real voice: CER per field on the 240 real-voice sentences through the
telephone band (300–3400 Hz, 8 kHz, G.711 μ-law).

Each sentence becomes a stereo μ-law call (the sentence on the agent's channel, a faint line on
the customer's) in the cache folder, is transcribed with callreview's default settings, and is
scored with ``bench/metrics.py``'s CER against the corpus's text. Transcripts and results are
cached (``CALLREVIEW_REALVOICE_CACHE``, default ``/tmp/callreview_realvoice``): a second run
prints the table without the model.

    nice python bench/bench_realvoice.py            # the table (transcribes what is not cached)
    nice python bench/bench_realvoice.py --syllables 您 幺 两   # how the model wrote them

The corpus is read from ``../shared/realvoice`` (``CALLREVIEW_REALVOICE`` moves it).
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO / "bench"))

import realvoice_audio as rv  # noqa: E402
from metrics import cer  # noqa: E402

from callreview.text import normalize  # noqa: E402

VERSION = "1"
"""Bump when the rendering changes: cached results of another rendering are not reused."""


def render(sentence: rv.Sentence) -> Path:
    """The sentence as a stereo telephone call in the cache folder (0.5 s of line around it)."""
    out = rv.cache_dir() / "sentences" / f"{sentence.id}.wav"
    if out.is_file():
        return out
    import numpy as np

    voice = rv.telephone(rv.clip_16k(sentence))
    pad = np.zeros(rv.RATE // 2)
    agent = np.concatenate([pad, voice, pad])
    seed = int(sentence.id)
    rv.write_ulaw(agent + rv.line_noise(len(agent), seed), rv.line_noise(len(agent), seed + 1), out)
    return out


def heard(sentences: dict[str, rv.Sentence]) -> dict[str, str]:
    """What the model heard on each sentence's agent channel (cached as JSON)."""
    store = rv.cache_dir() / f"heard_v{VERSION}.json"
    done: dict[str, str] = json.loads(store.read_text("utf-8")) if store.is_file() else {}
    todo = [s for s in sentences.values() if s.id not in done]
    if todo:
        transcriber = rv.transcriber()
        t0 = time.time()
        for i, s in enumerate(todo, 1):
            transcript = transcriber.transcribe_file(render(s))
            done[s.id] = "".join(seg.text for seg in transcript.segments if seg.role == "agent")
            if i % 20 == 0 or i == len(todo):
                store.write_text(json.dumps(done, ensure_ascii=False, indent=0), "utf-8")
                print(f"  {i}/{len(todo)} sentences, {time.time() - t0:.0f} s", file=sys.stderr)
    return done


def table(sentences: dict[str, rv.Sentence], hyp: dict[str, str]) -> list[tuple]:
    """Per field: sentences, reference characters, CER (edits over characters) and the share of
    sentences heard without an error."""
    from metrics import _canonical

    rows: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0])
    for s in sentences.values():
        ref = _canonical(s.text, True)
        edits = cer(s.text, hyp[s.id]) * len(ref)
        for key in (s.field, "all"):
            row = rows[key]
            row[0] += 1
            row[1] += len(ref)
            row[2] += edits
            row[3] += edits == 0
    order = ["insurance", "education", "finance", "tourism", "general", "all"]
    return [(k, *rows[k]) for k in order if k in rows]


def syllables(sentences: dict[str, rv.Sentence], hyp: dict[str, str], chars: list[str]) -> None:
    """For each character asked about: what the model wrote where the reference has it
    (character alignment of the normalized texts)."""
    for char in chars:
        got: Counter[str] = Counter()
        for s in sentences.values():
            ref = normalize(s.text).replace(" ", "")
            out = normalize(hyp[s.id]).replace(" ", "")
            if char not in ref:
                continue
            matcher = difflib.SequenceMatcher(None, ref, out, autojunk=False)
            for op, a0, a1, b0, b1 in matcher.get_opcodes():
                for k in range(a0, a1):
                    if ref[k] != char:
                        continue
                    if op == "equal":
                        got[char] += 1
                    elif op == "replace" and a1 - a0 == b1 - b0:
                        got[out[b0 + k - a0]] += 1
                    elif op == "replace":
                        got[f"{out[b0:b1]}(for {ref[a0:a1]})"] += 1
                    else:
                        got["(dropped)"] += 1
        total = sum(got.values())
        print(
            f"{char}: {total} in the references; heard as "
            + ", ".join(f"{k} {v}" for k, v in got.most_common())
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--syllables", nargs="*", default=[], help="characters to show the hearing of")
    args = ap.parse_args(argv)
    found = rv.sentences()
    hyp = heard(found)
    print("real voice through the telephone band (300–3400 Hz, 8 kHz, G.711 μ-law), bundled model")
    print(f"{'field':10s} {'sentences':>9s} {'chars':>6s} {'CER %':>6s} {'error-free':>10s}")
    for field, n, chars, edits, clean in table(found, hyp):
        print(f"{field:10s} {n:9d} {chars:6d} {100 * edits / chars:6.1f} {clean:6d}/{n:<3d}")
    if args.syllables:
        syllables(found, hyp, args.syllables)
    return 0


if __name__ == "__main__":
    sys.exit(main())
