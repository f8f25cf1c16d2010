"""A one-call process's start-up: what the commands import, and the time split ``--debug`` shows."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from conftest import SAMPLES

HEAVY = ("ctranslate2", "faster_whisper", "onnxruntime", "starlette", "av", "pypinyin")
"""The speech stack, the web app and the rules' pinyin: none is needed to print help."""

MODULES_AFTER = """
import json, runpy, sys
sys.argv = ["callreview", *sys.argv[1:]]
try:
    runpy.run_module("callreview", run_name="__main__")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def modules_after(*args: str) -> set[str]:
    """The top-level modules a real ``callreview ARGS`` process has imported when it ends."""
    done = subprocess.run(
        [sys.executable, "-c", MODULES_AFTER, *args], capture_output=True, text=True, timeout=60
    )
    return {name.split(".")[0] for name in json.loads(done.stderr.strip().splitlines()[-1])}


@pytest.mark.parametrize(
    "args", [("--help",), ("transcribe", "--help"), ("score", "--help"), ("serve", "--help")]
)
def test_help_imports_no_speech_stack_and_no_web_app(args):
    assert not modules_after(*args) & set(HEAVY)


def test_transcribe_of_bad_audio_with_no_cache_is_refused_as_bad_audio_before_the_model(tmp_path):
    # the model loads early when every file will be transcribed: a missing one must still be
    # reported where it always was, after the audio is checked
    bad = tmp_path / "call.wav"
    bad.write_bytes(b"not audio at all")
    done = subprocess.run(
        [sys.executable, "-m", "callreview", "transcribe", str(bad), "--no-cache"]
        + ["--model", str(tmp_path / "no-such-model")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"callreview: error: {bad}")


@pytest.mark.model
def test_transcribe_debug_prints_where_the_time_went(bundled_model):
    done = subprocess.run(
        [sys.executable, "-m", "callreview", "transcribe", str(SAMPLES / "09_no_closing.flac")]
        + ["--no-cache", "--debug", "--json", "-", "--model", bundled_model.load_from],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    split = dict(re.findall(r"^callreview: time: (.+?) (?:at )?([\d.]+) s$", done.stderr, re.M))
    for stage in (
        "rules and imports (beside the model)",
        "model load",
        "audio decode",
        "speech detection",
        "decoding (encoder, decoder, word timings)",
        "the command starts",
        "first encoder pass",
        "the command ends",
    ):
        assert stage in split, done.stderr
    seconds = {stage: float(value) for stage, value in split.items()}
    assert (
        seconds["the command starts"] < seconds["first encoder pass"] < seconds["the command ends"]
    )
    # the split says where the time went, never what was said
    said = "".join(s["text"] for s in json.loads(done.stdout)["segments"])
    assert said and not any(ch in done.stderr for ch in said if "\u4e00" <= ch <= "\u9fff")


def test_transcribe_debug_of_a_transcript_json_loads_no_model(tmp_path):
    truth = SAMPLES / "truth" / "09_no_closing.json"
    done = subprocess.run(
        [sys.executable, "-m", "callreview", "score", str(truth), "--no-cache", "--debug"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "time: model load" not in done.stderr
