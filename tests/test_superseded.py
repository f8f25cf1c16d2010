"""A path's newest audio is its call: an older version scored there (a recording scored while
half written) is ``superseded`` once the newer one is scored, kept with its history and counted
nowhere. Both backends."""

from __future__ import annotations

import pytest
from conftest import SAMPLES

from callreview.review import Reviewer
from callreview.store import CallMeta
from callreview.transcript import Transcript


@pytest.fixture(scope="module")
def reviewed():
    reviewer = Reviewer()
    transcript = Transcript.load(SAMPLES / "truth" / "01_perfect.json")
    return reviewer, transcript, reviewer.check(transcript)


def score(store, reviewed, sha: str, path: str) -> int:
    reviewer, transcript, review = reviewed
    store.register(sha, path, CallMeta())
    claim = store.claim(sha, path).claim
    assert store.complete(
        claim, review, transcript, "key-" + sha[:8], reviewer.engine, reviewer.fingerprint
    )
    return claim.call


def test_a_newer_version_scored_at_the_same_path_supersedes_the_older(fresh_store, reviewed):
    half = score(fresh_store, reviewed, "a" * 64, "/calls/x.wav")
    whole = score(fresh_store, reviewed, "b" * 64, "/calls/x.wav")
    assert fresh_store.call(half).state == "superseded"
    assert len(fresh_store.history(half)) == 1  # its review is kept
    assert [c.id for c in fresh_store.calls(state="scored")] == [whole]
    assert fresh_store.counts().scored == 1
    assert fresh_store.claim("a" * 64, "/calls/x.wav").outcome == "scored"  # not scored again


def test_a_failed_older_version_at_the_path_is_superseded_too(fresh_store, reviewed):
    fresh_store.register("a" * 64, "/calls/x.wav", CallMeta())
    fresh_store.fail(fresh_store.claim("a" * 64, "/calls/x.wav").claim, "/calls/x.wav: bad")
    score(fresh_store, reviewed, "b" * 64, "/calls/x.wav")
    assert fresh_store.call_by_sha("a" * 64).state == "superseded"
    assert fresh_store.counts().failed == 0


def test_audio_also_seen_at_another_path_is_not_superseded(fresh_store, reviewed):
    kept = score(fresh_store, reviewed, "a" * 64, "/calls/x.wav")
    fresh_store.register("a" * 64, "/calls/copy.wav", CallMeta())
    score(fresh_store, reviewed, "b" * 64, "/calls/x.wav")
    assert fresh_store.call(kept).state == "scored"
    assert fresh_store.counts().scored == 2


def test_calls_at_other_paths_are_not_superseded(fresh_store, reviewed):
    score(fresh_store, reviewed, "a" * 64, "/calls/x.wav")
    score(fresh_store, reviewed, "b" * 64, "/calls/y.wav")
    assert [c.state for c in fresh_store.calls()] == ["scored", "scored"]
