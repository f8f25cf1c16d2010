"""The real-voice corpus (``../shared/realvoice``) as a telephone line hears it.

Shared by ``bench/bench_realvoice.py`` (CER per sentence) and ``tools/build_realvoice_calls.py``
(stereo calls): where the corpus is, its sentences, and the telephone band — 300–3400 Hz,
8 kHz, and a G.711 μ-law file (the round trip happens when callreview decodes it). Everything
made from the audio goes to a cache folder outside the repository (``CALLREVIEW_REALVOICE_CACHE``,
default ``/tmp/callreview_realvoice``): the recordings' licence keeps them out of the project.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
ENV_ROOT = "CALLREVIEW_REALVOICE"
"""Where the corpus is (default: ``../shared/realvoice`` beside the repository)."""
ENV_CACHE = "CALLREVIEW_REALVOICE_CACHE"
"""Where rendered audio, transcripts and results go (default ``/tmp/callreview_realvoice``)."""
RATE = 8000
SPEECH_DBFS = -22.0
"""The agent's speech level on the line (the eval set's agents: −20 to −26 dBFS)."""
LINE_DBFS = -66.0
"""A faint line noise on both channels, so neither is digital silence."""


def realvoice_root() -> Path:
    return Path(os.environ.get(ENV_ROOT) or REPO.parent / "shared" / "realvoice")


def cache_dir() -> Path:
    path = Path(os.environ.get(ENV_CACHE) or "/tmp/callreview_realvoice")
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Sentence:
    id: str
    field: str
    text: str
    file: Path


def sentences(root: Path | None = None) -> dict[str, Sentence]:
    """The corpus's sentences by id; a one-line SystemExit when the corpus is not there."""
    root = root or realvoice_root()
    index = root / "transcripts.json"
    if not index.is_file():
        raise SystemExit(
            f"{index}: not found; put the real-voice corpus there or set {ENV_ROOT} to its folder"
        )
    data = json.loads(index.read_text(encoding="utf-8"))
    return {d["id"]: Sentence(d["id"], d["field"], d["text"], root / d["file"]) for d in data}


def clip_16k(sentence: Sentence) -> np.ndarray:
    """The studio clip, mono float32 at 16 kHz, decoded as callreview decodes any file."""
    from callreview.asr.audio import load_audio  # late: PyAV is heavy and only needed here

    return load_audio(sentence.file).channels[0]


def telephone(audio16k: np.ndarray, dbfs: float = SPEECH_DBFS) -> np.ndarray:
    """16 kHz → the 300–3400 Hz band at 8 kHz, speech at ``dbfs`` RMS.

    The band is cut in the frequency domain with 100 Hz raised-cosine edges (no ringing filter to
    fit); above 3400 Hz nothing is left, so every second sample is 8 kHz without aliasing."""
    x = audio16k.astype(np.float64)
    n = len(x)
    spectrum = np.fft.rfft(x)
    f = np.fft.rfftfreq(n, 1 / 16000)
    gain = np.clip((f - 250) / 100, 0, 1) * np.clip((3450 - f) / 100, 0, 1)
    gain = 0.5 - 0.5 * np.cos(np.pi * gain)
    band = np.fft.irfft(spectrum * gain, n)[::2]
    voiced = band[np.abs(band) > 0.1 * np.max(np.abs(band))] if band.any() else band
    rms = float(np.sqrt(np.mean(voiced**2))) if len(voiced) else 1.0
    out = band * (10 ** (dbfs / 20) / (rms or 1.0))
    peak = float(np.max(np.abs(out))) if len(out) else 0.0
    return out * (0.95 / peak) if peak > 0.95 else out


def line_noise(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n) * 10 ** (LINE_DBFS / 20)


def write_ulaw(left: np.ndarray, right: np.ndarray, out: Path) -> None:
    """A stereo 8 kHz G.711 μ-law WAV (agent LEFT, customer RIGHT), as call recorders write."""
    import av  # late: PyAV is heavy

    n = max(len(left), len(right))
    pcm = np.zeros((n, 2), np.float64)
    pcm[: len(left), 0] = left
    pcm[: len(right), 1] = right
    pcm16 = (np.clip(pcm, -1, 1) * 32767).astype("<i2")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".part.wav")
    with av.open(str(tmp), "w", format="wav", container_options={"fflags": "+bitexact"}) as c:
        stream = c.add_stream("pcm_mulaw", rate=RATE, layout="stereo")
        for i in range(0, n, 4096):
            frame = av.AudioFrame.from_ndarray(
                pcm16[i : i + 4096].reshape(1, -1).copy(), format="s16", layout="stereo"
            )
            frame.sample_rate = RATE
            frame.pts = i
            for packet in stream.encode(frame):
                c.mux(packet)
        for packet in stream.encode(None):
            c.mux(packet)
    tmp.replace(out)


def transcriber():
    """The bundled model with callreview's default settings; transcripts cached in the cache
    folder (rules can be re-scored without the model)."""
    from callreview.asr.model import resolve_model  # late: the model stack is heavy
    from callreview.asr.transcribe import Transcriber

    return Transcriber(resolve_model(None), cache_dir=cache_dir())
