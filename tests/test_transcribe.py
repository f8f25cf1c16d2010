"""Transcription with the real bundled model on the bundled sample calls."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from conftest import SAMPLES
from metrics import cer
from typer.testing import CliRunner

from callreview.asr.segments import split_turns
from callreview.cli import app
from callreview.text import to_simplified
from callreview.transcript import Segment, Transcript, Word

PERFECT = SAMPLES / "01_perfect.flac"
runner = CliRunner()


@pytest.fixture(scope="session")
def perfect_call(transcriber) -> Transcript:
    return transcriber.transcribe_file(PERFECT)


@pytest.mark.model
def test_stereo_call_has_agent_and_customer_turns_in_time_order(perfect_call):
    roles = [s.role for s in perfect_call.segments]
    assert perfect_call.roles == "stereo" and perfect_call.channels == 2
    assert roles[0] == "agent" and "customer" in roles
    starts = [s.start for s in perfect_call.segments]
    assert starts == sorted(starts)
    # turns alternate as in the script: the agent never holds two thirds of the turns in one block
    assert sum(a != b for a, b in zip(roles, roles[1:])) >= len(roles) // 2


@pytest.mark.model
def test_every_turn_has_word_timings_inside_it(perfect_call):
    for seg in perfect_call.segments:
        assert seg.words, seg.text
        assert seg.start <= seg.words[0].start and seg.words[-1].end <= seg.end + 1e-6
        assert all(a.start <= b.start for a, b in zip(seg.words, seg.words[1:]))


@pytest.mark.model
def test_every_word_keeps_the_role_of_its_channel(perfect_call):
    # Both channels' windows are decoded in one batch (and may share windows): a word mapped back to the wrong
    # piece would land in the other role, where its own channel is silent.
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    from callreview.asr.audio import SAMPLE_RATE, load_audio

    channels = load_audio(PERFECT).by_role("left")
    speech = {
        role: [
            (t["start"] / SAMPLE_RATE, t["end"] / SAMPLE_RATE)
            for t in get_speech_timestamps(a, VadOptions())
        ]
        for role, a in channels.items()
    }

    def inside(w, role):
        return any(a - 0.5 <= (w.start + w.end) / 2 <= b + 0.5 for a, b in speech[role])

    words = [(w, s.role) for s in perfect_call.segments for w in s.words]
    own = sum(inside(w, role) for w, role in words)
    assert own >= 0.95 * len(words), [(w.text, role) for w, role in words if not inside(w, role)]


@pytest.mark.model
def test_text_is_simplified(perfect_call):
    for seg in perfect_call.segments:
        assert to_simplified(seg.text) == seg.text


@pytest.mark.model
def test_a_silent_hold_stays_visible_as_a_gap_between_words(perfect_call):
    truth = Transcript.load(SAMPLES / "truth" / "01_perfect.json")
    turns = truth.segments
    hold_start, hold_end = next(
        (a.end, b.start) for a, b in zip(turns, turns[1:]) if b.start - a.end >= 10
    )
    spans = perfect_call.speech_spans()
    gaps = [(a[1], b[0]) for a, b in zip(spans, spans[1:]) if b[0] - a[1] >= 8]
    assert any(g0 <= hold_start + 1.5 and g1 >= hold_end - 1.5 for g0, g1 in gaps), gaps


@pytest.mark.model
def test_same_audio_and_settings_give_the_same_transcript(transcriber, perfect_call):
    again = transcriber.transcribe(transcriber_recording(PERFECT))
    assert again.to_dict() == replace(perfect_call, file=str(PERFECT)).to_dict()


def transcriber_recording(path):
    from callreview.asr.audio import load_audio

    return load_audio(path)


@pytest.mark.model
def test_a_second_transcription_of_the_same_audio_comes_from_the_cache(
    transcriber, perfect_call, monkeypatch, tmp_path
):
    copy = tmp_path / "renamed.flac"
    copy.write_bytes(PERFECT.read_bytes())
    monkeypatch.setattr(
        transcriber, "transcribe", lambda recording: pytest.fail("transcribed again")
    )
    cached = transcriber.transcribe_file(copy)
    assert cached.file == str(copy)  # the cache is keyed by content, the name is the caller's
    assert cached.segments == perfect_call.segments


@pytest.mark.model
def test_agent_channel_cer_on_the_samples_is_at_most_15_percent(transcriber):
    scores = {}
    for truth_path in sorted((SAMPLES / "truth").glob("*.json")):
        truth = Transcript.load(truth_path)
        heard = transcriber.transcribe_file(SAMPLES / f"{truth_path.stem}.flac")
        scores[truth_path.stem] = cer(
            "".join(s.text for s in truth.by_role("agent")),
            "".join(s.text for s in heard.by_role("agent")),
        )
    mean = sum(scores.values()) / len(scores)
    print(f"agent CER per call: {scores}; mean {mean:.1%}")
    assert len(scores) >= 8
    assert mean <= 0.15, scores


@pytest.mark.model
def test_every_script_turn_of_either_role_is_heard_the_customers_through_the_greedy_beam(
    transcriber,
):
    # The customer's channel is decoded greedily (customer_beam_size=1), the re-decode of
    # speech left unheard with the full beam: no turn of the script may go without a word.
    assert transcriber.options.customer_beam_size == 1 < transcriber.options.beam_size
    unheard, customer = [], {}
    for truth_path in sorted((SAMPLES / "truth").glob("*.json")):
        truth = Transcript.load(truth_path)
        heard = transcriber.transcribe_file(SAMPLES / f"{truth_path.stem}.flac")
        for turn in truth.segments:
            words = [w for s in heard.by_role(turn.role) for w in s.words]
            if not any(w.start < turn.end + 0.3 and w.end > turn.start - 0.3 for w in words):
                unheard.append(f"{truth_path.stem}: {turn.role} at {turn.start:.1f} s")
        customer[truth_path.stem] = cer(
            "".join(s.text for s in truth.by_role("customer")),
            "".join(s.text for s in heard.by_role("customer")),
        )
    assert unheard == []
    assert sum(customer.values()) / len(customer) <= 0.20, customer


def test_the_customers_windows_take_the_customer_beam_a_mono_track_the_mono_beam_and_the_re_decode_the_full_one(
    monkeypatch,
):
    from dataclasses import dataclass

    import callreview.asr.transcribe as transcribe
    from callreview.asr.model import ModelRef
    from callreview.asr.transcribe import TranscribeOptions, Transcriber
    from callreview.asr.windows import Piece, Window

    @dataclass(frozen=True)
    class Decoding:
        beam_size: int

    seen = []

    def fake_decode(pipeline, audios, tokenizer, options, batch_size, min_frames, encode_batch):
        seen.append([(round(float(a[0]), 1), options.beam_size) for a in audios])
        return [[f"segments of {float(a[0]):.1f}"] for a in audios]

    monkeypatch.setattr(transcribe, "decode_windows", fake_decode)
    t = Transcriber(
        ModelRef("none", "none"),
        TranscribeOptions(device="cpu", beam_size=4, customer_beam_size=1, mono_beam_size=5),
    )
    windows = [
        Window((Piece(role, 0.0, 1.0),), 1.0)
        for role in ("customer", "agent", "customer", "unknown")
    ]
    audios = [
        np.full(10, i / 10, dtype=np.float32) for i in range(4)
    ]  # the first sample tells them apart
    out = t._decode(None, windows, audios, (None, Decoding(4)), 1000)
    assert out == [
        ["segments of 0.0"],
        ["segments of 0.1"],
        ["segments of 0.2"],
        ["segments of 0.3"],
    ]  # the windows' order
    assert sorted(pair for call in seen for pair in call) == [
        (0.0, 1),
        (0.1, 4),
        (0.2, 1),
        (0.3, 5),
    ]  # a mono track: the mono beam
    seen.clear()
    t._decode(None, windows, audios, (None, Decoding(4)), 1000, full_beam=True)
    assert sorted(pair for call in seen for pair in call) == [
        (0.0, 4),
        (0.1, 4),
        (0.2, 4),
        (0.3, 5),
    ]


@pytest.mark.model
def test_transcribe_command_writes_the_documented_json(perfect_call):
    result = runner.invoke(app, ["transcribe", str(PERFECT), "--json", "-"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {
        "schema",
        "file",
        "duration_s",
        "channels",
        "model",
        "language",
        "roles",
        "segments",
        "redactions",  # what was masked (an empty list when nothing was)
    }
    assert (
        data["roles"] == "stereo"
        and data["language"] == "zh"
        and data["model"].startswith("whisper-base@")
    )
    assert {s["role"] for s in data["segments"]} == {"agent", "customer"}
    assert set(data["segments"][0]) == {
        "role",
        "start",
        "end",
        "text",
        "norm",
        "avg_logprob",
        "flags",
        "words",
    }
    assert set(data["segments"][0]["words"][0]) == {"start", "end", "text"}


@pytest.mark.model
def test_one_bad_file_does_not_stop_the_batch(tmp_path, perfect_call):
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["transcribe", str(bad), str(PERFECT), "--json", str(out)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and str(bad) in result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [d["file"] for d in data] == [str(bad), str(PERFECT)]
    assert "error" in data[0] and data[1]["segments"]


def _seg(role, words):
    ws = tuple(Word(a, b, t) for a, b, t in words)
    return Segment(
        role=role,
        start=ws[0].start,
        end=ws[-1].end,
        text="".join(w.text for w in ws),
        norm="",
        words=ws,
    )


def test_turns_are_cut_at_long_silences():
    seg = _seg(
        "agent",
        [(0.0, 0.5, "请您"), (0.5, 1.0, "稍等"), (13.0, 13.5, "感谢"), (13.5, 14.0, "等待")],
    )
    turns = split_turns([seg], [], turn_gap_s=2.0, handover_gap_s=0.4)
    assert [(t.start, t.end, t.text) for t in turns] == [
        (0.0, 1.0, "请您稍等"),
        (13.0, 14.0, "感谢等待"),
    ]


def test_turns_are_cut_where_the_other_party_spoke():
    seg = _seg("agent", [(0.0, 0.5, "好的"), (1.5, 2.0, "王先生")])
    assert len(split_turns([seg], [0.8], 2.0, 0.4)) == 2
    assert len(split_turns([seg], [], 2.0, 0.4)) == 1


def test_decode_batch_sets_how_many_windows_one_decoder_call_takes(monkeypatch):
    import callreview.asr.transcribe as transcribe
    from callreview.asr.model import ModelRef
    from callreview.asr.transcribe import TranscribeOptions, Transcriber
    from callreview.asr.windows import Piece, Window

    calls = []
    monkeypatch.setattr(
        transcribe,
        "decode_windows",
        lambda pipeline, audios, tokenizer, options, batch_size, *rest: (
            calls.append(batch_size) or [[] for _ in audios]
        ),
    )
    windows = [Window((Piece("agent", 0.0, 1.0),), 1.0)] * 3
    audios = [np.zeros(10, dtype=np.float32)] * 3
    for decode_batch in (None, 1):  # None: batch_size windows a call
        t = Transcriber(
            ModelRef("none", "none"),
            TranscribeOptions(device="cpu", batch_size=2, decode_batch=decode_batch),
        )
        t._decode(None, windows, audios, (None, t.options), 1000)
    # unset: batch_size; 1: the batched path still, one window a call (on 2 cores each setting's
    # windows are shared between the model's two replicas: a call each)
    assert list(dict.fromkeys(calls)) == [2, 1]


def test_an_option_added_later_leaves_the_cache_key_as_it_was_while_unset():
    # Cached transcripts and the store's transcript keys outlive an upgrade: the options' key is
    # the one written before initial_prompt, decode_batch and fill_last_s existed; setting any
    # of them makes a new key.
    from callreview.asr.model import ModelRef
    from callreview.asr.options import Tuning
    from callreview.asr.transcribe import TranscribeOptions, Transcriber

    def key(tuning: Tuning = Tuning(), **o) -> str:
        return Transcriber(
            ModelRef("whisper-base@test", "none"),
            TranscribeOptions(device="cpu", **o),
            _tuning=tuning,
        ).cache_key("0" * 64)

    unset = Tuning(fill_last_s=None)
    before = key(unset, decode_batch=None)  # their defaults came later: a new key
    assert before == "6de867bbfc98910faf4d6a7b5a9169433a569677736a8834d265f598860d5209"
    assert key(replace(unset, initial_prompt="天霖汽车"), decode_batch=None) != before
    assert key(decode_batch=None) != before
    assert key() != before
    assert key(cpu_threads=1) == key(cpu_threads=2)


def test_the_default_cache_key_is_the_one_existing_caches_were_written_under():
    # The options split into public ones and tuning: the default key's inputs, and so the key,
    # stay what they were, so a user's transcript cache and stored keys stay valid.
    from callreview.asr.cache import CACHE_VERSION, key_options
    from callreview.asr.model import ModelRef
    from callreview.asr.transcribe import TranscribeOptions, Transcriber

    t = Transcriber(ModelRef("whisper-base@test", "none"), TranscribeOptions(device="cpu"))
    assert CACHE_VERSION == 8
    assert key_options(t.options, t.tuning) == {
        "language": "zh",
        "agent_channel": "left",
        "beam_size": 4,
        "customer_beam_size": 1,
        "mono_beam_size": 5,
        "batch_size": 2,
        "decode_batch": 1,
        "encode_batch": 2,
        "chunk_length": None,
        "repair": True,
        "share_windows": False,
        "pack_s": 30.0,
        "fill_last_s": 10.0,
        "piece_gap_s": 0.0,
        "pack_by_role": True,
        "role_gap_s": 1.0,
        "min_input_s": 10.0,
        "redecode": "alone",
        "redecode_min_input_s": 10.0,
        "word_timestamps": True,
        "vad_filter": True,
        "compression_ratio_max": 2.4,
        "low_logprob": -1.0,
        "turn_gap_s": 2.0,
        "handover_gap_s": 0.4,
        "window_s": 120.0,
        "device": "cpu",
        "compute_type": "int8",
    }
    assert (
        t.cache_key("0" * 64) == "f88f56e1bfe8d5a1fee675d8eb31fd44d40e63761ad3d55d71e3c912a9c04f42"
    )


def test_both_channels_speech_found_in_parallel_is_the_speech_found_one_after_the_other():
    # Silero VAD runs one ONNX thread; the stereo path runs both channels' at once on 2 cores. No model is needed.
    from callreview.asr.audio import load_audio
    from callreview.asr.model import ModelRef
    from callreview.asr.transcribe import TranscribeOptions, Transcriber

    block = load_audio(SAMPLES / "13_two_holds.flac").by_role("left")
    found = {
        n: Transcriber(
            ModelRef("none", "none"), TranscribeOptions(device="cpu", cpu_threads=n)
        )._detect_speech(block, 5.0, 30.0)
        for n in (1, 2)
    }
    assert found[1] == found[2]
    assert [{p.role for p in pieces} for pieces in found[2]] == [
        {"agent"},
        {"customer"},
    ]  # one list a channel, in order
    assert all(
        len(pieces) >= 2 and pieces[0].start >= 5.0 for pieces in found[2]
    )  # call seconds: the block's offset added


def test_a_channels_short_last_window_is_filled_from_the_one_before(monkeypatch):
    # 31 s of agent speech: by default the last window holds 10 s, not the 1 s left over after a
    # full window (fill_last_s); None: greedy packing, the last window what is left over.
    import faster_whisper

    from callreview.asr.model import ModelRef
    from callreview.asr.options import Tuning
    from callreview.asr.transcribe import TranscribeOptions, Transcriber
    from callreview.asr.windows import Piece

    spans = [(t, t + 3.1) for t in range(0, 40, 4)]  # 10 pieces of 3.1 s: 31 s
    monkeypatch.setattr(
        Transcriber,
        "_detect_speech",
        lambda self, block, offset, max_s: [[Piece("agent", a, b) for a, b in spans]],
    )
    monkeypatch.setattr(faster_whisper, "BatchedInferencePipeline", lambda model: None)
    seen = []
    monkeypatch.setattr(
        Transcriber,
        "_decode",
        lambda self, pipeline, windows, audios, *rest, **kw: (
            seen.append([round(w.duration, 1) for w in windows]) or [[] for _ in windows]
        ),
    )
    monkeypatch.setattr(Transcriber, "_decoding", lambda self, language: None)
    channels = {"agent": np.zeros(45 * 16000, dtype=np.float32)}
    for fill in (10.0, None):
        t = Transcriber(
            ModelRef("none", "none"),
            TranscribeOptions(device="cpu", repair=False),
            _tuning=Tuning(fill_last_s=fill),
        )
        t._model = object()  # no model is loaded: nothing is decoded
        t._transcribe_packed(channels, 45.0)
    assert seen == [
        [18.6, 12.4],
        [27.9, 3.1],
    ]  # four pieces moved: the last holds 12.4 s, the one before 18.6 s
