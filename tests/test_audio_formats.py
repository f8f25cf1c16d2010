"""callreview's loader decodes FLAC, WAV and MP3 to the samples soundfile reads, on the installed PyAV;
an audio library that fails in an unexpected way gives the file's one-line error, never an
internal error."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from callreview.asr import audio
from callreview.asr.audio import SAMPLE_RATE, load_audio
from callreview.cli import app
from callreview.errors import AudioError

runner = CliRunner()


def _speechlike(seconds: float = 1.5) -> np.ndarray:
    """Two channels of a few tones under an envelope: the agent on the left, the customer on the right."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)
    left = 0.3 * envelope * np.sin(2 * np.pi * 220 * t)
    right = 0.2 * envelope * (np.sin(2 * np.pi * 330 * t) + 0.5 * np.sin(2 * np.pi * 990 * t))
    return np.stack([left, right], axis=1)


@pytest.mark.parametrize(
    ("suffix", "subtype", "tolerance"),
    [
        ("flac", "PCM_16", 1e-6),  # lossless: the same samples
        ("wav", "PCM_16", 1e-6),
        ("wav", "FLOAT", 1e-7),
        ("mp3", "MPEG_LAYER_III", 0.02),  # two MP3 decoders agree to rounding, not to the bit
    ],
)
def test_loader_reads_what_soundfile_reads(tmp_path, suffix, subtype, tolerance):
    if subtype not in sf.available_subtypes(suffix.upper() if suffix != "mp3" else "MP3"):
        pytest.skip(f"this libsndfile cannot write {suffix} {subtype}")
    path = tmp_path / f"call.{suffix}"
    sf.write(path, _speechlike(), SAMPLE_RATE, subtype=subtype)
    expected, rate = sf.read(path, dtype="float32", always_2d=True)
    assert (
        rate == SAMPLE_RATE
    )  # at Whisper's rate the loader must not resample: samples compare 1:1

    recording = load_audio(path)

    assert len(recording.channels) == 2
    assert recording.source_rate == SAMPLE_RATE
    for channel, want in zip(recording.channels, expected.T):
        got = channel[: len(want)]
        if suffix == "mp3":  # decoders may differ in the encoder delay they trim: align first
            got, want = _aligned(channel, want)
        assert len(got) == len(want)
        assert float(np.max(np.abs(got - want))) <= tolerance
    assert abs(len(recording.channels[0]) - len(expected)) <= (1152 if suffix == "mp3" else 0)


def _aligned(
    got: np.ndarray, want: np.ndarray, max_lag: int = 2400
) -> tuple[np.ndarray, np.ndarray]:
    """The two signals shifted to the lag where they differ least, cut to their common length."""
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for lag in range(-max_lag, max_lag + 1):
        a, b = (got[lag:], want) if lag >= 0 else (got, want[-lag:])
        n = min(len(a), len(b)) - 4000  # leave the tails: one decoder may pad the last frame
        err = float(np.max(np.abs(a[1000:n] - b[1000:n])))
        if best is None or err < best[0]:
            best = (err, a[1000:n], b[1000:n])
    assert best is not None
    return best[1], best[2]


def test_a_tag_that_is_not_utf8_does_not_stop_the_call(tmp_path):
    """A recorder that writes its tags in GBK: every PyAV release must still decode the audio."""
    path = tmp_path / "tagged.wav"
    sf.write(path, _speechlike(), SAMPLE_RATE, subtype="PCM_16")
    title = "坐席录音".encode("gbk")  # not UTF-8
    info = b"INFO" + b"INAM" + len(title).to_bytes(4, "little") + title
    chunk = b"LIST" + len(info).to_bytes(4, "little") + info
    data = bytearray(path.read_bytes() + chunk)
    data[4:8] = (len(data) - 8).to_bytes(4, "little")
    path.write_bytes(bytes(data))

    recording = load_audio(path)

    assert len(recording.channels) == 2
    assert recording.duration_s == pytest.approx(1.5, abs=0.01)


def test_an_unexpected_library_failure_is_the_files_one_line_error(tmp_path, monkeypatch):
    """A defect of the audio library (a TypeError, say) names the file and the reason; the batch goes on."""
    bad = tmp_path / "bad.wav"
    sf.write(bad, _speechlike(), SAMPLE_RATE)
    import av

    real_open = av.open

    def broken_open(file, *args, **kwargs):
        if str(file).endswith("bad.wav"):
            raise TypeError("open() got an unexpected keyword argument 'something'")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(av, "open", broken_open)

    with pytest.raises(AudioError) as caught:
        load_audio(bad)
    message = str(caught.value)
    assert message.startswith(
        f"{bad}: cannot read it with PyAV {av.__version__} (TypeError: open() got"
    )
    assert "\n" not in message
    assert isinstance(caught.value.__cause__, TypeError)  # kept for --debug

    result = runner.invoke(app, ["transcribe", str(bad), "--debug"])
    assert result.exit_code == 2
    assert "internal error" not in result.output
    assert f"callreview: error: {bad}: cannot read it with PyAV" in result.output
    assert "Traceback" in result.output  # --debug shows what caused it


def test_pyav_without_metadata_errors_is_asked_without_it(tmp_path, monkeypatch):
    """PyAV 19 refuses ``metadata_errors=``: the loader opens the file without it, and remembers."""
    path = tmp_path / "call.flac"
    sf.write(path, _speechlike(), SAMPLE_RATE)
    import av

    real_open = av.open
    calls: list[dict] = []

    def open_19(file, *args, **kwargs):
        calls.append(dict(kwargs))
        if "metadata_errors" in kwargs:
            raise TypeError("open() got an unexpected keyword argument 'metadata_errors'")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(av, "open", open_19)
    monkeypatch.setattr(audio, "_takes_metadata_errors", True)

    assert len(load_audio(path).channels) == 2
    assert len(load_audio(path).channels) == 2
    assert calls == [{"metadata_errors": "ignore"}, {}, {}]
