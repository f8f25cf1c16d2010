"""Where personal data sits in a transcript: hits found on each speaker's turns read as one
stream (a number said across two turns is one number), mapped back to segments, characters,
words and times; and the masked copy of each segment."""

from __future__ import annotations

from dataclasses import dataclass, replace

from callreview.numerals import SEPARATORS
from callreview.privacy.detect import Pattern, find
from callreview.text import normalize
from callreview.transcript import ROLES, Segment, Transcript, Word

JOIN_GAP_S = 5.0
"""Turns of one speaker this close (end to start) are read as one stream: Whisper splits a
number said in groups into segments, and the other party's 嗯 may fall between them."""


@dataclass(frozen=True, slots=True)
class Piece:
    """The part of one hit that lies in one segment."""

    segment: int
    """Index in ``Transcript.segments``."""
    start: int
    end: int
    """Characters of the segment's ``text``."""
    raw: str
    """The text masked (kept inside the process only, to mask the same text in quotes)."""


@dataclass(frozen=True, slots=True)
class Found:
    """One stretch of personal data in a transcript."""

    kind: str
    label: str
    role: str
    start: float
    end: float
    """Seconds: from the words it covers where the transcript has word timings."""
    pieces: tuple[Piece, ...]


def locate(transcript: Transcript, patterns: tuple[Pattern, ...] = ()) -> list[Found]:
    """Every stretch of personal data in ``transcript``'s segments, in time order."""
    found: list[Found] = []
    for role in ROLES:
        indexes = [i for i, s in enumerate(transcript.segments) if s.role == role]
        for stream in _streams(transcript.segments, indexes):
            found += _in_stream(transcript.segments, stream, patterns)
    found.sort(key=lambda f: (f.start, f.end))
    return found


def masked_segment(seg: Segment, pieces: list[Piece], labels: list[str]) -> Segment:
    """``seg`` with each piece's characters replaced by its label, its words likewise (a word
    wholly inside a masked stretch after its first is dropped)."""
    if not pieces:
        return seg
    order = sorted(zip(pieces, labels, strict=True), key=lambda p: p[0].start)
    text = _mask(seg.text, [(p.start, p.end, label) for p, label in order])
    spans = _word_spans(seg)
    words: list[Word] = []
    labelled: set[int] = set()
    times = [_times(seg, p.start, p.end) for p, _ in order]
    for word, span in zip(seg.words, spans, strict=True):
        if span is None:  # not found in the text: masked whole where its time meets a piece
            if not any(word.start < hi and lo < word.end for lo, hi in times):
                words.append(word)
            continue
        a, b = span
        cuts = []
        for k, (piece, label) in enumerate(order):
            lo, hi = max(a, piece.start), min(b, piece.end)
            if lo < hi:
                cuts.append((lo - a, hi - a, "" if k in labelled else label))
                labelled.add(k)
        new = _mask(word.text, cuts) if cuts else word.text
        if new.strip():
            words.append(replace(word, text=new))
    return replace(seg, text=text, norm=normalize(text), words=tuple(words))


def _mask(text: str, cuts: list[tuple[int, int, str]]) -> str:
    out, at = [], 0
    for start, end, label in sorted(cuts):
        out.append(text[at:start])
        out.append(label)
        at = max(at, end)
    out.append(text[at:])
    return "".join(out)


def _streams(segments: tuple[Segment, ...], indexes: list[int]) -> list[list[int]]:
    streams: list[list[int]] = []
    for i in indexes:
        if streams and segments[i].start - segments[streams[-1][-1]].end <= JOIN_GAP_S:
            streams[-1].append(i)
        else:
            streams.append([i])
    return streams


def _in_stream(
    segments: tuple[Segment, ...], stream: list[int], patterns: tuple[Pattern, ...]
) -> list[Found]:
    offsets: list[int] = []
    joined = ""
    for i in stream:
        if joined and joined[-1] not in SEPARATORS:
            joined += " "  # a separator: the numerals read a number on across the turns
        offsets.append(len(joined))
        joined += segments[i].text
    found = []
    for hit in find(joined, patterns):
        pieces = []
        for k, i in enumerate(stream):
            lo = max(hit.start, offsets[k]) - offsets[k]
            hi = min(hit.end, offsets[k] + len(segments[i].text)) - offsets[k]
            text = segments[i].text
            while lo < hi and text[lo] in SEPARATORS:  # a turn's comma stays outside the mask
                lo += 1
            while lo < hi and text[hi - 1] in SEPARATORS:
                hi -= 1
            if lo < hi:
                pieces.append(Piece(i, lo, hi, segments[i].text[lo:hi]))
        if not pieces:
            continue
        times = [_times(segments[p.segment], p.start, p.end) for p in pieces]
        found.append(
            Found(
                hit.kind,
                hit.label,
                segments[stream[0]].role,
                min(t[0] for t in times),
                max(t[1] for t in times),
                tuple(pieces),
            )
        )
    return found


def _times(seg: Segment, start: int, end: int) -> tuple[float, float]:
    """Seconds of characters ``start``..``end`` of ``seg``: its words', else in proportion."""
    covered = [
        w
        for w, span in zip(seg.words, _word_spans(seg), strict=True)
        if span is not None and span[0] < end and start < span[1]
    ]
    if covered:
        return covered[0].start, covered[-1].end
    size = max(1, len(seg.text))
    return (
        seg.start + seg.duration * start / size,
        seg.start + seg.duration * end / size,
    )


def _word_spans(seg: Segment) -> list[tuple[int, int] | None]:
    """Each word's characters in ``seg.text``, found in order (``None`` where not found)."""
    spans: list[tuple[int, int] | None] = []
    at = 0
    for word in seg.words:
        token = word.text.strip()
        where = seg.text.find(token, at) if token else -1
        if where < 0:
            spans.append(None)
            continue
        lead = len(word.text) - len(word.text.lstrip())
        spans.append((where - lead, where + len(token)))
        at = where + len(token)
    return spans
