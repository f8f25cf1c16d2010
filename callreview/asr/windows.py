"""Windows, packing and re-decode: how a call's speech reaches the Whisper encoder.

The encoder reads at most 30 s per pass, and a pass costs about the same
whatever that 30 s holds, so the fewer and shorter the passes, the faster the
call. Here:

- long calls are cut into blocks of ~2 minutes at moments quiet on every
  channel (:func:`quiet_blocks`), which bounds the working memory;
- each channel's speech is found with the speech detector
  (:func:`speech_pieces`) and the pieces of *both* channels are packed into
  shared windows (:func:`pack`): each piece keeps its role and its times in the
  call, so a 40 s agent + 15 s customer call costs two windows, not three;
- a window's encoder input is padded to the window, not to 30 s, down to a
  floor that holds accuracy (:func:`decode_windows`), and a channel's short
  last window takes pieces from the one before up to that floor (``last_s``);
- speech that no decoded word covers (:func:`unheard_speech`) is decoded once
  more, alone, and words the first pass misplaced leave
  (:func:`drop_misplaced_tail`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from callreview.asr.audio import SAMPLE_RATE
from callreview.text import join_words, normalize
from callreview.transcript import Segment

if TYPE_CHECKING:
    from faster_whisper import BatchedInferencePipeline

FRAMES_PER_S = 100  # Whisper's mel frames per second
MAX_FRAMES = 3000  # 30 s: the encoder's full input


# --- blocks -------------------------------------------------------------------


def _quiet_cuts(channels: list[np.ndarray], window_s: float, search_s: float) -> list[int]:
    """Sample indices where all ``channels`` together are quietest, about every ``window_s``."""
    size, hop = int(window_s * SAMPLE_RATE), SAMPLE_RATE // 2
    n = len(channels[0])
    cuts: list[int] = []
    start = 0
    while n - start > size * 1.2:
        lo = start + size - int(search_s * SAMPLE_RATE)
        length = (start + size - lo) // hop * hop
        energy = sum(
            np.einsum("ij,ij->i", f, f)
            for f in (c[lo : lo + length].reshape(-1, hop) for c in channels)
        )
        cut = lo + int(np.argmin(energy)) * hop + hop // 2
        cuts.append(cut)
        start = cut
    return cuts


def quiet_windows(
    audio: np.ndarray, window_s: float, search_s: float = 20.0
) -> list[tuple[float, np.ndarray]]:
    """Cut ``audio`` into pieces of about ``window_s`` seconds, each cut at the quietest
    half second within ``search_s`` before the nominal boundary. Returns (offset s, piece)
    pairs; the pieces are views, not copies."""
    edges = [0, *_quiet_cuts([audio], window_s, search_s), len(audio)]
    return [(a / SAMPLE_RATE, audio[a:b]) for a, b in zip(edges, edges[1:])]


def quiet_blocks(
    channels: dict[str, np.ndarray], window_s: float, search_s: float = 20.0
) -> list[tuple[float, dict[str, np.ndarray]]]:
    """:func:`quiet_windows` for several channels cut at the same moments, where they are
    quietest together: (offset s, {role: view}) per block."""
    arrays = list(channels.values())
    edges = [0, *_quiet_cuts(arrays, window_s, search_s), len(arrays[0])]
    return [
        (a / SAMPLE_RATE, {role: audio[a:b] for role, audio in channels.items()})
        for a, b in zip(edges, edges[1:])
    ]


# --- pieces and windows ---------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A stretch of one channel's speech, placed in a window."""

    role: str
    start: float
    """Seconds in the call."""
    end: float
    at: float = 0.0
    """Where it starts in its window, seconds."""

    @property
    def length(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Window:
    """Pieces of speech laid one after the other (with ``gap_s`` of silence between them)
    for one encoder pass."""

    pieces: tuple[Piece, ...]
    duration: float
    starts: tuple[float, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts", tuple(p.at for p in self.pieces))

    def index(self, t: float) -> int:
        """The piece a window time belongs to (a time in a gap: the piece before)."""
        return max(0, bisect.bisect_right(self.starts, t) - 1)

    def owner(self, t: float) -> int:
        """The piece a window time belongs to, a time in a gap the nearer piece."""
        i = self.index(t)
        p = self.pieces[i]
        if (
            t > p.at + p.length
            and i + 1 < len(self.pieces)
            and self.pieces[i + 1].at - t < t - (p.at + p.length)
        ):
            return i + 1
        return i

    def to_time(self, i: int, t: float) -> float:
        """Window time ``t``, taken as inside piece ``i``, in the call. A time past the piece's
        end runs on into the silence after it, as faster-whisper maps words back: clipping
        them at the piece's end would open gaps between words where none was heard."""
        p = self.pieces[i]
        return p.start + t - p.at

    def audio(self, channels: dict[str, np.ndarray], offset: float = 0.0) -> np.ndarray:
        """The window's samples; ``channels`` start at ``offset`` seconds of the call."""
        out = np.zeros(int(round(self.duration * SAMPLE_RATE)), dtype=np.float32)
        for p in self.pieces:
            a, b = (
                int(round((p.start - offset) * SAMPLE_RATE)),
                int(round((p.end - offset) * SAMPLE_RATE)),
            )
            at = int(round(p.at * SAMPLE_RATE))
            piece = channels[p.role][a:b][: len(out) - at]
            out[at : at + len(piece)] = piece
        return out


def speech_pieces(audio: np.ndarray, role: str, offset: float, max_s: float) -> list[Piece]:
    """The speech detector's stretches of ``audio`` (Silero VAD with faster-whisper's batched
    settings), in call seconds; none is longer than ``max_s``."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    stamps = get_speech_timestamps(
        audio, VadOptions(max_speech_duration_s=max_s, min_silence_duration_ms=160)
    )
    return [
        Piece(role, offset + s["start"] / SAMPLE_RATE, offset + s["end"] / SAMPLE_RATE)
        for s in stamps
    ]


def pack(
    pieces: Iterable[Piece],
    max_s: float = 30.0,
    gap_s: float = 0.0,
    share: bool = True,
    by_role: bool = True,
    role_gap_s: float = 1.0,
    piece_max_s: float = MAX_FRAMES / FRAMES_PER_S,
    balance: float | None = None,
    last_s: float | None = None,
) -> list[Window]:
    """Lay ``pieces`` into windows of at most ``max_s`` seconds, ``gap_s`` of silence between
    two pieces. A window is closed when the next piece does not fit: pieces are never cut,
    and one longer than ``max_s`` has a window of its own (up to ``piece_max_s``).

    ``share``: the roles share windows (else each role has its own). ``by_role``: one
    role's pieces after the other's (in time order within a role), so a shared window
    changes voice at most once, with ``role_gap_s`` of silence there; else all pieces in
    time order. Measured on the sample calls, words near a change of voice are often timed
    into the other piece, and in a shared window that moves them to the other role.

    ``balance``: a group that needs several windows has them about equally long (the
    shortest limit, but not under ``balance`` seconds, that still gives that many windows),
    not full windows and a short last one. ``last_s``: a group's last window holding less
    than this takes pieces from the end of the window before (:func:`_filled_last`). Both
    because the encoder's cost grows faster than its input: one 30 s input took 0.60 s on
    2 CPU threads, two of 15 s 0.32 s (``bench/profile_transcribe.py --encoder``).
    """
    pieces = sorted(pieces, key=lambda p: (p.role, p.start) if by_role else (p.start, p.role))
    groups = (
        [pieces]
        if share
        else [
            [p for p in pieces if p.role == role] for role in dict.fromkeys(p.role for p in pieces)
        ]
    )
    windows: list[Window] = []
    for group in groups:
        laid = _lay(group, max_s, gap_s, role_gap_s, piece_max_s)
        if balance is not None and len(laid) > 1:
            laid = _balanced(group, laid, balance, max_s, gap_s, role_gap_s, piece_max_s)
        if last_s is not None and len(laid) > 1:
            laid = _filled_last(laid, last_s, max_s, gap_s, role_gap_s)
        windows += laid
    return windows


def _lay(
    group: list[Piece], max_s: float, gap_s: float, role_gap_s: float, piece_max_s: float
) -> list[Window]:
    """:func:`pack`'s greedy filling of one group's windows, closed at ``max_s``."""
    windows: list[Window] = []
    current: list[Piece] = []
    at = 0.0
    for p in group:
        length = min(p.length, max(max_s, piece_max_s))
        gap = (role_gap_s if current[-1].role != p.role else gap_s) if current else 0.0
        if current and at + gap + length > max_s:
            windows.append(Window(tuple(current), at))
            current, at, gap = [], 0.0, 0.0
        current.append(replace(p, end=p.start + length, at=at + gap))
        at += gap + length
    if current:
        windows.append(Window(tuple(current), at))
    return windows


def _filled_last(
    laid: list[Window], last_s: float, max_s: float, gap_s: float, role_gap_s: float
) -> list[Window]:
    """``laid`` with pieces moved from the end of the window before into the last one while
    that holds under ``last_s`` seconds of speech, both stay within ``max_s`` and the one
    before keeps at least ``last_s``."""

    def one(ps: list[Piece]) -> Window:  # the pieces laid again from 0 s, in one window
        return _lay(ps, float("inf"), gap_s, role_gap_s, float("inf"))[0]

    before, last = list(laid[-2].pieces), list(laid[-1].pieces)
    while len(before) > 1 and one(last).duration < last_s:
        kept, moved = before[:-1], [before[-1], *last]
        if one(moved).duration > max_s or one(kept).duration < last_s:
            break
        before, last = kept, moved
    if len(last) == len(laid[-1].pieces):
        return laid
    return [*laid[:-2], one(before), one(last)]


def _balanced(
    group: list[Piece],
    laid: list[Window],
    floor_s: float,
    max_s: float,
    gap_s: float,
    role_gap_s: float,
    piece_max_s: float,
) -> list[Window]:
    """The windows of ``group`` under the shortest limit (in 0.5 s steps, from an equal share
    of the speech or ``floor_s`` up to ``max_s``) that needs no more windows than ``laid`` has."""
    limit = max(0.5, floor_s, np.floor(sum(w.duration for w in laid) / len(laid) * 2) / 2)
    while limit < max_s:
        tried = _lay(group, limit, gap_s, role_gap_s, piece_max_s)
        if len(tried) <= len(laid):
            return tried
        limit += 0.5
    return laid


# --- decoding -------------------------------------------------------------------


def decode_windows(
    pipeline: BatchedInferencePipeline,
    audios: list[np.ndarray],
    tokenizer,
    options,
    batch_size: int,
    min_frames: int = MAX_FRAMES,
    encode_batch: int | None = None,
):
    """Decode each of ``audios`` (≤ 30 s each) as one encoder input, ``batch_size`` at a time.

    Inputs are padded to the longest of their batch, at least ``min_frames`` mel frames
    (3000 = 30 s, Whisper's training length: shorter inputs are faster, and less accurate
    when very short). A batch goes through the encoder ``encode_batch`` inputs at a time
    (its attention scores are the memory peak) and through the decoder at once. Measured on
    the samples (README, r8), decoder batches of 3, 4 or 8 were 5-10 % slower than 2, and 2 about 6 %
    slower than 1 (r12; the default, TranscribeOptions.decode_batch): each
    step attends over every hypothesis's encoder frames, and a larger batch pads more
    windows to its longest. Returns, per audio, faster-whisper segments with times in that
    audio.
    """
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.transcribe import Segment as FwSegment
    from faster_whisper.transcribe import Word as FwWord

    if encode_batch and encode_batch < batch_size:
        pipeline = _encoding_by(pipeline, encode_batch)
    model = pipeline.model
    feats = [model.feature_extractor(a)[..., :-1] for a in audios]
    order = sorted(
        range(len(audios)), key=lambda i: feats[i].shape[-1]
    )  # similar lengths batch together
    out: list[list] = [[] for _ in audios]
    clock = 0  # a running offset: faster-whisper's word timing expects times that only grow
    pipeline.last_speech_timestamp = 0.0
    for b in range(0, len(order), batch_size):
        idx = order[b : b + batch_size]
        # faster-whisper aligns words over ceil(duration) seconds of encoder output: the input
        # must hold at least that much (shorter, and CTranslate2 reads past the encoder's output).
        needed = max(int(np.ceil(len(audios[i]) / SAMPLE_RATE)) * FRAMES_PER_S for i in idx)
        frames = min(MAX_FRAMES, max(min_frames, needed, max(feats[i].shape[-1] for i in idx)))
        frames += frames % 2  # the encoder's convolution halves the frames
        features = np.stack([pad_or_trim(feats[i], frames) for i in idx])
        meta, offsets = [], []
        for i in idx:
            duration = min(len(audios[i]) / SAMPLE_RATE, MAX_FRAMES / FRAMES_PER_S)
            meta.append({"offset": float(clock), "duration": duration, "segments": []})
            offsets.append(clock)
            clock += int(np.ceil(duration)) + 1
        for i, offset, result in zip(
            idx, offsets, pipeline.forward(features, tokenizer, meta, options)
        ):
            for seg in result:
                words = [
                    FwWord(w["start"] - offset, w["end"] - offset, w["word"], w["probability"])
                    for w in seg.get("words") or ()
                ]
                out[i].append(
                    FwSegment(
                        id=0,
                        seek=0,
                        start=seg["start"] - offset,
                        end=seg["end"] - offset,
                        text=seg["text"],
                        tokens=seg["tokens"],
                        avg_logprob=seg["avg_logprob"],
                        compression_ratio=seg["compression_ratio"],
                        no_speech_prob=seg["no_speech_prob"],
                        words=words if options.word_timestamps else None,
                        temperature=0.0,
                    )
                )
        del features
    pipeline.last_speech_timestamp = 0.0
    return out


class _ChunkedEncoder:
    """A WhisperModel whose :meth:`encode` runs ``chunk`` inputs at a time and hands the
    decoder their outputs as one batch (CPU only: the outputs are joined in host memory)."""

    def __init__(self, model, chunk: int):
        self._model, self._chunk = model, chunk

    def __getattr__(self, name):
        return getattr(self._model, name)

    def encode(self, features: np.ndarray):
        import ctranslate2

        if len(features) <= self._chunk:
            return self._model.encode(features)
        parts = [
            np.asarray(self._model.encode(features[i : i + self._chunk]))
            for i in range(0, len(features), self._chunk)
        ]
        return ctranslate2.StorageView.from_array(np.ascontiguousarray(np.concatenate(parts)))


def _encoding_by(pipeline: BatchedInferencePipeline, chunk: int) -> BatchedInferencePipeline:
    """``pipeline`` with its encoder run ``chunk`` inputs at a time (on a GPU: unchanged, the
    encoder output stays on the device and memory is not the bound there)."""
    if getattr(pipeline.model.model, "device", "cpu") != "cpu":
        return pipeline
    from faster_whisper import BatchedInferencePipeline

    chunked = BatchedInferencePipeline(_ChunkedEncoder(pipeline.model, chunk))  # type: ignore[arg-type]
    chunked.last_speech_timestamp = pipeline.last_speech_timestamp
    return chunked


def split_by_piece(seg, window: Window) -> list[tuple[int, object]]:
    """A decoded window segment cut where its words move from one piece to the next:
    (piece index, segment in window time) pairs. A word belongs to the piece its middle lies
    in (faster-whisper's rule; the nearest piece for a middle inside a gap); a segment
    without words goes to the piece it starts in."""
    if not seg.words:
        return [(window.index(seg.start), seg)]
    groups: list[tuple[int, list]] = []
    for w in seg.words:
        i = window.owner((w.start + w.end) / 2)
        if groups and groups[-1][0] == i:
            groups[-1][1].append(w)
        else:
            groups.append((i, [w]))
    if len(groups) == 1:
        return [(groups[0][0], seg)]
    return [
        (
            i,
            replace(
                seg, start=ws[0].start, end=ws[-1].end, text="".join(w.word for w in ws), words=ws
            ),
        )
        for i, ws in groups
    ]


# --- speech left unheard and its re-decode -------------------------------------------


def unheard_speech(
    audio: np.ndarray,
    covered: list[tuple[float, float]],
    pad_s: float = 0.25,
    min_speech_s: float = 0.3,
) -> list[tuple[float, float]]:
    """Stretches of ``audio`` (seconds) that hold speech but no word of ``covered``.

    Cheap first: 50 ms frames at least 10 dB above the channel's noise floor,
    away from every heard word. Only those stretches go through the speech
    detector (Silero VAD, as faster-whisper uses it), so music, clicks and
    breathing are not decoded again. Returns padded (start, end) pairs.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    hop = SAMPLE_RATE // 20
    n = len(audio) // hop
    if n == 0:
        return []
    frames = audio[: n * hop].reshape(n, hop)
    energy = np.einsum("ij,ij->i", frames, frames) / hop
    floor = float(np.percentile(energy, 20))
    loud = energy > max(floor * 10.0, 1e-7)
    for start, end in covered:
        loud[max(0, int((start - pad_s) * 20)) : max(0, int(np.ceil((end + pad_s) * 20)))] = False
    if not loud.any():
        return []
    # Runs of loud frames, joined across gaps under 0.3 s.
    idx = np.flatnonzero(loud)
    breaks = np.flatnonzero(np.diff(idx) > 6)
    runs = [(idx[a], idx[b]) for a, b in zip(np.r_[0, breaks + 1], np.r_[breaks, len(idx) - 1])]
    out: list[tuple[float, float]] = []
    for a, b in runs:
        if (b - a + 1) / 20 < min_speech_s:
            continue
        lo = max(0, (a - 5) * hop)  # 0.25 s either side: the detector needs the onset
        hi = min(len(audio), (b + 6) * hop)
        speech = get_speech_timestamps(audio[lo:hi], VadOptions(min_silence_duration_ms=160))
        if sum(t["end"] - t["start"] for t in speech) / SAMPLE_RATE >= min_speech_s:
            out.append((float(lo / SAMPLE_RATE), float(hi / SAMPLE_RATE)))
    return out


def drop_misplaced_tail(
    heard: list[Segment], redone: Segment, within_s: float = 5.0
) -> list[Segment]:
    """``heard`` without the words ``redone`` shows were misplaced.

    The batched decoder joins a window's speech pieces without pauses, and now
    and then times the first words of a piece at the end of the piece before
    (07: the agent's 不知道 at 27.4 s came back at 24.8 s, after 今天的车已经走了).
    The second decode then hears them where they were said. When the words
    heard just before ``redone`` (within ``within_s``) are exactly its words,
    they go from there.
    """
    target = redone.norm.replace(" ", "")
    before = sorted(
        (
            (w, s)
            for s in heard
            for w in s.words
            if w.end <= redone.start + 0.05 and redone.start - w.end <= within_s
        ),
        key=lambda pair: pair[0].start,
    )
    tail, drop = "", set()
    for word, _ in reversed(before):
        tail = normalize(word.text).replace(" ", "") + tail
        drop.add(id(word))
        if tail == target:
            break
        if len(tail) >= len(target):
            return heard
    else:
        return heard
    out = []
    for seg in heard:
        if not any(id(w) in drop for w in seg.words):
            out.append(seg)
            continue
        words = tuple(w for w in seg.words if id(w) not in drop)
        if not words:
            continue
        text = join_words(w.text for w in words)
        start = seg.start if words[0] is seg.words[0] else words[0].start
        end = seg.end if words[-1] is seg.words[-1] else words[-1].end
        out.append(replace(seg, start=start, end=end, words=words, text=text, norm=normalize(text)))
    return out


@dataclass(frozen=True)
class JoinedRegions:
    """Stretches of one channel joined with silence between them, for one decoder pass."""

    audio: np.ndarray
    regions: tuple[tuple[float, float], ...]
    """(start, end) in the original audio, seconds."""
    starts: tuple[float, ...]
    """Where each region starts in ``audio``, seconds."""

    def index(self, t: float) -> int:
        """The region a time in the joined audio belongs to (a time in a gap: the region before)."""
        return max(0, bisect.bisect_right(self.starts, t) - 1)

    def end(self, i: int) -> float:
        """Where region ``i`` ends in the joined audio."""
        start, end = self.regions[i]
        return self.starts[i] + end - start

    def to_time(self, t: float) -> float:
        """A time in the joined audio, in the original audio."""
        i = self.index(t)
        start, end = self.regions[i]
        return start + min(t - self.starts[i], end - start)

    def split(self, seg):
        """A decoded segment cut where its words move to another region; a word that runs
        on into the next region ends with its own (else one word would span the gap)."""
        groups: list[tuple[int, list]] = []
        for w in seg.words or ():
            i = self.index(w.start)
            if self.index(w.end) != i:
                w = replace(w, end=self.end(i))
            if groups and groups[-1][0] == i:
                groups[-1][1].append(w)
            else:
                groups.append((i, [w]))
        if len(groups) < 2:
            return [seg]
        return [
            replace(
                seg, start=ws[0].start, end=ws[-1].end, text="".join(w.word for w in ws), words=ws
            )
            for _, ws in groups
        ]


def join_regions(
    audio: np.ndarray, regions: list[tuple[float, float]], gap_s: float = 1.0
) -> JoinedRegions:
    """The ``regions`` of ``audio`` (seconds) joined with ``gap_s`` of silence between them."""
    pieces, starts, at = [], [], 0.0
    gap = np.zeros(int(gap_s * SAMPLE_RATE), dtype=audio.dtype)
    for start, end in regions:
        piece = audio[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
        pieces += [piece, gap]
        starts.append(at)
        at += len(piece) / SAMPLE_RATE + gap_s
    return JoinedRegions(np.concatenate(pieces[:-1]), tuple(regions), tuple(starts))
