"""Checklist agreement on the real-voice calls (realvoice/calls: the agent's channel is a real
customer-service speaker through the telephone band), per item, as bench_accuracy.py reports the
samples and eval/: first on the error-free transcripts (realvoice/truth, the checker alone), then
through the bundled model. Also: every fail on an item the agent did (expected pass or na).

    nice python tools/build_realvoice_calls.py render   # once: the audio, into the cache folder
    nice python bench/bench_realvoice_calls.py          # transcribes what is not cached yet
    python bench/bench_realvoice_calls.py --scripts     # the truth only (no model)

Transcripts are cached in ``$CALLREVIEW_REALVOICE_CACHE`` (default ``/tmp/callreview_realvoice``),
so a rule change is re-scored from them without the model.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO / "bench"))

import build_realvoice_calls as calls  # noqa: E402
import realvoice_audio as rv  # noqa: E402
from bench_accuracy import ITEMS, report, score_all  # noqa: E402

from callreview.qc.checklist import CallInfo, check_transcript  # noqa: E402
from callreview.qc.lexicon import load_lexicon  # noqa: E402
from callreview.qc.scorecard import load_scorecard  # noqa: E402
from callreview.transcript import Transcript  # noqa: E402


def scripts() -> dict[str, dict]:
    return {p.stem: calls.load(p) for p in sorted(calls.CALLS.glob("*.toml"))}


def heard(slugs: list[str]) -> dict[str, Transcript]:
    """Each call through the bundled model, default settings (the transcript cache answers a
    call already transcribed)."""
    transcriber = rv.transcriber()
    return {slug: transcriber.transcribe_file(calls.audio_of(slug)) for slug in slugs}


def fails_on_done(transcripts: dict[str, Transcript], plans: dict[str, dict]) -> list[str]:
    """Items the agent did (expected pass or na) that the checker failed."""
    lexicon, scorecard = load_lexicon("zh-CN"), load_scorecard(None)
    out = []
    for slug, transcript in transcripts.items():
        review = check_transcript(transcript, lexicon, scorecard, CallInfo()).to_dict()
        for item in ITEMS:
            want = plans[slug]["expected"][item]
            if want in ("pass", "na") and review["items"][item]["status"] == "fail":
                out.append(f"{slug}: {item}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scripts", action="store_true", help="the error-free transcripts only")
    args = ap.parse_args(argv)
    plans = scripts()
    truths = {s: Transcript.load(calls.TRUTH / f"{s}.json") for s in plans}
    report(
        f"realvoice: error-free transcripts ({len(truths)} calls, checker only)",
        score_all(truths, plans),
    )
    if args.scripts:
        return 0
    t0 = time.perf_counter()
    got = heard(list(plans))
    audio_s = sum(t.duration_s for t in got.values())
    agreement = report(
        f"realvoice: through the bundled model ({len(got)} calls, {audio_s / 60:.1f} min of audio, "
        f"{time.perf_counter() - t0:.0f} s)",
        score_all(got, plans),
    )
    bad = fails_on_done(got, plans)
    print(f"  fails on an item the agent did: {len(bad)}" + "".join(f"\n    {b}" for b in bad))
    return 0 if agreement >= 0.95 and not bad else 1


if __name__ == "__main__":
    sys.exit(main())
