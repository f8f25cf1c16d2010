"""The web app's player for a call recorded as two leg files: one WAV with both legs, the
agent's on the left and the customer's on the right (heard mixed, told apart by ear); and a
telephone codec browsers do not play (AMR) served as WAV too. Through the real app
(TestClient) over a real store."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest
from fixtures.web_client import logged_in
from test_codecs import amr_nb
from test_legs import STEREO, split

from callreview.asr.audio import file_digest, load_audio
from callreview.asr.legs import legs_digest
from callreview.web.recordings import playable

pytest_plugins = ["fixtures.web_app"]  # the web fixture: a filled store behind the real app


def as_wav(data: bytes) -> tuple[int, int, np.ndarray]:
    with wave.open(io.BytesIO(data)) as source:
        frames = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
        return source.getnchannels(), source.getframerate(), frames


def test_a_two_leg_call_plays_both_legs_agent_left(web, tmp_path):
    make, store, _, _ = web
    agent, customer = split(STEREO, tmp_path / "c-in.wav", tmp_path / "c-out.wav")
    sha = legs_digest((agent, customer))
    call = store.register(sha, agent)
    store.register(sha, customer)
    response = logged_in(make, "rita").get(f"/audio/{call}")
    assert (response.status_code, response.headers["content-type"]) == (200, "audio/wav")
    channels, rate, frames = as_wav(response.content)
    stereo = load_audio(STEREO)
    assert (channels, rate) == (2, 16000)
    left, right = frames[0::2] / 32767, frames[1::2] / 32767
    assert np.abs(left - stereo.channels[0]).max() < 1e-3  # the agent's leg on the left
    assert np.abs(right - stereo.channels[1]).max() < 1e-3


def test_an_amr_call_plays_as_wav_and_a_flac_as_it_is(web, tmp_path):
    make, store, _, _ = web
    amr = amr_nb(tmp_path / "call.amr", frames=150)  # 3 s
    call = store.register(file_digest(amr), amr)
    response = logged_in(make, "rita").get(f"/audio/{call}")
    assert (response.status_code, response.headers["content-type"]) == (200, "audio/wav")
    channels, rate, frames = as_wav(response.content)
    assert (channels, rate) == (1, 16000) and len(frames) == pytest.approx(48000, abs=1600)
    assert playable(file_digest(STEREO), [STEREO]) is None  # a browser plays FLAC: served as is


def test_two_copies_of_one_file_are_not_taken_for_legs(tmp_path):
    first, second = split(STEREO, tmp_path / "a.wav", tmp_path / "b.wav")
    copy = tmp_path / "copy.wav"
    copy.write_bytes(first.read_bytes())
    assert playable(file_digest(first), [first, copy]) is None
    assert playable(legs_digest((first, second)), [second, first]) is not None
