"""Checklist accuracy: agreement with each call's expected checklist, on a set of call scripts.

Two sets: ``--set samples`` (audio_samples/: the documented examples, which the lexicon and
thresholds were tuned on) and ``--set eval`` (eval/: 47 calls rendered by tools/render_eval.py
from other scripts, voices, noise and codecs, which nobody tunes on). Each call is scored twice:

* on its error-free script transcript (``<set>/truth/``), the checker alone, no model;
* through the real model (the bundled default, default settings): the audio transcribed, then
  checked.

For each pass it prints item agreement (the five statuses) overall and per item, agreement of
every sub-check (greeting and closing parts, name count, each hold's permission and thanks,
the forbidden phrases), the error-free calls' own figure, the forbidden hits the script does
not have (on customer speech, on the agent's near misses, possible hits), and every
disagreement with a one-line reason. Then the checklist engine's speed on distinct
transcripts: every script transcript of both sets once, with a freshly loaded lexicon and
the matcher's caches cleared (what a first pass over new calls costs; no cache answers).

    python bench/bench_accuracy.py                   # samples, both passes
    python bench/bench_accuracy.py --set eval        # the untuned test set
    python bench/bench_accuracy.py --set eval --scripts   # scripts only (no model)

Nothing is configured: no company names, no customer names, the tool as it comes out of
the box; only the call direction is taken from the script. Transcripts come from the
transcript cache when the same audio was transcribed with the same model and settings
(``CALLREVIEW_CACHE`` moves it; ``--no-cache`` transcribes again).
"""

from __future__ import annotations

import argparse
import sys
import time

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser from PyPI
    import tomli as tomllib
from collections import defaultdict
from pathlib import Path

from callreview.qc.checklist import CallInfo, check_transcript
from callreview.qc.lexicon import load_lexicon
from callreview.qc.scorecard import load_scorecard
from callreview.transcript import Transcript

REPO = Path(__file__).resolve().parent.parent
SETS = {"samples": REPO / "audio_samples", "eval": REPO / "eval"}
ITEMS = ("greeting", "customer_name", "hold", "forbidden", "closing")
AUDIO_SUFFIXES = (".flac", ".wav", ".mp3", ".ogg", ".opus", ".m4a")


def load_set(name: str) -> tuple[dict[str, dict], dict[str, Path]]:
    """The set's call scripts by slug, and each call's audio file."""
    root = SETS[name]
    scripts = {
        p.stem: tomllib.loads(p.read_text(encoding="utf-8"))
        for p in sorted((root / "calls").glob("*.toml"))
    }
    audio = {}
    for slug in scripts:
        found = [p for p in sorted(root.glob(f"{slug}.*")) if p.suffix in AUDIO_SUFFIXES]
        if len(found) != 1:
            raise SystemExit(
                f"{root.name}/{slug}: expected one audio file, found {len(found)}; render the set (see {root.name}/README.md)"
            )
        audio[slug] = found[0]
    return scripts, audio


def error_free(expected: dict) -> bool:
    return all(expected[item] in ("pass", "na") for item in ITEMS)


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
        out["customer_name"].append(
            (
                "customer_name.count",
                items["customer_name"].get("count") == expected["customer_name_count"],
            )
        )
    holds = items["hold"].get("holds", [])
    want_holds = expected.get("holds", [])
    out["hold"].append(("hold.count", len(holds) == len(want_holds)))
    for i, want in enumerate(want_holds):
        got = holds[i] if i < len(holds) else {}
        for key in ("permission", "thanked"):
            out["hold"].append((f"hold.{key}", bool(got.get(key)) == want[key]))
    hits = sorted(h["phrase"] for h in items["forbidden"].get("hits", []))
    out["forbidden"].append(
        ("forbidden.phrases", hits == sorted(expected.get("forbidden_phrases", [])))
    )
    return out


def _parts(item: dict) -> str:
    parts = item.get("parts", {})
    found = [k for k, p in parts.items() if p.get("found")]
    unsure = [k for k, p in parts.items() if p.get("uncertain")]
    return f"found {found or 'none'}" + (f", unsure {unsure}" if unsure else "")


def why(item: str, expected: dict, review: dict) -> str:
    """One line: what the checker found against what the script says (no transcript text: lexicon phrases, times)."""
    got = review["items"][item]
    if item in ("greeting", "closing"):
        want = [k for k, v in expected.get(f"{item}_parts", {}).items() if v]
        line = f"{_parts(got)}; script says {want or 'none'}"
        if item == "closing" and got.get("last_turn_missing"):
            line += "; last turn may be lost"
        return line
    if item == "customer_name":
        return (
            f"name used in {got.get('count')} turn(s), script says {expected.get('customer_name_count')}"
            + (f" (name taken as {got['name']})" if got.get("name") else "")
        )
    if item == "hold":
        holds = [
            (
                h.get("permission"),
                h.get("thanked"),
                round(h.get("duration", h.get("seconds", 0)) or 0, 1),
            )
            for h in got.get("holds", [])
        ]
        want = [(h["permission"], h["thanked"]) for h in expected.get("holds", [])]
        return f"holds (permission, thanked, s) {holds}, script says {want}"
    if item == "forbidden":
        hits = [
            f"{h['phrase']}@{h['start']:.0f}s({h['role']},{h['similarity']:.0f})"
            for h in got.get("hits", [])
        ]
        possible = [
            f"{h['phrase']}@{h['start']:.0f}s({h['similarity']:.0f})"
            for h in got.get("possible_hits", [])
        ]
        return (
            f"hits {hits}"
            + (f", possible {possible}" if possible else "")
            + f"; script says {expected.get('forbidden_phrases')}"
        )
    return ""


def score_all(transcripts: dict[str, Transcript], scripts: dict[str, dict]) -> dict:
    lexicon, scorecard = load_lexicon("zh-CN"), load_scorecard(None)
    tally: dict[str, list[bool]] = defaultdict(list)
    status_clean: list[bool] = []
    misses: list[str] = []
    stray = {"customer": 0, "agent": 0, "possible": 0}
    stray_where: list[str] = []
    for slug, transcript in transcripts.items():
        script = scripts[slug]
        expected = script["expected"]
        review = check_transcript(
            transcript, lexicon, scorecard, CallInfo(direction=script.get("direction", "inbound"))
        ).to_dict()
        for item, checks in compare(expected, review).items():
            for name, agreed in checks:
                tally[name].append(agreed)
                if name.endswith(".status") and error_free(expected):
                    status_clean.append(agreed)
            bad = [name for name, agreed in checks if not agreed]
            if bad:
                got = review["items"][item]["status"]
                misses.append(
                    f"{slug}: {item} expected {expected[item]}, got {got} [{', '.join(b.split('.', 1)[1] for b in bad)}] — {why(item, expected, review)}"
                )
        want = set(expected.get("forbidden_phrases", []))
        for h in review["items"]["forbidden"].get("hits", []):
            if h["phrase"] not in want:
                role = "customer" if h.get("role") != "agent" else "agent"
                stray[role] += 1
                stray_where.append(f"{slug}: {h['phrase']} ({role} speech, {h['start']:.0f} s)")
        for h in review["items"]["forbidden"].get("possible_hits", []):
            if (
                h["phrase"] in want
            ):  # the script's own phrase, heard unsure: the phrases check counts it
                continue
            stray["possible"] += 1
            stray_where.append(
                f"{slug}: possibly {h['phrase']} ({h['similarity']:.0f}, {h['start']:.0f} s)"
            )
    return {
        "tally": tally,
        "misses": misses,
        "clean": status_clean,
        "stray": stray,
        "stray_where": stray_where,
        "calls": len(transcripts),
    }


def report(title: str, result: dict) -> float:
    tally = result["tally"]
    print(f"\n{title}")
    print(f"  {'item':<16}{'status':>12}{'all checks':>14}")
    all_status, all_checks = [], []
    for item in ITEMS:
        status = tally[f"{item}.status"]
        checks = [a for name, v in tally.items() if name.startswith(item + ".") for a in v]
        all_status += status
        all_checks += checks
        print(
            f"  {item:<16}{sum(status):>5}/{len(status):<4}{sum(status) / len(status):>5.0%}{sum(checks):>6}/{len(checks):<5}"
        )
    item_agreement = sum(all_status) / len(all_status)
    print(
        f"  {'overall':<16}{sum(all_status):>5}/{len(all_status):<4}{'':>5}{sum(all_checks):>6}/{len(all_checks):<5}"
        f"  = {item_agreement:.1%} item agreement, {sum(all_checks) / len(all_checks):.1%} of all checks"
    )
    parts = sorted(n for n in tally if not n.endswith(".status"))
    print("  per part: " + ", ".join(f"{n} {sum(tally[n])}/{len(tally[n])}" for n in parts))
    clean = result["clean"]
    if clean:
        print(
            f"  error-free calls ({len(clean) // len(ITEMS)}): {sum(clean)}/{len(clean)} items = {sum(clean) / len(clean):.1%}"
        )
    stray = result["stray"]
    print(
        f"  forbidden hits the script does not have: {stray['customer']} on customer speech, {stray['agent']} on agent speech "
        f"(near misses), {stray['possible']} possible hits"
    )
    for where in result["stray_where"]:
        print(f"    {where}")
    for miss in result["misses"]:
        print(f"  disagrees: {miss}")
    return item_agreement


def engine_speed() -> None:
    """Seconds per transcript over distinct transcripts, each checked once, caches cleared first."""
    import callreview.matching as match

    corpus = [
        Transcript.load(p)
        for root in SETS.values()
        for p in sorted((root / "truth").glob("*.json"))
    ]
    for fn in vars(match).values():
        if hasattr(fn, "cache_clear"):
            fn.cache_clear()
    lexicon, scorecard = load_lexicon("zh-CN"), load_scorecard(None)
    t0 = time.perf_counter()
    for transcript in corpus:
        check_transcript(transcript, lexicon, scorecard, CallInfo())
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    for transcript in corpus:
        check_transcript(transcript, lexicon, scorecard, CallInfo())
    warm = time.perf_counter() - t0
    print(
        f"\nchecklist engine: {len(corpus)} distinct script transcripts (both sets), each checked once with a fresh lexicon and "
        f"cleared matcher caches: {1000 * cold / len(corpus):.1f} ms each ({len(corpus) / cold:,.0f}/s, includes the first "
        f"pinyin look-ups); the same again, warm: {1000 * warm / len(corpus):.1f} ms each. Bulk speed: bench/bench_checks.py"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--set", choices=sorted(SETS), default="samples", help="which calls (default: samples)"
    )
    parser.add_argument(
        "--scripts", action="store_true", help="only the error-free scripts (no model)"
    )
    parser.add_argument(
        "--setting",
        default="",
        metavar="key=value;…",
        help='TranscribeOptions fields changed for the model part (e.g. "beam_size=5;customer_beam_size=0")',
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="transcribe again even where the transcript cache has the call",
    )
    args = parser.parse_args()
    scripts, audio = load_set(args.set)
    root = SETS[args.set]
    truths = {slug: Transcript.load(root / "truth" / f"{slug}.json") for slug in scripts}
    report(
        f"{args.set}: on the error-free script transcripts ({len(truths)} calls, checker only)",
        score_all(truths, scripts),
    )
    engine_speed()
    if args.scripts:
        return
    from callreview.review import Reviewer
    from callreview.settings import Settings

    reviewer = Reviewer(Settings(cache=not args.no_cache))
    if args.setting:  # TranscribeOptions changed, as bench_transcribe.py --setting takes them
        from dataclasses import replace

        from bench_transcribe import parse_setting

        reviewer.transcribe_options = replace(
            reviewer.transcribe_options, **parse_setting(args.setting)
        )
        print(f"transcribed with {args.setting}")
    t0 = time.perf_counter()
    heard = {slug: reviewer.transcript(audio[slug]) for slug in scripts}
    seconds = time.perf_counter() - t0
    audio_s = sum(t.duration_s for t in heard.values())
    report(
        f"{args.set}: through the real model ({reviewer.transcriber.model_ref.model_id}, {len(heard)} calls, "
        f"{audio_s / 60:.0f} min of audio, transcribed in {seconds:.0f} s)",
        score_all(heard, scripts),
    )


if __name__ == "__main__":
    sys.exit(main())
