"""``export --html --redact-audio``: the report plays a copy of each recording with the masked
stretches silenced on both channels, and links no original."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import soundfile as sf
from conftest import write_wav
from fixtures.personal import personal_call
from test_privacy_outputs import config, run

from callreview.jobs.batch import Job, score_job
from callreview.review import Reviewer
from callreview.store import CallMeta, open_store


def test_the_report_plays_the_recording_with_the_masked_stretches_silenced(tmp_path: Path) -> None:
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
    done = run("export", "--html", "report", "--redact-audio", "--db", db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "report" / f"call-{outcome.call}.html").read_text(encoding="utf-8")
    assert f'src="audio/call-{outcome.call}.wav' in page and "bank_call.wav" not in page
    audio, rate = sf.read(io.BytesIO((tmp_path / "report" / "audio" / "call-1.wav").read_bytes()))
    masks = json.loads(run("score", source.name, "--json", "-", cwd=tmp_path).stdout)["redactions"]
    assert len(masks) == 10
    for m in masks:
        inside = audio[int(m["start"] * rate) : int(m["end"] * rate)]
        assert len(inside) and not inside.any(), m
    assert np.abs(audio[int(2 * rate) : int(3 * rate)]).max() > 0.1  # the greeting plays


def test_redact_audio_needs_the_html_report(tmp_path: Path) -> None:
    done = run("export", "--csv", "x.csv", "--redact-audio", "--db", "x.db", cwd=tmp_path)
    assert done.returncode == 4 and "use it with --html DIR" in done.stderr
