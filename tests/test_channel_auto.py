"""Which channel is the agent's: ``agent_channel = "auto"`` decides from what is said; a fixed
channel the speech contradicts marks the call for review, with the greeting heard there.

The decision and the review it leads to are tested on the sample transcripts (no model); the
whole path, a stereo file with its channels swapped, through the real model (``model``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLES

from callreview.asr.channels import REVIEW_NOTE, agent_side, channel_note
from callreview.errors import SettingsError
from callreview.review import Reviewer
from callreview.settings import call_metadata, load_settings
from callreview.transcript import Transcript

TRUTH = SAMPLES / "truth"
GREETED = sorted(p for p in TRUTH.glob("*.json") if not p.name.startswith("02_"))
"""Every sample call but the one whose agent never greets."""


def swapped(transcript: Transcript) -> Transcript:
    """The same call read with the channels the other way round."""
    other = {"agent": "customer", "customer": "agent"}
    return replace(
        transcript,
        segments=tuple(replace(s, role=other.get(s.role, s.role)) for s in transcript.segments),
    )


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    return Reviewer()


@pytest.mark.parametrize("path", GREETED, ids=lambda p: p.stem)
def test_agent_side_keeps_the_agent_where_the_greeting_is(path, reviewer):
    transcript = Transcript.load(path)
    inbound = "outbound" not in path.name
    assert agent_side(transcript, reviewer.agent_cues, inbound).verdict == "keep"
    check = agent_side(swapped(transcript), reviewer.agent_cues, inbound)
    assert check.verdict == "swap"
    assert all(e.role == "customer" for e in check.evidence)
    assert check.evidence or path.name.startswith("03_")  # 03's agent greets with a bare 喂
    assert "the right channel sounds like the agent" in check.reason


def test_agent_side_is_unsure_of_a_call_whose_agent_never_greets(reviewer):
    transcript = Transcript.load(TRUTH / "02_no_greeting.json")
    check = agent_side(transcript, reviewer.agent_cues)
    assert check.verdict == "unsure"
    assert channel_note(check, auto=True).startswith(REVIEW_NOTE)
    assert not channel_note(check, auto=False).startswith(
        REVIEW_NOTE
    )  # fixed: no evidence of a swap


def test_a_fixed_channel_the_speech_contradicts_is_reviewed_with_the_customers_greeting(reviewer):
    wrong = swapped(Transcript.load(TRUTH / "01_perfect.json"))
    note = channel_note(agent_side(wrong, reviewer.agent_cues), auto=False)
    assert note.startswith(REVIEW_NOTE + "the agent channel set (agent_channel) looks wrong")
    review = reviewer.check(replace(wrong, notes=(note,)))
    assert review.needs_review
    assert {item.status for item in review.items.values()} == {"review"}
    assert review.score is None
    greeting = review.items["greeting"]
    assert greeting.details["reason"] == note[len(REVIEW_NOTE) :]
    assert greeting.evidence[0].role == "customer"
    assert "欢迎致电天霖汽车" in greeting.evidence[0].text


def test_a_transcript_without_a_review_note_is_scored_as_it_reads(reviewer):
    """The note is what marks the call: a hand-made transcript is judged as ever."""
    wrong = swapped(Transcript.load(TRUTH / "01_perfect.json"))
    review = reviewer.check(wrong)
    assert review.items["greeting"].status == "fail"


def test_the_channel_note_survives_the_transcript_json(tmp_path, reviewer):
    wrong = swapped(Transcript.load(TRUTH / "01_perfect.json"))
    note = channel_note(agent_side(wrong, reviewer.agent_cues), auto=False)
    (tmp_path / "t.json").write_text(replace(wrong, notes=(note,)).to_json(), encoding="utf-8")
    again = Transcript.load(tmp_path / "t.json")
    assert again.notes == (note,)
    assert reviewer.check(again).needs_review  # rescore of a stored transcript keeps the review
    plain = Transcript.load(TRUTH / "01_perfect.json")
    assert "notes" not in plain.to_dict()  # no notes: the JSON is as before


def test_agent_channel_auto_is_a_setting_and_a_calls_own(tmp_path):
    assert load_settings(agent_channel="auto").agent_channel == "auto"
    (tmp_path / "c.flac").write_bytes(b"x")
    (tmp_path / "c.toml").write_text('agent_channel = "auto"\n', encoding="utf-8")
    assert call_metadata(tmp_path / "c.flac") == {"agent_channel": "auto"}
    (tmp_path / "c.toml").write_text('agent_channel = "middle"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="'agent_channel' must be one of left, right, auto"):
        call_metadata(tmp_path / "c.flac")
    with pytest.raises(SettingsError, match="must be one of left, right, auto"):
        load_settings(agent_channel="both")


# --- through the model ---------------------------------------------------------------


def read_channels(source: Path) -> tuple[np.ndarray, int]:
    """The recording's channels as 16-bit samples, one row each, and its rate."""
    import av

    with av.open(str(source)) as container:
        stream = container.streams.audio[0]
        rate, layout = stream.rate, "stereo" if stream.channels == 2 else "mono"
        planar = av.AudioResampler(format="s16p", layout=layout, rate=rate)
        frames = [out.to_ndarray() for f in container.decode(stream) for out in planar.resample(f)]
    return np.concatenate(frames, axis=1), rate


def swap_channels(source: Path, target: Path) -> Path:
    """``source`` with its left and right channels exchanged, as 16-bit PCM WAV."""
    samples, rate = read_channels(source)
    return write_pcm(target, samples[::-1], rate)


def write_pcm(path: Path, channels: np.ndarray, rate: int) -> Path:
    import av

    with av.open(str(path), "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=rate)
        layout = "stereo" if channels.shape[0] == 2 else "mono"
        stream.layout = layout
        frame = av.AudioFrame.from_ndarray(  # a layout's name: PyAV 12 takes no layout object
            np.ascontiguousarray(channels.T.reshape(1, -1)), format="s16", layout=layout
        )
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def score_json(*args: str, cwd: Path) -> dict:
    out = subprocess.run(
        ["nice", sys.executable, "-m", "callreview", "score", *args, "--json", "-"],
        cwd=cwd,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode in (0, 3), out.stderr  # 3: a call marked for review
    return json.loads(out.stdout)


def checklist(result: dict) -> dict:
    return {name: item["status"] for name, item in result["items"].items()} | {
        "score": result["score"]
    }


@pytest.mark.model
def test_swapped_stereo_auto_gives_the_originals_checklist_and_fixed_left_is_reviewed(
    tmp_path, bundled_model
):
    original = SAMPLES / "09_no_closing.flac"
    flipped = swap_channels(original, tmp_path / "09_swapped.wav")
    first = score_json(str(original), cwd=tmp_path)
    auto = score_json(str(flipped), "--agent-channel", "auto", cwd=tmp_path)
    assert checklist(auto) == checklist(first)
    wrong = score_json(str(flipped), "--agent-channel", "left", cwd=tmp_path)
    assert wrong["needs_review"]
    greeting = wrong["items"]["greeting"]
    assert greeting["status"] == "review"
    assert "looks wrong" in greeting["reason"]
    assert greeting["evidence"] and greeting["evidence"][0]["role"] == "customer"
