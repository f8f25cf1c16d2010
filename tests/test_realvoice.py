"""A few real-voice calls (realvoice/) end to end through the bundled model: rendered from the
corpus in ../shared/realvoice, transcribed, checked — every item as the truth says, no
forbidden hit on the real agent's correct sentences, the holds found by their silence."""

from __future__ import annotations

import sys

import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "tools"))
import build_realvoice_calls as calls  # noqa: E402
import realvoice_audio as rv  # noqa: E402
from fixtures.calls import lexicon, scorecard  # noqa: E402

from callreview.qc.checklist import CallInfo, check_transcript  # noqa: E402

SLUGS = ["03_asked_finance", "06_trap_insurance", "11_two_insurance"]


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    root = rv.realvoice_root()
    if not (root / "transcripts.json").is_file():  # a licensed corpus beside the repo, not in it
        pytest.skip(f"{root}: the real-voice corpus is not there (set {rv.ENV_ROOT})")
    monkeypatch.setenv(rv.ENV_CACHE, str(tmp_path))
    return root


@pytest.mark.model
@pytest.mark.parametrize("slug", SLUGS)
def test_real_voice_call_scores_as_its_truth(corpus, transcriber, slug, tmp_path):
    script = calls.load(calls.CALLS / f"{slug}.toml")
    transcript = transcriber.transcribe_file(
        calls.render_call(calls.CALLS / f"{slug}.toml", tmp_path / "truth")
    )
    rendered = (tmp_path / "truth" / f"{slug}.json").read_text(encoding="utf-8")
    assert rendered == (calls.TRUTH / f"{slug}.json").read_text(encoding="utf-8")  # kept fresh
    review = check_transcript(transcript, lexicon(), scorecard(), CallInfo()).to_dict()
    expected = script["expected"]
    got = {
        item: review["items"][item]["status"]
        for item in calls.expected([])
        if item in review["items"]
    }
    assert got == {k: expected[k] for k in got}
    assert review["items"]["forbidden"]["hits"] == []
    assert len(review["items"]["hold"].get("holds", [])) == len(expected["holds"])
