"""Delivery metrics on the bundled sample calls: what each script's timings give, and what the real model hears.

The script transcripts (``audio_samples/truth/``) carry each turn's real times in the
rendered audio, so they are the reference; a call script's ``[expected_delivery]``
says what its metrics must find. Through the model (marked ``model``, three calls:
the cache in ``~/.cache/callreview`` keeps their transcripts between runs) the
metrics must agree with the script's: median speech rate within 15 %, dead air
within 1 s, the same interruptions and fast stretches.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fixtures.calls import lexicon, scorecard

from callreview.qc.checklist import CallInfo, check_transcript
from callreview.transcript import Transcript

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SAMPLES = Path(__file__).resolve().parent.parent / "audio_samples"
SCRIPTS = sorted((SAMPLES / "calls").glob("*.toml"))
THROUGH_THE_MODEL = ("01_perfect", "13_two_holds", "14_interrupt_fast")


def spec(slug: str) -> dict:
    return tomllib.loads((SAMPLES / "calls" / f"{slug}.toml").read_text(encoding="utf-8"))


def measured(transcript: Transcript, slug: str):
    return check_transcript(
        transcript, lexicon(), scorecard(), CallInfo(direction=spec(slug)["direction"])
    ).metrics


def counts(m) -> dict[str, int]:
    return {
        "interruptions": m.interruptions.count,
        "backchannels": m.interruptions.backchannels,
        "fast_stretches": len(m.speech_rate.faults),
        "dead_air_stretches": len(m.dead_air.stretches),
        "announced_holds": len(m.dead_air.announced_holds),
    }


def scripted_silences(slug: str) -> list[float]:
    """Seconds of each scripted silence of 3 s or more: the holds and the long pauses (``pause_after``)."""
    turns = spec(slug)["turns"]
    return [
        t.get("hold") or t["pause_after"]
        for t in turns
        if (t.get("hold") or t.get("pause_after", 0)) >= 3
    ]


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_sample_script_timings_give_the_expected_delivery(script):
    slug = script.stem
    m = measured(Transcript.load(SAMPLES / "truth" / f"{slug}.json"), slug)
    want = spec(slug).get("expected_delivery", {"interruptions": 0, "fast_stretches": 0})
    assert {k: counts(m)[k] for k in want} == want
    # every scripted silence is either dead air or an announced hold, with its scripted length
    silences = sorted(
        [s.duration for s in m.dead_air.stretches]
        + [s.duration for s in m.dead_air.announced_holds]
    )
    assert silences == pytest.approx(sorted(scripted_silences(slug)), abs=0.01)


def test_the_interrupt_fast_sample_finds_each_fault_where_the_script_puts_it():
    m = measured(Transcript.load(SAMPLES / "truth" / "14_interrupt_fast.json"), "14_interrupt_fast")
    (cut,) = m.interruptions.faults
    assert cut.seconds == pytest.approx(2.5, abs=0.01)
    assert cut.evidence[1].text == "这个您不用担心，运费我们来承担。"
    (fast,) = m.speech_rate.faults
    assert (
        fast.evidence[0].text.startswith("退货流程是这样的")
        and fast.value > 1.5 * m.speech_rate.median
    )
    (dead,) = m.dead_air.faults
    assert (
        dead.seconds == pytest.approx(7.0, abs=0.01)
        and dead.evidence[0].text == "那退款多久能到账？"
    )


@pytest.fixture(scope="module")
def reviewer():
    from callreview.review import Reviewer
    from callreview.settings import Settings

    return Reviewer(Settings())


@pytest.mark.model
@pytest.mark.parametrize("slug", THROUGH_THE_MODEL)
def test_sample_metrics_through_the_model_agree_with_the_script_timings(reviewer, slug):
    script = measured(Transcript.load(SAMPLES / "truth" / f"{slug}.json"), slug)
    heard = measured(reviewer.transcript(SAMPLES / f"{slug}.flac"), slug)
    assert heard.speech_rate.median == pytest.approx(script.speech_rate.median, rel=0.15)
    assert heard.dead_air.total_s == pytest.approx(script.dead_air.total_s, abs=1.0)
    assert counts(heard) == counts(script)
    assert heard.talk_ratio.agent_share == pytest.approx(script.talk_ratio.agent_share, abs=5)
