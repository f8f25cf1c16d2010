"""Every kind of bad recording is refused with one line: what, which file, how to fix; exit 2; no traceback."""

from __future__ import annotations

import random

import numpy as np
import pytest
from conftest import write_wav
from typer.testing import CliRunner

from callreview.asr.audio import load_audio
from callreview.cli import app
from callreview.errors import AudioError

runner = CliRunner()


def _empty(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    return path


def _zero_length(tmp_path):
    return write_wav(tmp_path / "zero.wav", np.zeros((0, 2)))


def _silent(tmp_path):
    return write_wav(tmp_path / "silent.wav", np.zeros((8000 * 2, 2)))


def _text(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("this is a text file, not audio")
    return path


def _corrupt(tmp_path, stereo_tone=None):
    path = tmp_path / "corrupt.flac"
    # fixed bytes: random ones make the decoder say "End of file" about once in 300 (seen in CI)
    path.write_bytes(b"fLaC" + random.Random(0).randbytes(400))
    return path


def _six_channels(tmp_path):
    return write_wav(tmp_path / "surround.wav", np.full((8000, 6), 0.1))


def _missing(tmp_path):
    return tmp_path / "missing.wav"


def _folder(tmp_path):
    return tmp_path


CASES = [
    (_empty, "{path}: is empty (0 bytes); check the recording was saved completely"),
    (
        _zero_length,
        "{path}: contains no audio samples (0 s long); check the recording was saved completely",
    ),
    (
        _silent,
        "{path}: is silent (no channel rises above -55 dBFS); check the recording and its input levels",
    ),
    (
        _text,
        "{path}: cannot be decoded as audio (Invalid data found when processing input); callreview reads mono or stereo audio files (wav, flac, mp3, ogg, m4a)",
    ),
    (
        _corrupt,
        "{path}: cannot be decoded as audio (Invalid data found when processing input); callreview reads mono or stereo audio files (wav, flac, mp3, ogg, m4a)",
    ),
    (
        _six_channels,
        "{path}: has 6 channels; callreview reads mono or stereo (agent/customer) calls — mix it down first, e.g. `ffmpeg -i surround.wav -ac 2 out.flac`",
    ),
    (_missing, "{path}: no such file; check the path"),
    (_folder, "{path}: is a folder, not an audio file; pass the recordings inside it"),
]


@pytest.mark.parametrize("make, message", CASES, ids=[c[0].__name__.strip("_") for c in CASES])
def test_load_audio_refuses_bad_input_with_one_line(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(AudioError) as caught:
        load_audio(path)
    assert str(caught.value) == message.format(path=path)


@pytest.mark.parametrize("make, message", CASES, ids=[c[0].__name__.strip("_") for c in CASES])
def test_transcribe_command_prints_one_line_and_exits_2(tmp_path, make, message):
    path = make(tmp_path)
    result = runner.invoke(app, ["transcribe", str(path)])
    assert result.exit_code == 2
    assert result.stderr == f"callreview: error: {message.format(path=path)}\n"
    assert "Traceback" not in result.output


def test_unreadable_file_is_refused(tmp_path, monkeypatch, stereo_tone):
    real_open = open

    def deny(file, *args, **kwargs):
        if str(file) == str(stereo_tone):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", deny)
    with pytest.raises(AudioError) as caught:
        load_audio(stereo_tone)
    assert (
        str(caught.value)
        == f"{stereo_tone}: cannot be read (permission denied); check the file's permissions"
    )


def test_a_valid_stereo_file_decodes_to_two_16k_channels(stereo_tone):
    recording = load_audio(stereo_tone)
    assert recording.is_stereo
    assert recording.source_rate == 8000
    assert abs(recording.duration_s - 3.0) < 0.01
    left, right = recording.channels
    assert left.dtype == np.float32 and len(left) == len(right) == 48000
    # the channels stay apart: the left is the louder 440 Hz tone
    assert np.max(np.abs(left)) > np.max(np.abs(right)) > 0.15


def test_mono_recording_is_one_unknown_track(tmp_path):
    t = np.arange(8000 * 2) / 8000
    path = write_wav(tmp_path / "mono.wav", 0.3 * np.sin(2 * np.pi * 440 * t))
    recording = load_audio(path)
    assert not recording.is_stereo
    assert list(recording.by_role("left")) == ["unknown"]


def test_agent_channel_right_swaps_roles(stereo_tone):
    recording = load_audio(stereo_tone)
    left, right = recording.channels
    assert recording.by_role("right")["agent"] is right
    assert recording.by_role("left")["agent"] is left
