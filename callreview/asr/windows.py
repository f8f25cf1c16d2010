"""Blocks, pieces and windows: how a call's speech is laid out for the Whisper encoder.

The encoder reads at most 30 s per pass, and a pass costs more the longer its input, so
the fewer and shorter the passes, the faster the call. Here:

- long calls are cut into blocks of ~2 minutes at moments quiet on every
  channel (:func:`quiet_blocks`), which bounds the working memory;
- each channel's speech is found with the speech detector (:func:`speech_pieces`) and
  the pieces are packed into windows (:func:`pack`): each piece keeps its role and its
  times in the call, and a channel's short last window takes pieces from the one before
  (``last_s``);
- a decoded window's segments are cut back into their pieces (:func:`split_by_piece`).

Decoding the windows: :mod:`callreview.asr.decoding`; speech left unheard:
:mod:`callreview.asr.unheard`.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from callreview.asr.audio import SAMPLE_RATE

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
    # late: faster-whisper is heavy, and only transcription needs it
    from faster_whisper.vad import (
        VadOptions,
        get_speech_timestamps,
    )  # late: faster_whisper is heavy

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
    time order: words near a change of voice are often timed into the other piece, and in a
    shared window that moves them to the other role.

    ``balance``: a group that needs several windows has them about equally long (the
    shortest limit, but not under ``balance`` seconds, that still gives that many windows),
    not full windows and a short last one. ``last_s``: a group's last window holding less
    than this takes pieces from the end of the window before (:func:`_filled_last`). Both
    because the encoder's cost grows faster than its input.
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
