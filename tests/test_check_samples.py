"""The bundled sample calls: every scripted transcript gets the checklist its script expects."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fixtures.calls import lexicon, scorecard

from callreview.qc.checklist import CallInfo, check_transcript
from callreview.transcript import Transcript

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SAMPLES = Path(__file__).resolve().parent.parent / "audio_samples"
CALLS = sorted((SAMPLES / "calls").glob("*.toml"))


def checklist(review) -> dict:
    it = review.items
    return {
        "greeting": it["greeting"].status,
        "greeting_parts": {k: p["found"] for k, p in it["greeting"].details["parts"].items()},
        "customer_name": it["customer_name"].status,
        "customer_name_count": it["customer_name"].details.get("count"),
        "hold": it["hold"].status,
        "holds": [
            {"permission": h["permission"], "thanked": h["thanked"]}
            for h in it["hold"].details["holds"]
        ],
        "forbidden": it["forbidden"].status,
        "forbidden_phrases": [h["phrase"] for h in it["forbidden"].details["hits"]],
        "closing": it["closing"].status,
        "closing_parts": {k: p["found"] for k, p in it["closing"].details["parts"].items()},
    }


@pytest.mark.parametrize("told", [False, True], ids=["inferred", "told-names"])
@pytest.mark.parametrize("script", CALLS, ids=[p.stem for p in CALLS])
def test_sample_call_gets_its_expected_checklist(script, told):
    spec = tomllib.loads(script.read_text(encoding="utf-8"))
    info = CallInfo(direction=spec["direction"])
    if told:
        info = CallInfo(
            spec["direction"],
            spec["customer_name"],
            spec["agent_name"] or None,
            (spec["company"],) if spec["company"] else (),
        )
    review = check_transcript(
        Transcript.load(SAMPLES / "truth" / f"{script.stem}.json"), lexicon(), scorecard(), info
    )
    got = checklist(review)
    assert {k: got[k] for k in spec["expected"]} == spec["expected"]
    assert not review.needs_review
