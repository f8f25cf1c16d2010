"""Decode a recording into per-channel 16 kHz float32 audio, and refuse bad input.

Anything PyAV decodes is accepted (wav, flac, mp3, ogg/opus, m4a, AMR, GSM, G.729 …); 8 kHz
telephone audio is the common case. Stereo recordings carry the agent on one
channel and the customer on the other; mono recordings carry both on one track.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from callreview.asr import clock
from callreview.errors import AudioError, describe

SAMPLE_RATE = 16_000
"""What Whisper reads: every recording is resampled to this rate."""
SILENCE_PEAK = 10 ** (-55 / 20)
"""A channel whose loudest sample stays under -55 dBFS carries nothing to transcribe."""
SAME_MIX = 0.95
"""Two channels correlated at least this much carry one mix, not agent and customer apart."""
AUDIO_HINT = "callreview reads mono or stereo audio files (wav, flac, mp3, ogg, m4a)"


@dataclass(frozen=True)
class Recording:
    """A decoded recording: one float32 array per channel at :data:`SAMPLE_RATE`."""

    path: Path
    channels: tuple[np.ndarray, ...]
    """One array per channel (1 or 2), float32 in [-1, 1], 16 kHz."""
    source_rate: int
    """The sample rate of the file itself (8000 for telephone audio)."""
    channel_correlation: float | None = None
    """Pearson correlation of the two channels (``None`` for mono): near 1, both carry the same
    mix."""

    @property
    def duration_s(self) -> float:
        return len(self.channels[0]) / SAMPLE_RATE

    @property
    def same_mix(self) -> bool:
        """Two channels that carry the same mix of both parties (a recorder that duplicated its
        mono track)."""
        return self.channel_correlation is not None and self.channel_correlation >= SAME_MIX

    @property
    def is_stereo(self) -> bool:
        """Agent and customer on channels of their own; a same-mix two-channel file is not."""
        return len(self.channels) == 2 and not self.same_mix

    @property
    def mono_reason(self) -> str | None:
        """Why the roles are not known from the channels (``None`` for a split stereo call)."""
        if len(self.channels) == 1:
            return "the recording has one channel"
        if self.same_mix:
            return (
                f"both channels carry the same mix (correlation {self.channel_correlation:.2f}); "
                "read as mono"
            )
        return None

    def by_role(self, agent_channel: Literal["left", "right"] = "left") -> dict[str, np.ndarray]:
        """Channels keyed by role: agent/customer for stereo, unknown for mono (a same-mix pair:
        their mean)."""
        if len(self.channels) == 1:
            return {"unknown": self.channels[0]}
        if self.same_mix:
            left, right = self.channels
            return {"unknown": (left + right) * np.float32(0.5)}
        left, right = self.channels
        return (
            {"agent": left, "customer": right}
            if agent_channel == "left"
            else {"agent": right, "customer": left}
        )


def load_audio(path: str | Path) -> Recording:
    """Decode ``path``; raise :class:`AudioError` (one line: what, which file, how to fix) on bad
    input."""
    with clock.timed("audio decode"):
        return _decode(Path(path))


def _decode(path: Path) -> Recording:
    check_file(path)
    import av  # late: PyAV is heavy to import and only needed here

    try:
        with _open_container(av, path) as container:
            if not container.streams.audio:
                raise AudioError(f"{path}: has no audio stream; {AUDIO_HINT}")
            stream = container.streams.audio[0]
            n_channels = stream.codec_context.channels or len(stream.layout.channels)
            if n_channels > 2:
                raise AudioError(
                    f"{path}: has {n_channels} channels; callreview reads mono or stereo "
                    "(agent/customer) calls — "
                    f"mix it down first, e.g. `ffmpeg -i {path.name} -ac 2 out.flac`"
                )
            source_rate = stream.codec_context.sample_rate or stream.rate or 0
            layout = "stereo" if n_channels == 2 else "mono"
            resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
            # Decode straight into one buffer sized from the container's duration: collecting
            # frames and concatenating them would hold the whole call twice at the peak.
            expected = int((container.duration or 0) / 1_000_000 * SAMPLE_RATE) + SAMPLE_RATE
            buffer = _Buffer(n_channels, expected)
            for frame in container.decode(stream):
                frame.pts = None  # resample by sample count, not timestamps (robust to broken pts)
                for out in resampler.resample(frame):
                    buffer.append(out.to_ndarray())
            for out in resampler.resample(None):
                buffer.append(out.to_ndarray())
    except AudioError:
        raise
    except (av.error.FFmpegError, ValueError, OSError, IndexError) as err:
        reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
        raise AudioError(f"{path}: cannot be decoded as audio ({reason}); {AUDIO_HINT}") from None
    except Exception as err:  # an audio library's own defect: still this file's one-line error
        raise AudioError(
            f"{path}: cannot read it with PyAV {av.__version__} ({describe(err)}); "
            "convert it to FLAC or WAV, or rerun with --debug for the traceback and report it"
        ) from err

    samples = buffer.samples()
    if samples.shape[1] == 0:
        raise AudioError(
            f"{path}: contains no audio samples (0 s long); check the recording was saved "
            "completely"
        )
    if samples.shape[1] < SAMPLE_RATE // 10:
        raise AudioError(
            f"{path}: is only {samples.shape[1] / SAMPLE_RATE:.2f} s long; check the recording "
            "was saved completely"
        )
    channels = tuple(np.ascontiguousarray(samples[i]) for i in range(samples.shape[0]))
    if all(
        max(float(c.max()), -float(c.min())) < SILENCE_PEAK for c in channels
    ):  # no |c| temporary
        raise AudioError(
            f"{path}: is silent (no channel rises above -55 dBFS); check the recording and its "
            "input levels"
        )
    return Recording(
        path=path,
        channels=channels,
        source_rate=int(source_rate),
        channel_correlation=channel_correlation(channels),
    )


_takes_metadata_errors = True
"""Whether the installed PyAV takes ``metadata_errors=`` (up to 18; 19 always decodes tags
leniently); set False on the first refusal."""


def _open_container(av: Any, path: Path) -> Any:
    """``av.open`` for reading, with tags that are not UTF-8 tolerated on every PyAV release.

    PyAV 18 and earlier fail on such tags unless told ``metadata_errors="ignore"``; PyAV 19
    removed the argument (its tags decode with ``surrogateescape``). What the installed
    release accepts is learned on the first open and kept.
    """
    global _takes_metadata_errors
    if _takes_metadata_errors:
        try:
            return av.open(str(path), metadata_errors="ignore")
        except TypeError as err:
            if "metadata_errors" not in str(err):
                raise
            _takes_metadata_errors = False
    return av.open(str(path))


def channel_correlation(channels: tuple[np.ndarray, ...]) -> float | None:
    """Pearson correlation of two channels (``None`` for one, or for a silent channel)."""
    if len(channels) != 2:
        return None
    left, right = channels
    n = len(left)
    sums = np.zeros(5)  # Σl, Σr, Σll, Σrr, Σlr, in blocks: no float64 copy of a whole long call
    for at in range(0, n, 1 << 20):
        a, b = (
            left[at : at + (1 << 20)].astype(np.float64),
            right[at : at + (1 << 20)].astype(np.float64),
        )
        sums += (a.sum(), b.sum(), a @ a, b @ b, a @ b)
    sl, sr, sll, srr, slr = sums
    var_l, var_r = sll - sl * sl / n, srr - sr * sr / n
    if var_l <= 0 or var_r <= 0:
        return None
    return float((slr - sl * sr / n) / np.sqrt(var_l * var_r))


class _Buffer:
    """A (channels, n) float32 array filled frame by frame, grown by doubling if the estimate was
    short."""

    def __init__(self, channels: int, capacity: int):
        self.data = np.empty((channels, max(capacity, SAMPLE_RATE)), dtype=np.float32)
        self.size = 0

    def append(self, block: np.ndarray) -> None:
        n = block.shape[1]
        if self.size + n > self.data.shape[1]:
            grown = np.empty(
                (self.data.shape[0], max(2 * self.data.shape[1], self.size + n)), dtype=np.float32
            )
            grown[:, : self.size] = self.data[:, : self.size]
            self.data = grown
        self.data[:, self.size : self.size + n] = block
        self.size += n

    def samples(self) -> np.ndarray:
        return self.data[:, : self.size]


def file_digest(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """sha256 of the file's bytes: the audio part of the transcript cache key."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def check_file(path: Path) -> None:
    """Refuse a path that is missing, a folder, unreadable or empty: before any decoding."""
    try:
        if path.is_dir():
            raise AudioError(
                f"{path}: is a folder, not an audio file; pass the recordings inside it"
            )
        size = path.stat().st_size
        with open(path, "rb") as fh:
            fh.read(1)
    except FileNotFoundError:
        raise AudioError(f"{path}: no such file; check the path") from None
    except PermissionError:
        raise AudioError(
            f"{path}: cannot be read (permission denied); check the file's permissions"
        ) from None
    except OSError as err:
        raise AudioError(f"{path}: cannot be read ({err.strerror}); check the file") from None
    if size == 0:
        raise AudioError(f"{path}: is empty (0 bytes); check the recording was saved completely")


def missing_audio(path: Path) -> str | None:
    """Why the recording at ``path`` is not complete yet, or ``None``: a WAV whose header declares
    more sample bytes than the file holds, a FLAC whose last frame ends before the length its
    header declares (a writer that paused mid-call). Cheap: the header, then the end (a seek and
    the last frames, never the whole call). A header that declares no length (0, or the
    0xFFFFFFFF a streaming writer leaves) and other formats count as complete."""
    try:
        suffix = path.suffix.lower()
        if suffix == ".wav":
            return _missing_wav(path)
        if suffix == ".flac":
            return _missing_flac(path)
    except OSError:
        pass  # gone or unreadable: scoring it says so
    return None


def _missing_wav(path: Path) -> str | None:
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None  # not a RIFF WAV: the decoder says what is wrong with it
        size = path.stat().st_size
        while True:
            chunk = fh.read(8)
            if len(chunk) < 8:
                return "its header is not complete yet"
            declared = int.from_bytes(chunk[4:8], "little")
            if chunk[:4] == b"data":
                if declared in (0, 0xFFFFFFFF):
                    return None
                held = size - fh.tell()
                if held < declared:
                    return f"its header declares {declared} bytes of audio, it holds {held}"
                return None
            fh.seek(declared + (declared & 1), 1)


def _missing_flac(path: Path) -> str | None:
    with open(path, "rb") as fh:
        head = fh.read(42)  # "fLaC", a block header, then STREAMINFO's 34 bytes
    if len(head) < 42 or head[:4] != b"fLaC" or head[4] & 0x7F != 0:
        return None
    packed = int.from_bytes(head[18:26], "big")
    rate, declared = packed >> 44, packed & ((1 << 36) - 1)
    if not rate or not declared:
        return None
    import av  # late: PyAV is heavy to import (as in load_audio)

    end = 0.0
    try:
        with _open_container(av, path) as container:
            stream = container.streams.audio[0]
            container.seek(max(0, int((declared / rate - 2.0) / stream.time_base)), stream=stream)
            for frame in container.decode(stream):
                if frame.pts is not None:
                    end = max(end, float(frame.pts * stream.time_base) + frame.samples / rate)
    except (av.error.FFmpegError, ValueError, IndexError):
        pass  # a cut frame at the end: what was decoded before it counts
    held = round(end * rate)
    if held < declared:
        return f"its header declares {declared} samples, it holds {held}"
    return None
