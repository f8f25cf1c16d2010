"""The transcript JSON: versioned, read back as written, newer versions refused with one line."""

from __future__ import annotations

import json

import pytest

from callreview.errors import TranscriptError
from callreview.transcript import SCHEMA_VERSION, Transcript

from conftest import SAMPLES


def test_a_transcript_json_carries_its_schema_version_and_reads_back_equal():
    transcript = Transcript.load(SAMPLES / "truth" / "01_perfect.json")
    data = json.loads(transcript.to_json())
    assert data["schema"] == SCHEMA_VERSION == 1
    assert Transcript.from_dict(data) == transcript


def test_a_transcript_without_a_schema_key_is_read_as_version_1():
    data = json.loads((SAMPLES / "truth" / "01_perfect.json").read_text(encoding="utf-8"))
    data.pop("schema", None)
    assert Transcript.from_dict(data).segments


def test_a_transcript_from_a_newer_callreview_is_refused_with_one_line():
    data = json.loads((SAMPLES / "truth" / "01_perfect.json").read_text(encoding="utf-8"))
    data["schema"] = SCHEMA_VERSION + 1
    with pytest.raises(TranscriptError) as err:
        Transcript.from_dict(data, "call.json")
    assert str(err.value) == f"call.json: transcript schema {SCHEMA_VERSION + 1} is newer than this callreview reads ({SCHEMA_VERSION}); upgrade callreview"
