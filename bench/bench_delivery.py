"""Delivery metrics on audio_samples/: from the call scripts' timings, and through the real model.

For every sample call: the agent's median and fastest speech rate, fast stretches,
interruptions (and back-channels), dead air (total, longest) and the agent's share of
the talk — measured on the script transcript (``audio_samples/truth/``: one segment per
scripted turn with its real times in the rendered audio) and on the model's transcript
of the FLAC (default settings: the bundled model, word timings; cached in
``~/.cache/callreview`` like any transcript). Prints the README's table, then each
model figure against the script's:

* median speech rate within 15 %;
* dead air (total) within 1 s;
* the same number of interruptions and of fast stretches;
* and, for scripts with an ``[expected_delivery]`` table, those counts on both.

Then the checklist engine's speed on the model's transcripts with the metrics on and
off (CPU seconds of this thread, the two alternating set by set, 100 rounds):
real Whisper output has a word per one or two characters, more than the synthetic
calls of ``bench_checks.py``.

    python bench/bench_delivery.py            # scripts and model (transcribes each sample once, then cached)
    python bench/bench_delivery.py --scripts  # the script timings only (no model)
"""

from __future__ import annotations

import argparse
import sys
import time

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser from PyPI
    import tomli as tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from callreview.qc.checklist import CallInfo, check_transcript  # noqa: E402
from callreview.qc.lexicon import load_lexicon  # noqa: E402
from callreview.qc.scorecard import load_scorecard  # noqa: E402
from callreview.results import DeliveryMetrics  # noqa: E402
from callreview.transcript import Transcript  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "audio_samples"
RATE_TOLERANCE = 0.15
DEAD_AIR_TOLERANCE_S = 1.0


def measure(transcript: Transcript, direction: str) -> DeliveryMetrics:
    review = check_transcript(
        transcript, load_lexicon("zh-CN"), load_scorecard(None), CallInfo(direction=direction)
    )
    assert review.metrics is not None
    return review.metrics


def figures(m: DeliveryMetrics) -> dict[str, float | int | None]:
    """The numbers the table and the checks compare."""
    rate, cut, dead, talk = m.speech_rate, m.interruptions, m.dead_air, m.talk_ratio
    return {
        "median": rate.median if rate else None,
        "fastest": rate.fastest.rate if rate and rate.fastest else None,
        "fast_stretches": len(rate.faults) if rate else None,
        "interruptions": cut.count if cut else None,
        "backchannels": cut.backchannels if cut else None,
        "dead_air_s": dead.total_s if dead else None,
        "dead_air_longest_s": dead.longest_s if dead else None,
        "dead_air_stretches": len(dead.stretches) if dead else None,
        "announced_holds": len(dead.announced_holds) if dead else None,
        "agent_share": talk.agent_share if talk else None,
    }


def agreement(script: dict, model: dict) -> list[str]:
    """What the model's figures get wrong against the script's (empty: all within tolerance)."""
    wrong = []
    if abs(model["median"] - script["median"]) > RATE_TOLERANCE * script["median"]:
        wrong.append(
            f"median rate {model['median']:.0f} vs {script['median']:.0f} (more than 15 % off)"
        )
    if abs(model["dead_air_s"] - script["dead_air_s"]) > DEAD_AIR_TOLERANCE_S:
        wrong.append(
            f"dead air {model['dead_air_s']:.1f} s vs {script['dead_air_s']:.1f} s (more than 1 s off)"
        )
    for key in ("interruptions", "fast_stretches"):
        if model[key] != script[key]:
            wrong.append(f"{key} {model[key]} vs {script[key]}")
    return wrong


def expected(spec: dict, got: dict) -> list[str]:
    return [
        f"{key} {got[key]}, expected {want}"
        for key, want in spec.get("expected_delivery", {}).items()
        if got[key] != want
    ]


def cell(script: float | int | None, model: float | int | None = None, fmt: str = "{:.0f}") -> str:
    show = lambda v: "—" if v is None else fmt.format(v)  # noqa: E731
    return show(script) if model is None else f"{show(script)} / {show(model)}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scripts", action="store_true", help="only the script timings (no model)")
    args = parser.parse_args()

    specs = {
        p.stem: tomllib.loads(p.read_text(encoding="utf-8"))
        for p in sorted((SAMPLES / "calls").glob("*.toml"))
    }
    script = {
        slug: figures(
            measure(Transcript.load(SAMPLES / "truth" / f"{slug}.json"), spec["direction"])
        )
        for slug, spec in specs.items()
    }
    model: dict[str, dict] = {}
    if not args.scripts:
        from callreview.review import Reviewer
        from callreview.settings import Settings

        reviewer = Reviewer(Settings())
        for slug, spec in specs.items():
            model[slug] = figures(
                measure(reviewer.transcript(SAMPLES / f"{slug}.flac"), spec["direction"])
            )
        print(f"model: {reviewer.transcriber.model_ref.model_id}; each cell is script / model\n")

    print(
        "| call | median rate (chars/min) | fastest | fast stretches | interruptions (back-channels) | dead air s (longest) | agent share % |"
    )
    print("|---|---|---|---|---|---|---|")
    for slug in specs:
        s, m = script[slug], model.get(slug)
        get = (lambda key: m[key]) if m else (lambda key: None)  # noqa: E731
        cuts = f"{s['interruptions']} ({s['backchannels']})" + (
            f" / {m['interruptions']} ({m['backchannels']})" if m else ""
        )
        dead = f"{s['dead_air_s']:.1f} ({s['dead_air_longest_s']:.1f})" + (
            f" / {m['dead_air_s']:.1f} ({m['dead_air_longest_s']:.1f})" if m else ""
        )
        print(
            f"| `{slug}` | {cell(s['median'], get('median'))} | {cell(s['fastest'], get('fastest'))} "
            f"| {cell(s['fast_stretches'], get('fast_stretches'), '{}')} | {cuts} | {dead} | {cell(s['agent_share'], get('agent_share'))} |"
        )

    problems = []
    for slug, spec in specs.items():
        problems += [f"{slug} (script): {p}" for p in expected(spec, script[slug])]
        if slug in model:
            problems += [
                f"{slug} (model): {p}"
                for p in expected(spec, model[slug]) + agreement(script[slug], model[slug])
            ]
    if model:
        worst_rate = max(
            abs(model[k]["median"] - script[k]["median"]) / script[k]["median"] for k in specs
        )
        worst_dead = max(abs(model[k]["dead_air_s"] - script[k]["dead_air_s"]) for k in specs)
        worst_fast = max(
            abs(model[k]["fastest"] - script[k]["fastest"]) / script[k]["fastest"] for k in specs
        )
        worst_share = max(abs(model[k]["agent_share"] - script[k]["agent_share"]) for k in specs)
        mean_rate = sum(
            abs(model[k]["median"] - script[k]["median"]) / script[k]["median"] for k in specs
        ) / len(specs)
        print(
            f"\nmodel against script: median rate off by at most {worst_rate:.1%} (mean {mean_rate:.1%}; tolerance 15 %), "
            f"dead air by at most {worst_dead:.2f} s (tolerance 1 s); fastest turn by at most {worst_fast:.1%}, "
            f"agent share by at most {worst_share:.1f} points"
        )
    print(
        "\n"
        + (
            "\n".join(problems)
            if problems
            else f"all {len(specs)} calls within tolerance and as expected"
        )
    )
    if model:
        off, on = speed([reviewer.transcript(SAMPLES / f"{slug}.flac") for slug in specs])
        print(
            f"\nchecklist engine on the model's transcripts: metrics off {1e6 * off:.0f} µs a call, on {1e6 * on:.0f} µs: "
            f"the metrics cost {on / off - 1:+.1%}"
        )
    return 1 if problems else 0


def speed(transcripts: list[Transcript], rounds: int = 100) -> tuple[float, float]:
    """CPU seconds a call with the metrics off and on, the two alternating (and taking turns to go first)."""
    lexicon, scorecard = load_lexicon("zh-CN"), load_scorecard(None)
    for t in transcripts:  # fill the per-text caches
        check_transcript(t, lexicon, scorecard)
    spent = {False: 0.0, True: 0.0}
    for i in range(rounds):
        for metrics in (False, True) if i % 2 else (True, False):
            start = time.thread_time()
            for t in transcripts:
                check_transcript(t, lexicon, scorecard, metrics=metrics)
            spent[metrics] += time.thread_time() - start
    n = rounds * len(transcripts)
    return spent[False] / n, spent[True] / n


if __name__ == "__main__":
    sys.exit(main())
