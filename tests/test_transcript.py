"""The transcript JSON: versioned, read back as written, newer versions refused with one line."""

from __future__ import annotations

import json

import pytest
from conftest import SAMPLES

from callreview.errors import TranscriptError
from callreview.transcript import SCHEMA_VERSION, Segment, Transcript, Unheard


def test_a_transcript_json_carries_its_schema_version_and_reads_back_equal():
    transcript = Transcript.load(SAMPLES / "truth" / "01_perfect.json")
    data = json.loads(transcript.to_json())
    assert data["schema"] == SCHEMA_VERSION == 2
    assert Transcript.from_dict(data) == transcript


def test_role_confidence_and_unheard_speech_read_back_as_written():
    seg = Segment("agent", 1.0, 2.0, "您好", "您好", role_confidence=0.62)
    transcript = Transcript(
        "call.flac",
        30.0,
        1,
        "m",
        "zh",
        "mono-separated",
        (seg,),
        unheard=(Unheard("agent", 25.0, 26.5),),
    )
    back = Transcript.from_dict(json.loads(transcript.to_json()))
    assert back == transcript
    assert back.segments[0].role_confidence == 0.62 and back.unheard == (
        Unheard("agent", 25.0, 26.5),
    )
    assert back.mono


def test_a_schema_1_mono_transcript_reads_as_mono_unknown():
    data = json.loads((SAMPLES / "truth" / "01_perfect.json").read_text(encoding="utf-8"))
    data.update(schema=1, roles="mono", channels=1)
    for seg in data["segments"]:
        seg["role"] = "unknown"
    transcript = Transcript.from_dict(data)
    assert transcript.roles == "mono-unknown" and transcript.mono and not transcript.unheard


def test_roles_outside_the_schema_are_refused_with_one_line():
    data = json.loads((SAMPLES / "truth" / "01_perfect.json").read_text(encoding="utf-8"))
    data["roles"] = "quad"
    with pytest.raises(TranscriptError) as err:
        Transcript.from_dict(data, "call.json")
    assert (
        str(err.value)
        == "call.json: 'roles' must be one of stereo, mono-separated, mono-unknown, not 'quad'"
    )


def test_a_transcript_without_a_schema_key_is_read_as_version_1():
    data = json.loads((SAMPLES / "truth" / "01_perfect.json").read_text(encoding="utf-8"))
    data.pop("schema", None)
    assert Transcript.from_dict(data).segments


def test_a_transcript_from_a_newer_callreview_is_refused_with_one_line():
    data = json.loads((SAMPLES / "truth" / "01_perfect.json").read_text(encoding="utf-8"))
    data["schema"] = SCHEMA_VERSION + 1
    with pytest.raises(TranscriptError) as err:
        Transcript.from_dict(data, "call.json")
    assert (
        str(err.value)
        == f"call.json: transcript schema {SCHEMA_VERSION + 1} is newer than this callreview reads ({SCHEMA_VERSION}); upgrade callreview"
    )
