"""Shared fixtures. Tests that load the real Whisper model carry ``@pytest.mark.model``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "audio_samples"
sys.path.insert(0, str(REPO / "bench"))  # bench/metrics.py: the CER the transcription tests measure


def pytest_collection_modifyitems(config, items):
    """Mark what needs a service: ``postgres`` (the throwaway server), ``browser`` (Chromium and node),
    so a tier without them runs ``-m "not postgres and not browser"``."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = callspec.params.values() if callspec else ()
        if "postgres_url" in item.fixturenames or "postgresql" in params:
            item.add_marker(pytest.mark.postgres)
        if item.path.name == "test_web_browser.py":
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    """Each test gets its own transcript cache; the assembled model is shared across the session."""
    monkeypatch.setenv("CALLREVIEW_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def bundled_model(tmp_path_factory):
    """The real default model, assembled once per test session (as a user's first run does) into
    the tests' own cache, never the user's ``~/.cache``."""
    from callreview.asr.model import resolve_model

    with pytest.MonkeyPatch.context() as env:
        env.setenv("CALLREVIEW_CACHE", str(tmp_path_factory.mktemp("model-cache")))
        return resolve_model(None)


def in_ci() -> bool:
    """Whether this run is CI's (``CI=true`` or ``CI=1``), where a missing service fails a test
    instead of skipping it; ``CI=false`` or ``CI=0`` is a developer's run."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


@pytest.fixture(scope="session")
def transcriber(bundled_model, tmp_path_factory):
    from callreview.asr.transcribe import TranscribeOptions, Transcriber

    return Transcriber(
        bundled_model, TranscribeOptions(), cache_dir=tmp_path_factory.mktemp("shared-cache")
    )


@pytest.fixture
def stereo_tone(tmp_path) -> Path:
    """A valid 3-second stereo 8 kHz FLAC with different tones left and right."""
    sr = 8000
    t = np.arange(sr * 3) / sr
    path = tmp_path / "tone.flac"
    sf.write(
        path,
        np.stack([0.3 * np.sin(2 * np.pi * 440 * t), 0.2 * np.sin(2 * np.pi * 300 * t)], 1),
        sr,
    )
    return path


def write_wav(path: Path, frames: np.ndarray, sr: int = 8000) -> Path:
    sf.write(path, frames, sr)
    return path


# --- the results store, on both backends ------------------------------------------

PG_ENV = "CALLREVIEW_TEST_PG"


def postgres_admin_url() -> str:
    """The throwaway server `.ci/run` starts (tools/pg_throwaway.sh). In CI a missing server fails
    the PostgreSQL tests; on a developer's machine without one they are skipped."""
    url = os.environ.get(PG_ENV)
    if not url:
        message = f'${PG_ENV} is not set: start a server with eval "$(tools/pg_throwaway.sh start /tmp/callreview-pg)"'
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture
def postgres_url(request) -> str:
    """A new, empty PostgreSQL database on the throwaway server, dropped after the test."""
    import uuid

    import psycopg

    admin = postgres_admin_url()
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    base, _, _ = admin.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """The same test against an SQLite file and a real PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "callreview.db")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def fresh_store(store_url):
    """An open, empty store on each backend."""
    from callreview.store import open_store

    with open_store(store_url) as store:
        yield store
