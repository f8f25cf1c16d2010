"""A recording's copy with its masked stretches silenced: what ``export --html --redact-audio``
puts beside the report instead of linking the recording itself.

The stretches are the redactions' times (from the word timings where the transcript has them),
widened by :data:`PAD_S` each side: a word's timing is Whisper's guess to a few hundredths.
Every channel is silenced, so neither party's channel carries the number either.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import soundfile as sf

from callreview.asr.audio import SAMPLE_RATE, load_audio
from callreview.privacy import Redaction

PAD_S = 0.25
"""Seconds silenced before and after each masked stretch."""


def masked_wav(recording: Path, redactions: Iterable[Redaction]) -> bytes:
    """``recording`` decoded, each masked stretch silenced, as a 16-bit WAV at 16 kHz."""
    audio = load_audio(recording)
    frames = np.stack(audio.channels, axis=1)
    for r in redactions:
        lo = max(0, int((r.start - PAD_S) * SAMPLE_RATE))
        hi = min(len(frames), int(np.ceil((r.end + PAD_S) * SAMPLE_RATE)))
        frames[lo:hi] = 0.0
    out = io.BytesIO()
    sf.write(out, frames, SAMPLE_RATE, format="WAV", subtype="PCM_16")
    return out.getvalue()
