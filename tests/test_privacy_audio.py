"""``export --html --redact-audio``: the report plays a copy of each recording with the masked
stretches silenced on both channels, and links no original."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import write_wav
from fixtures.personal import SITE_PATTERNS, personal_call
from fixtures.web_client import logged_in
from test_privacy_outputs import PASSWORD, config, run

from callreview.jobs.batch import Job, score_job
from callreview.privacy import site_patterns
from callreview.qc.scorecard import load_scorecard
from callreview.review import Reviewer
from callreview.store import CallMeta, open_store
from callreview.team.people import People

RULES = site_patterns(SITE_PATTERNS)


@pytest.fixture
def bank_call_audio(tmp_path: Path) -> tuple[str, int, Path]:
    """The bank call scored into a store, its recording beside its transcript: (db, call, json)."""
    transcript = personal_call()
    source = tmp_path / "bank_call.json"
    source.write_text(json.dumps(transcript, ensure_ascii=False), encoding="utf-8")
    config(tmp_path)
    sr = 8000
    t = np.arange(int(sr * transcript["duration_s"])) / sr
    tones = np.stack([0.3 * np.sin(2 * np.pi * 440 * t), 0.2 * np.sin(2 * np.pi * 300 * t)], 1)
    write_wav(tmp_path / "bank_call.wav", tones, sr)
    db = str(tmp_path / "callreview.db")
    with open_store(db) as store:
        outcome = score_job(Reviewer(), store, Job(source, CallMeta(date="2026-11-02")))
        assert outcome.status == "scored"
        People(store).add_user("rita", "reviewer", PASSWORD, None)
    return db, outcome.call, source


def assert_silenced(wav: bytes, source: Path) -> None:
    audio, rate = sf.read(io.BytesIO(wav))
    shown = run("score", source.name, "--json", "-", cwd=source.parent).stdout
    masks = json.loads(shown)["redactions"]
    assert len(masks) == 10
    for m in masks:
        inside = audio[int(m["start"] * rate) : int(m["end"] * rate)]
        assert len(inside) and not inside.any(), m
    assert np.abs(audio[int(2 * rate) : int(3 * rate)]).max() > 0.1  # the greeting plays


def test_the_report_plays_the_recording_with_the_masked_stretches_silenced(
    bank_call_audio: tuple[str, int, Path], tmp_path: Path
) -> None:
    db, call, _source = bank_call_audio
    done = run("export", "--html", "report", "--redact-audio", "--db", db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "report" / f"call-{call}.html").read_text(encoding="utf-8")
    assert f'src="audio/call-{call}.wav' in page and "bank_call.wav" not in page
    assert_silenced((tmp_path / "report" / "audio" / f"call-{call}.wav").read_bytes(), _source)


def test_the_web_app_plays_it_silenced_by_setting(bank_call_audio: tuple[str, int, Path]) -> None:
    from starlette.testclient import TestClient

    from callreview.web.app import create_app

    db, call, source = bank_call_audio
    with open_store(db) as store:
        for redact_audio in (True, False):
            app = create_app(
                store, load_scorecard(None), redaction=RULES, redact_audio=redact_audio
            )
            with TestClient(app, follow_redirects=False) as client:
                web = logged_in(lambda _address: client, "rita")
                audio = web.get(f"/audio/{call}")
                assert audio.status_code == 200
                if redact_audio:
                    assert audio.headers["content-type"] == "audio/wav"
                    assert_silenced(audio.content, source)
                else:
                    assert audio.content == (source.parent / "bank_call.wav").read_bytes()


def test_redact_audio_needs_the_html_report(tmp_path: Path) -> None:
    done = run("export", "--csv", "x.csv", "--redact-audio", "--db", "x.db", cwd=tmp_path)
    assert done.returncode == 4 and "use it with --html DIR" in done.stderr
