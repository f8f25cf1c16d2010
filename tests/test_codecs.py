"""Telephone codecs as recorders write them: AMR-NB/WB, GSM 6.10, G.729, IMA-ADPCM and μ/A-law WAV
are found by ``batch`` and ``watch`` and decoded.

Each fixture is made in the test. Where PyAV has the encoder (IMA-ADPCM, μ-law, A-law; AMR-NB
in PyAV 12's and 18's wheels, not 19's) a tone is encoded and must come back as that tone. PyAV's wheels
carry no encoder for AMR-WB, GSM 6.10 or G.729, and PyAV 19's none for AMR-NB:
for those the test writes valid frames by hand (their decoders, in every wheel, accept any payload
bits) and checks the decode's length and rate. A folder of AMR calls is scored by the real
``batch`` and ``watch`` (``model``; it needs the AMR-NB encoder to make speech).
"""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from pathlib import Path

import av
import numpy as np
import pytest
from conftest import SAMPLES
from test_channel_auto import read_channels

from callreview.asr.audio import SAMPLE_RATE, load_audio
from callreview.jobs.discover import discover
from callreview.jobs.watch import DEFAULT_PATTERNS, wanted
from callreview.store import open_store

RATE = 8000
TONE_HZ = 440.0


def tone(seconds: float = 2.0, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32)


def encode(path: Path, codec: str, fmt: str, samples: np.ndarray, rate: int = RATE) -> Path:
    """``samples`` (mono float32 at ``rate``) through PyAV's ``codec`` into ``path``."""
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = rate
        resampler = av.AudioResampler(
            format=stream.codec_context.codec.audio_formats[0].name, layout="mono", rate=rate
        )
        for piece in resampler.resample(frame):
            for packet in stream.encode(piece):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def has_encoder(codec: str, mode: str = "w") -> bool:
    try:
        av.codec.Codec(codec, mode)
    except Exception:
        return False
    return True


AMR_NB = "libopencore_amrnb"
"""The AMR-NB encoder: in PyAV 12's and 18's wheels, not in 19's."""
ENCODED = {  # file name: (PyAV encoder, container)
    "ima_adpcm.wav": ("adpcm_ima_wav", "wav"),
    "mulaw.wav": ("pcm_mulaw", "wav"),
    "alaw.wav": ("pcm_alaw", "wav"),
    **({"call.amr": (AMR_NB, "amr")} if has_encoder(AMR_NB) else {}),
}
NO_ENCODER = ("libvo_amrwbenc", "libgsm", "libgsm_ms", "g729")
"""Encoders PyAV's wheels lack: AMR-WB, GSM 6.10 (raw and in WAV), G.729."""
DECODERS = ("amrnb", "amrwb", "gsm", "gsm_ms", "g729", "adpcm_ima_wav", "pcm_mulaw", "pcm_alaw")
"""FFmpeg's own decoders for every codec here, in every PyAV wheel."""
needs_amr_encoder = pytest.mark.skipif(
    not has_encoder(AMR_NB), reason=f"this PyAV {av.__version__} wheel has no AMR-NB encoder"
)

rng = np.random.default_rng(35)


def gsm_raw(path: Path, frames: int = 100) -> Path:
    """Raw GSM 6.10 (``.gsm``, Asterisk's ``gsm`` format): 33-byte frames, 20 ms each, every one
    opening with the 0xD signature nibble."""
    data = rng.integers(0, 256, (frames, 33), dtype=np.uint8)
    data[:, 0] = (data[:, 0] & 0x0F) | 0xD0
    path.write_bytes(data.tobytes())
    return path


def gsm_wav(path: Path, blocks: int = 50) -> Path:
    """GSM 6.10 in WAV (Microsoft's WAV49, Asterisk's ``wav49``): format 0x31, 65-byte blocks of
    320 samples."""
    data = rng.integers(0, 256, blocks * 65, dtype=np.uint8).tobytes()
    fmt = (
        (0x31).to_bytes(2, "little")
        + (1).to_bytes(2, "little")
        + RATE.to_bytes(4, "little")
        + (1625).to_bytes(4, "little")
        + (65).to_bytes(2, "little")
        + (0).to_bytes(2, "little")
        + (2).to_bytes(2, "little")
        + (320).to_bytes(2, "little")
    )
    fact = b"fact" + (4).to_bytes(4, "little") + (blocks * 320).to_bytes(4, "little")
    body = b"WAVE" + b"fmt " + len(fmt).to_bytes(4, "little") + fmt + fact
    body += b"data" + len(data).to_bytes(4, "little") + data
    path.write_bytes(b"RIFF" + len(body).to_bytes(4, "little") + body)
    return path


def g729_raw(path: Path, frames: int = 200) -> Path:
    """Raw G.729 (``.g729``): 10-byte frames of 10 ms."""
    path.write_bytes(rng.integers(0, 256, frames * 10, dtype=np.uint8).tobytes())
    return path


def amr_nb(path: Path, frames: int = 100) -> Path:
    """AMR-NB storage format (``.amr``): the magic line, then 20 ms frames at 12.2 kbit/s (a
    table-of-contents byte, 31 bytes of speech bits)."""
    toc = bytes([(7 << 3) | 0x04])
    body = b"".join(toc + rng.integers(0, 256, 31, dtype=np.uint8).tobytes() for _ in range(frames))
    path.write_bytes(b"#!AMR\n" + body)
    return path


def amr_wb(path: Path, frames: int = 100) -> Path:
    """AMR-WB storage format (``.awb``): the magic line, then 20 ms frames at 12.65 kbit/s (a
    table-of-contents byte, 32 bytes of speech bits)."""
    toc = bytes([(2 << 3) | 0x04])
    body = b"".join(toc + rng.integers(0, 256, 32, dtype=np.uint8).tobytes() for _ in range(frames))
    path.write_bytes(b"#!AMR-WB\n" + body)
    return path


HAND_MADE = {  # file name: (writer, seconds, source rate)
    "call.gsm": (gsm_raw, 2.0, 8000),
    "wav49.wav": (gsm_wav, 2.0, 8000),
    "call.g729": (g729_raw, 2.0, 8000),
    "call.awb": (amr_wb, 2.0, 16000),
    "frames.amr": (amr_nb, 2.0, 8000),
}


def peak_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(len(samples), 1 / SAMPLE_RATE)[int(spectrum.argmax())])


@pytest.fixture
def codec_folder(tmp_path) -> Path:
    """One file of each codec, the encoded ones a 440 Hz tone."""
    folder = tmp_path / "recorder"
    folder.mkdir()
    for name, (codec, fmt) in ENCODED.items():
        encode(folder / name, codec, fmt, tone())
    for name, (write, _, _) in HAND_MADE.items():
        write(folder / name)
    return folder


def test_pyav_decodes_every_codec_and_has_the_encoders_these_fixtures_use():
    """If a later PyAV wheel gains one of the missing encoders, encode that fixture instead."""
    assert [codec for codec in DECODERS if not has_encoder(codec, "r")] == []
    assert {"ima_adpcm.wav", "mulaw.wav", "alaw.wav"} <= set(ENCODED)
    assert not any(has_encoder(codec) for codec in NO_ENCODER)


@pytest.mark.parametrize("name", sorted(ENCODED))
def test_an_encoded_codec_decodes_to_the_tone_it_carries(codec_folder, name):
    recording = load_audio(codec_folder / name)
    assert recording.source_rate == RATE
    assert len(recording.channels) == 1
    assert recording.duration_s == pytest.approx(2.0, abs=0.1)
    assert peak_hz(recording.channels[0]) == pytest.approx(TONE_HZ, abs=5)


@pytest.mark.parametrize("name", sorted(HAND_MADE))
def test_a_codec_without_an_encoder_decodes_hand_made_frames(codec_folder, name):
    _, seconds, rate = HAND_MADE[name]
    recording = load_audio(codec_folder / name)
    assert recording.source_rate == rate
    assert recording.duration_s == pytest.approx(seconds, abs=0.1)


def test_batch_discovers_every_codec_in_a_folder(codec_folder):
    found = sorted(job.path.name for job in discover([codec_folder]))
    assert found == sorted([*ENCODED, *HAND_MADE])


def test_watch_takes_every_codec_by_its_default_patterns(codec_folder):
    for name in [*ENCODED, *HAND_MADE]:
        assert wanted(codec_folder / name, codec_folder, DEFAULT_PATTERNS), name
    assert not wanted(codec_folder / "notes.txt", codec_folder, DEFAULT_PATTERNS)


def test_the_wav_fixtures_are_the_codecs_they_are_named_for(codec_folder):
    tags = {"ima_adpcm.wav": 0x11, "mulaw.wav": 0x07, "alaw.wav": 0x06, "wav49.wav": 0x31}
    for name, tag in tags.items():
        head = (codec_folder / name).read_bytes()[:64]
        at = head.index(b"fmt ") + 8
        assert int.from_bytes(head[at : at + 2], "little") == tag, name
    with pytest.raises(wave.Error):  # not PCM: Python's own wave module refuses them
        wave.open(str(codec_folder / "mulaw.wav")).close()


# --- a folder of AMR calls through the model ------------------------------------------


def amr_call(source: Path, target: Path) -> Path:
    """A stereo sample call as a mobile recorder keeps it: one mono AMR-NB track (both voices)."""
    samples, rate = read_channels(source)
    return encode(
        target,
        AMR_NB,
        "amr",
        (samples.mean(axis=0) / 32768.0).astype(np.float32),
        rate,
    )


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["nice", sys.executable, "-m", "callreview", *args],
        cwd=cwd,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.model
@needs_amr_encoder
def test_a_folder_of_amr_calls_is_scored_by_batch_and_by_watch(tmp_path, bundled_model):
    folder = tmp_path / "amr"
    folder.mkdir()
    for name in ("09_no_closing", "03_bare_wei"):
        amr_call(SAMPLES / f"{name}.flac", folder / f"{name}.amr")
    done = run("batch", str(folder), "--db", str(tmp_path / "batch.db"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2 scored, 0 already scored, 0 failed" in done.stdout + done.stderr
    watched = run(
        "watch", str(folder), "--once", "--settle", "0", "--db", str(tmp_path / "watch.db"),
        cwd=tmp_path,
    )  # fmt: skip
    assert watched.returncode == 0, watched.stderr
    assert "done: 2 scored" in watched.stdout
    with open_store(str(tmp_path / "batch.db")) as store:
        calls = store.calls()
        assert sorted(Path(c.path).name for c in calls) == ["03_bare_wei.amr", "09_no_closing.amr"]
        assert all(c.state == "scored" for c in calls)
