"""Checklist accuracy on audio_samples/: agreement with each call's expected checklist.

Scores every call twice — on its error-free script transcript (audio_samples/truth/)
and through the real model (the FLAC, transcribed with the default settings) — and
prints agreement per item, per sub-part and overall, then the checklist engine's
speed on the script transcripts.

    python bench/bench_accuracy.py            # both passes
    python bench/bench_accuracy.py --scripts  # scripts only (no model)

Nothing is configured: no company names, no customer names — the tool as it
comes out of the box; only the call direction is taken from the script.
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from collections import defaultdict
from pathlib import Path

from callreview.checklist import CallInfo, check_transcript
from callreview.lexicon import load_lexicon
from callreview.scorecard import load_scorecard
from callreview.transcript import Transcript

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "audio_samples"
ITEMS = ("greeting", "customer_name", "hold", "forbidden", "closing")


def compare(expected: dict, review: dict) -> dict[str, list[tuple[str, bool]]]:
    """(check name, agreed) pairs, grouped by item."""
    items = review["items"]
    out: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for item in ITEMS:
        out[item].append((f"{item}.status", items[item]["status"] == expected[item]))
    for group, item in (("greeting_parts", "greeting"), ("closing_parts", "closing")):
        for part, want in expected.get(group, {}).items():
            got = items[item]["parts"].get(part, {}).get("found")
            out[item].append((f"{item}.{part}", bool(got) == want))
    if "customer_name_count" in expected:
        out["customer_name"].append(("customer_name.count", items["customer_name"].get("count") == expected["customer_name_count"]))
    holds = items["hold"].get("holds", [])
    want_holds = expected.get("holds", [])
    out["hold"].append(("hold.count", len(holds) == len(want_holds)))
    for i, want in enumerate(want_holds):
        got = holds[i] if i < len(holds) else {}
        for key in ("permission", "thanked"):
            out["hold"].append((f"hold.{key}", bool(got.get(key)) == want[key]))
    hits = sorted(h["phrase"] for h in items["forbidden"].get("hits", []))
    out["forbidden"].append(("forbidden.phrases", hits == sorted(expected.get("forbidden_phrases", []))))
    return out


def score_all(transcripts: dict[str, Transcript], scripts: dict[str, dict]) -> tuple[dict, list[str]]:
    lexicon, scorecard = load_lexicon("zh-CN"), load_scorecard(None)
    tally: dict[str, list[bool]] = defaultdict(list)
    misses: list[str] = []
    for slug, transcript in transcripts.items():
        script = scripts[slug]
        review = check_transcript(transcript, lexicon, scorecard, CallInfo(direction=script.get("direction", "inbound"))).to_dict()
        for item, checks in compare(script["expected"], review).items():
            for name, agreed in checks:
                tally[name].append(agreed)
                if not agreed:
                    misses.append(f"{slug}: {name}")
    return tally, misses


def report(title: str, tally: dict[str, list[bool]], misses: list[str]) -> None:
    print(f"\n{title}")
    print(f"  {'item':<16}{'status':>10}{'all checks':>14}")
    all_status, all_checks = [], []
    for item in ITEMS:
        status = tally[f"{item}.status"]
        checks = [a for name, v in tally.items() if name.startswith(item + ".") for a in v]
        all_status += status
        all_checks += checks
        print(f"  {item:<16}{sum(status):>5}/{len(status):<4}{sum(checks):>8}/{len(checks):<5}")
    print(f"  {'overall':<16}{sum(all_status):>5}/{len(all_status):<4}{sum(all_checks):>8}/{len(all_checks):<5}"
          f"  = {sum(all_status) / len(all_status):.1%} item agreement, {sum(all_checks) / len(all_checks):.1%} of all checks")
    for miss in misses:
        print(f"  disagrees: {miss}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scripts", action="store_true", help="only the error-free scripts (no model)")
    args = parser.parse_args()
    scripts = {p.stem: tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted((SAMPLES / "calls").glob("*.toml"))}
    truths = {slug: Transcript.load(SAMPLES / "truth" / f"{slug}.json") for slug in scripts}
    report(f"On the error-free call scripts ({len(truths)} calls)", *score_all(truths, scripts))

    lexicon, scorecard = load_lexicon("zh-CN"), load_scorecard(None)
    corpus = list(truths.values())
    rounds = max(1, 2000 // len(corpus))
    t0 = time.perf_counter()
    for _ in range(rounds):
        for transcript in corpus:
            check_transcript(transcript, lexicon, scorecard, CallInfo())
    rate = rounds * len(corpus) / (time.perf_counter() - t0)
    print(f"\nchecklist engine: {rate:,.0f} transcripts/s (one process, {rounds * len(corpus)} script transcripts)")

    if args.scripts:
        return
    from callreview.review import Reviewer
    from callreview.settings import Settings

    reviewer = Reviewer(Settings())
    heard = {slug: reviewer.transcript(SAMPLES / f"{slug}.flac") for slug in scripts}
    report(f"Through the real model ({reviewer.transcriber.model_ref.model_id}, {len(heard)} calls)", *score_all(heard, scripts))


if __name__ == "__main__":
    sys.exit(main())
