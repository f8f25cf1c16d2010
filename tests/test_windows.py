"""Windows, packing and re-decode (callreview.asr.windows): what reaches the encoder, and how
its words find their role and their time in the call again."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import SAMPLES

from callreview.asr.audio import SAMPLE_RATE
from callreview.asr.windows import Piece, pack, quiet_blocks, split_by_piece
from callreview.transcript import Segment, Word

PERFECT = SAMPLES / "01_perfect.flac"


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


def _speech(role, *spans):
    return [Piece(role, a, b) for a, b in spans]


def test_both_channels_speech_shares_windows():
    # 40 s of agent speech and 15 s of customer speech, in pieces of 5 s, taking turns
    agent = _speech("agent", *[(t, t + 5) for t in range(0, 80, 10)])
    customer = _speech("customer", *[(t, t + 5) for t in range(5, 35, 10)])
    shared = pack(agent + customer, max_s=30, role_gap_s=0.0)
    assert len(shared) == 2  # 55 s of speech: two windows, not one per channel and a half
    assert len(pack(agent + customer, max_s=30, share=False)) == 3
    placed = [p for w in shared for p in w.pieces]
    assert sorted((p.role, p.start, p.end) for p in placed) == sorted(
        (p.role, p.start, p.end) for p in agent + customer
    )
    # one role after the other: the shared window changes voice once
    assert [p.role for p in shared[0].pieces] == ["agent"] * 6
    assert [p.role for p in shared[1].pieces] == ["agent"] * 2 + ["customer"] * 3
    interleaved = pack(agent + customer, max_s=30, by_role=False)
    placed = [p for w in interleaved for p in w.pieces]
    assert [p.start for p in placed] == sorted(p.start for p in placed)  # in time order
    assert {p.role for p in interleaved[0].pieces} == {"agent", "customer"}


def test_a_change_of_voice_gets_its_own_gap():
    window = pack(
        _speech("agent", (0, 5), (6, 8)) + _speech("customer", (5, 6)),
        max_s=30,
        gap_s=0.2,
        role_gap_s=1.0,
    )[0]
    assert [(p.role, p.at) for p in window.pieces] == [
        ("agent", 0.0),
        ("agent", 5.2),
        ("customer", pytest.approx(8.2)),
    ]


def test_pieces_are_never_cut_and_windows_hold_their_gaps():
    pieces = _speech("agent", (0, 12), (20, 34), (40, 45)) + _speech("customer", (14, 18))
    windows = pack(pieces, max_s=30, gap_s=0.5, role_gap_s=0.5, by_role=False)
    for w in windows:
        assert w.duration <= 30
        ends = [p.at + p.length for p in w.pieces]
        assert all(b.at - a_end == pytest.approx(0.5) for a_end, b in zip(ends, w.pieces[1:]))
    assert [[(p.role, p.start) for p in w.pieces] for w in windows] == [
        [("agent", 0), ("customer", 14)],
        [("agent", 20), ("agent", 40)],
    ]
    assert windows[0].duration == pytest.approx(12 + 0.5 + 4)


def test_a_window_takes_each_piece_from_its_own_channel_and_maps_times_back():
    offset = 100.0  # the block starts 100 s into the call
    left = np.full(SAMPLE_RATE * 20, 1.0, dtype=np.float32)
    right = np.full(SAMPLE_RATE * 20, 2.0, dtype=np.float32)
    window = pack(
        _speech("agent", (101, 103)) + _speech("customer", (104, 105)), max_s=30, role_gap_s=1.0
    )[0]
    audio = window.audio({"agent": left, "customer": right}, offset)
    assert len(audio) == SAMPLE_RATE * 4
    assert set(audio[: SAMPLE_RATE * 2]) == {1.0} and set(
        audio[SAMPLE_RATE * 2 : SAMPLE_RATE * 3]
    ) == {0.0}
    assert set(audio[SAMPLE_RATE * 3 :]) == {2.0}
    assert window.index(0.5) == 0 and window.index(2.5) == 0 and window.index(3.2) == 1
    assert window.to_time(0, 1.5) == 102.5
    assert (
        window.to_time(0, 2.5) == 103.5
    )  # past its piece: into the silence after it, as faster-whisper maps words
    assert window.to_time(1, 3.5) == 104.5


def test_a_decoded_window_segment_is_cut_where_its_words_change_piece():
    from faster_whisper.transcribe import Segment as RawSegment
    from faster_whisper.transcribe import Word as RawWord

    # agent 0–2 s of the window, a gap to 2.5 s, customer 2.5–4 s
    window = pack(
        _speech("agent", (10, 12)) + _speech("customer", (12.5, 14)), max_s=30, role_gap_s=0.5
    )[0]
    words = [
        RawWord(0.1, 0.9, "您好", 0.9),
        RawWord(1.0, 2.3, "请讲", 0.9),
        RawWord(2.2, 2.8, "查", 0.9),
        RawWord(2.8, 3.5, "话费", 0.9),
    ]
    seg = RawSegment(0, 0, 0.1, 3.5, "您好请讲查话费", [], -0.2, 1.1, 0.01, words, 0.0)
    parts = split_by_piece(seg, window)
    # a word goes with the piece its middle lies in: 请讲 (middle 1.65 s) the agent's, 查 (2.5 s) the customer's
    assert [(window.pieces[i].role, p.text) for i, p in parts] == [
        ("agent", "您好请讲"),
        ("customer", "查话费"),
    ]
    customer = parts[1][1].words
    assert [
        round(window.to_time(parts[1][0], t), 2) for w in customer for t in (w.start, w.end)
    ] == [12.2, 12.8, 12.8, 13.5]
    assert round(window.to_time(parts[0][0], parts[0][1].words[-1].end), 2) == 12.3


def test_blocks_of_a_long_call_are_cut_where_both_channels_are_quiet():
    rate = SAMPLE_RATE
    rng = np.random.default_rng(0)
    left = rng.normal(0, 0.1, rate * 300).astype(np.float32)
    right = rng.normal(0, 0.1, rate * 300).astype(np.float32)
    left[rate * 105 : rate * 115] = 0  # the agent pauses at 105–115 s …
    right[rate * 110 : rate * 111] = 0  # … but the customer only at 110–111 s
    right[rate * 106 : rate * 107] *= 0.5
    blocks = quiet_blocks({"agent": left, "customer": right}, window_s=120)
    offsets = [offset for offset, _ in blocks]
    assert 110 <= offsets[1] <= 111
    for role, audio in (("agent", left), ("customer", right)):
        assert sum(len(b[role]) for _, b in blocks) == len(audio)
    assert all(len(b["agent"]) == len(b["customer"]) for _, b in blocks)


def test_long_audio_is_cut_into_windows_at_the_quietest_moment():
    import numpy as np

    from callreview.asr.windows import quiet_windows

    rate = 16000
    audio = np.random.default_rng(0).normal(0, 0.1, rate * 300).astype(np.float32)
    audio[rate * 110 : rate * 111] = 0  # a pause 10 s before the nominal 120 s boundary
    windows = quiet_windows(audio, window_s=120)
    offsets = [offset for offset, _ in windows]
    assert 110 <= offsets[1] <= 111
    assert sum(len(piece) for _, piece in windows) == len(audio)  # nothing lost, nothing doubled
    assert all(len(piece) <= rate * 120 * 1.2 for _, piece in windows)


def test_short_audio_is_one_window():
    import numpy as np

    from callreview.asr.windows import quiet_windows

    audio = np.zeros(16000 * 90, dtype=np.float32)
    assert [(o, len(p)) for o, p in quiet_windows(audio, 120)] == [(0.0, len(audio))]


def _speech_regions(audio):
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    from callreview.asr.audio import SAMPLE_RATE

    return [
        (t["start"] / SAMPLE_RATE, t["end"] / SAMPLE_RATE)
        for t in get_speech_timestamps(audio, VadOptions())
    ]


def _overlaps(a, b):
    return a[0] < b[1] and b[0] < a[1]


def test_speech_that_no_heard_word_covers_is_found_for_a_second_decode():
    from callreview.asr.audio import load_audio
    from callreview.asr.unheard import unheard_speech

    agent = load_audio(PERFECT).by_role("left")["agent"]
    speech = _speech_regions(agent)
    dropped = speech[2]  # as if the batched decoder had returned nothing for this stretch
    found = unheard_speech(agent, [s for s in speech if s != dropped])
    assert len(found) == 1 and _overlaps(found[0], dropped)
    assert unheard_speech(agent, speech) == []  # everything heard: nothing to decode again


def test_a_loud_tone_is_not_taken_for_unheard_speech():
    import numpy as np

    from callreview.asr.audio import SAMPLE_RATE
    from callreview.asr.unheard import unheard_speech

    audio = np.random.default_rng(0).normal(0, 0.001, SAMPLE_RATE * 10).astype(np.float32)
    t = np.arange(SAMPLE_RATE * 2) / SAMPLE_RATE
    audio[SAMPLE_RATE * 4 : SAMPLE_RATE * 6] += (0.3 * np.sin(2 * np.pi * 440 * t)).astype(
        np.float32
    )
    assert unheard_speech(audio, []) == []


def test_joined_regions_map_times_back_to_the_original_audio():
    import numpy as np

    from callreview.asr.audio import SAMPLE_RATE
    from callreview.asr.unheard import join_regions

    audio = np.arange(SAMPLE_RATE * 60, dtype=np.float32)
    joined = join_regions(audio, [(10.0, 12.0), (30.0, 31.0)], gap_s=0.5)
    assert len(joined.audio) == SAMPLE_RATE * (2 + 0.5 + 1)
    assert (
        joined.audio[0] == audio[SAMPLE_RATE * 10]
        and joined.audio[int(SAMPLE_RATE * 2.5)] == audio[SAMPLE_RATE * 30]
    )
    assert joined.to_time(1.0) == 11.0
    assert joined.to_time(2.2) == 12.0  # inside the gap: the end of the region before
    assert joined.to_time(3.0) == 30.5


def test_a_redecoded_segment_is_cut_at_the_gap_between_joined_regions():
    # 13_two_holds: the customer's 好 (19.6 s) and 没有了，谢谢 (60.8 s) were joined and decoded
    # as one segment whose word 没有 ran from 20.2 to 61.1 s, hiding the hold in between.
    import numpy as np
    from faster_whisper.transcribe import Segment as RawSegment
    from faster_whisper.transcribe import Word as RawWord

    from callreview.asr.audio import SAMPLE_RATE
    from callreview.asr.unheard import join_regions

    joined = join_regions(
        np.zeros(SAMPLE_RATE * 70, dtype=np.float32), [(19.0, 20.5), (60.0, 62.0)], gap_s=1.0
    )
    words = [
        RawWord(0.3, 0.8, "好,", 0.9),
        RawWord(1.1, 2.9, "没有", 0.5),
        RawWord(2.9, 3.2, "了", 0.9),
        RawWord(3.2, 3.8, "谢谢", 0.9),
    ]
    seg = RawSegment(0, 0, 0.3, 3.8, "好,没有了谢谢", [], -0.3, 1.2, 0.01, words, 0.0)
    pieces = joined.split(seg)
    assert [p.text for p in pieces] == ["好,没有", "了谢谢"]
    assert [
        [round(joined.to_time(t), 2) for w in p.words for t in (w.start, w.end)] for p in pieces
    ] == [
        [19.3, 19.8, 20.1, 20.5],  # 没有 ends with its region, not 40 s later
        [60.4, 60.7, 60.7, 61.3],
    ]


def test_words_the_second_decode_heard_in_their_place_leave_where_they_were_misplaced():
    # 07_forbidden through the batched decoder: 不知道 (said at 27.4 s) came back at the end
    # of the turn before; the second decode heard it at 27.4 s. One 不知道, not two.
    from callreview.asr.unheard import drop_misplaced_tail
    from callreview.text import normalize

    # The batched segment runs on past the re-decoded region (turns are cut later).
    words = [
        (22.7, 23.2, "不可能,"),
        (23.4, 24.3, "今天的车已经"),
        (24.3, 24.8, "走了"),
        (24.8, 25.8, "不知道,"),
        (28.4, 30.4, "系统里没有写"),
    ]
    before = _seg("agent", words)
    before = replace(before, norm=normalize(before.text))
    redone = replace(_seg("agent", [(27.45, 28.05, "不知道")]), norm="不知道", flags=("redecoded",))
    heard = drop_misplaced_tail([before], redone)
    assert [(s.text, s.start, s.end) for s in heard] == [
        ("不可能,今天的车已经走了系统里没有写", 22.7, 30.4)
    ]
    assert [w.text for w in heard[0].words] == ["不可能,", "今天的车已经", "走了", "系统里没有写"]
    other = replace(_seg("agent", [(27.45, 28.05, "好的")]), norm="好的")
    assert drop_misplaced_tail([before], other) == [before]  # different words: nothing moves


def test_a_piece_longer_than_the_window_target_has_a_window_of_its_own():
    windows = pack(_speech("agent", (0, 25), (26, 30), (31, 35)), max_s=20, piece_max_s=30)
    assert [(w.duration, [(p.start, p.end) for p in w.pieces]) for w in windows] == [
        (25, [(0, 25)]),
        (8, [(26, 30), (31, 35)]),
    ]


@pytest.mark.model
def test_a_batch_encoded_two_windows_at_a_time_decodes_as_if_encoded_at_once(
    transcriber, monkeypatch
):
    # encode_batch bounds the encoder's memory; the decoder must still see the same batch.
    from faster_whisper import BatchedInferencePipeline

    from callreview.asr.audio import load_audio
    from callreview.asr.decoding import decode_windows
    from callreview.asr.windows import speech_pieces

    channels = load_audio(PERFECT).by_role("left")
    pieces = [p for role, audio in channels.items() for p in speech_pieces(audio, role, 0.0, 30.0)]
    audios = [w.audio(channels) for w in pack(pieces, 15.0)][:4]
    assert len(audios) == 4
    pipeline = BatchedInferencePipeline(transcriber.model)
    decoding = transcriber._decoding("zh")
    passes = []
    encode = transcriber.model.encode
    monkeypatch.setattr(
        transcriber.model,
        "encode",
        lambda features: passes.append(len(features)) or encode(features),
    )
    at_once = decode_windows(pipeline, audios, *decoding, 4, 1000)
    assert passes == [4]
    by_two = decode_windows(pipeline, audios, *decoding, 4, 1000, encode_batch=2)
    assert passes == [4, 2, 2]

    def heard(out):
        return [
            [(s.text, [(round(w.start, 2), w.word) for w in s.words]) for s in segs] for segs in out
        ]

    assert all(heard(at_once))  # every window heard something
    assert heard(by_two) == heard(at_once)


def test_a_short_last_window_takes_pieces_from_the_window_before():
    # 31 s of agent speech: greedy packing leaves 4 s for a last window whose encoder input is
    # padded to 10 s anyway; with last_s=10 the window before gives up its last pieces.
    pieces = _speech("agent", (0, 6), (7, 13), (14, 20), (21, 27), (28, 31), (32, 36))
    greedy = pack(pieces, max_s=30, share=False)
    assert [w.duration for w in greedy] == [27, 4]
    filled = pack(pieces, max_s=30, share=False, last_s=10)
    assert [w.duration for w in filled] == [18, 13]
    assert [[p.start for p in w.pieces] for w in filled] == [[0, 7, 14], [21, 28, 32]]
    assert [p.at for p in filled[1].pieces] == [0, 6, 9]  # laid again from the window's start
    assert [(p.start, p.end) for w in filled for p in w.pieces] == [
        (p.start, p.end) for p in pieces
    ]  # nothing cut or lost


def test_the_window_before_keeps_at_least_what_the_last_one_asks_for():
    pieces = _speech(
        "agent", (0, 12), (13, 25), (26, 30)
    )  # 24 s, then 4 s: moving the 12 s piece leaves 12 s
    assert [w.duration for w in pack(pieces, max_s=24, share=False, last_s=10)] == [12, 16]
    assert [w.duration for w in pack(pieces, max_s=24, share=False, last_s=14)] == [
        24,
        4,
    ]  # 12 s before would be under 14 s
    one = _speech("agent", (0, 29), (30, 33))  # a single piece before: it stays
    assert [w.duration for w in pack(one, max_s=30, share=False, last_s=10)] == [29, 3]


def test_balanced_windows_share_a_channels_speech_about_equally():
    pieces = _speech("agent", *[(t, t + 3) for t in range(0, 44, 4)])  # 11 pieces of 3 s: 33 s
    assert [w.duration for w in pack(pieces, max_s=30, share=False)] == [30, 3]
    assert [w.duration for w in pack(pieces, max_s=30, share=False, balance=0.0)] == [18, 15]
    assert [w.duration for w in pack(pieces, max_s=30, share=False, balance=24.0)] == [
        24,
        9,
    ]  # not closed under 24 s
