"""Shared fixtures. Tests that load the real Whisper model carry ``@pytest.mark.model``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "audio_samples"


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    """Each test gets its own transcript cache; the assembled model is shared across the session."""
    monkeypatch.setenv("CALLREVIEW_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def bundled_model():
    """The real default model, assembled once into the user cache (as a user's first run does)."""
    from callreview.model import resolve_model

    return resolve_model(None)


@pytest.fixture(scope="session")
def transcriber(bundled_model, tmp_path_factory):
    from callreview.transcribe import TranscribeOptions, Transcriber

    return Transcriber(bundled_model, TranscribeOptions(), cache_dir=tmp_path_factory.mktemp("shared-cache"))


@pytest.fixture
def stereo_tone(tmp_path) -> Path:
    """A valid 3-second stereo 8 kHz FLAC with different tones left and right."""
    sr = 8000
    t = np.arange(sr * 3) / sr
    path = tmp_path / "tone.flac"
    sf.write(path, np.stack([0.3 * np.sin(2 * np.pi * 440 * t), 0.2 * np.sin(2 * np.pi * 300 * t)], 1), sr)
    return path


def write_wav(path: Path, frames: np.ndarray, sr: int = 8000) -> Path:
    sf.write(path, frames, sr)
    return path
