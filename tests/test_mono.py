"""Mono calls on real audio, through the real model: the sample calls mixed down to one channel
are told apart into agent and customer, and an unsure turn sends its item to review."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import SAMPLES

from callreview.asr.speakers import SEPARATOR_VERSION

pytestmark = pytest.mark.model


def mixdown(name: str, folder: Path) -> Path:
    """``audio_samples/<name>.flac`` with both channels mixed into one, as a mono recorder keeps it."""
    frames, sr = sf.read(SAMPLES / f"{name}.flac", dtype="float32")
    path = folder / f"{name}.mono.flac"
    sf.write(path, frames.mean(axis=1), sr)
    return path


def truth_role(name: str, t: float) -> str:
    """The speaker at ``t`` s in the call's script (the nearest turn)."""
    from callreview.transcript import Transcript

    truth = Transcript.load(SAMPLES / "truth" / f"{name}.json")
    return min(
        truth.segments,
        key=lambda s: 0 if s.start <= t <= s.end else min(abs(t - s.start), abs(t - s.end)),
    ).role


@pytest.fixture(scope="module")
def reviewer(bundled_model):
    """No cache: a module fixture is made before the per-test cache is set, and these calls must
    really be transcribed and separated."""
    from callreview.review import Reviewer
    from callreview.settings import Settings

    return Reviewer(Settings(cache=False))


@pytest.fixture(scope="module")
def perfect(reviewer, tmp_path_factory):
    path = mixdown("01_perfect", tmp_path_factory.mktemp("mono"))
    return reviewer.review_file(path)


def test_mono_call_is_separated_word_by_word(perfect):
    transcript = perfect.transcript
    assert transcript.channels == 1 and transcript.roles == "mono-separated"
    assert {s.role for s in transcript.segments} == {"agent", "customer"}
    assert all(s.role_confidence is not None for s in transcript.segments)
    words = [(s.role, (w.start + w.end) / 2) for s in transcript.segments for w in s.words]
    right = sum(role == truth_role("01_perfect", t) for role, t in words)
    assert right / len(words) >= 0.95
    assert perfect.transcript_key.endswith(f"+speakers{SEPARATOR_VERSION}")


def test_mono_call_agent_turns_carry_the_agents_checklist(perfect):
    review = perfect.review
    greeting = review.items["greeting"]
    assert greeting.status == "pass" and {e.role for e in greeting.evidence} == {"agent"}
    assert review.items["closing"].status == "pass"
    assert review.items["customer_name"].details["count"] >= 2


def test_low_confidence_turn_turns_its_item_into_review(reviewer, perfect):
    greeting = perfect.review.items["greeting"]
    first = greeting.evidence[0]
    segments = tuple(
        replace(s, role_confidence=0.4)
        if s.role == "agent" and s.start - 0.05 <= first.start <= s.end + 0.05
        else s
        for s in perfect.transcript.segments
    )
    unsure = reviewer.check(replace(perfect.transcript, segments=segments))
    item = unsure.items["greeting"]
    assert item.status == "review" and item.details["unsure_verdict"] == "pass"
    assert "40%" in item.details["reason"] and unsure.needs_review


def test_customer_forbidden_words_on_a_mono_call_are_not_the_agents(reviewer, tmp_path):
    reviewed = reviewer.review_file(mixdown("08_customer_forbidden_words", tmp_path))
    assert reviewed.transcript.roles == "mono-separated"
    forbidden = reviewed.review.items["forbidden"]
    assert forbidden.status == "pass"
    assert not [e for e in forbidden.evidence if e.role == "agent"]
    heard = [s for s in reviewed.transcript.segments if "不可能" in s.norm]
    assert heard and all(s.role == "customer" for s in heard)


def test_stereo_carrying_the_same_mix_twice_is_separated_as_mono(reviewer, tmp_path):
    frames, sr = sf.read(SAMPLES / "09_no_closing.flac", dtype="float32")
    mix = frames.mean(axis=1)
    path = tmp_path / "dup.flac"
    sf.write(path, np.stack([mix, 0.9 * mix], axis=1), sr)
    reviewed = reviewer.review_file(path)
    transcript = reviewed.transcript
    assert (
        transcript.channels == 2 and transcript.roles == "mono-separated"
    )  # two channels, one mix: said so
    assert {s.role for s in transcript.segments} == {"agent", "customer"}
    assert (
        reviewed.review.items["closing"].status == "fail"
    )  # the customer's 谢谢，再见 is not the agent's closing
