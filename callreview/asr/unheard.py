"""Speech left unheard after a decode, and what its second decode corrects.

Speech that no decoded word covers (:func:`unheard_speech`) is decoded once more, and words
the first pass misplaced leave (:func:`drop_misplaced_tail`); the sequential re-decode reads
a channel's leftovers joined into one input (:func:`join_regions`).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from callreview.asr.audio import SAMPLE_RATE
from callreview.text import join_words, normalize
from callreview.transcript import Segment


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
    # late: faster-whisper is heavy, and only transcription needs it
    from faster_whisper.vad import (
        VadOptions,
        get_speech_timestamps,
    )  # late: faster_whisper is heavy

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
    and then times the first words of a piece at the end of the piece before.
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

    def split(self, seg: Any) -> list[Any]:
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
