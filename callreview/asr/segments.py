"""From faster-whisper's segments to the Transcript's: call times, flags and turns.

Whisper's segments follow its windows, not the conversation; word timings tell where a
speaker really stopped (:func:`split_turns`). Segments that are hallucinations (repetition,
subtitle credits, past the end of the audio) come back with the problem named, to be kept
apart as ``dropped``.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from typing import Any

from callreview.text import join_words, normalize, to_simplified
from callreview.transcript import Segment, Word


def convert(
    seg: Any,
    role: str,
    to_time: Callable[[float], float],
    duration: float,
    compression_ratio_max: float,
    low_logprob: float,
    flag: str | None = None,
) -> tuple[Segment | None, str | None]:
    """A faster-whisper segment in ``role`` and call times (``to_time``), and its problem
    (``past_end``, ``repetition``, ``credit_hallucination``) or ``None``; no segment when it
    holds no text. ``flag`` is added to the segment's flags."""
    words = tuple(
        Word(
            round(max(0.0, to_time(float(w.start))), 3),
            round(min(to_time(float(w.end)), duration), 3),
            to_simplified(w.word.strip()),
        )
        for w in (seg.words or ())
        if w.word.strip()
    )
    text = to_simplified(seg.text.strip()) if not words else join_words(w.text for w in words)
    if not text:
        return None, None
    problem = None
    seg_start, seg_end = to_time(float(seg.start)), to_time(float(seg.end))
    if seg_start >= duration:
        problem = "past_end"
    elif getattr(seg, "compression_ratio", 0) > compression_ratio_max:
        problem = "repetition"
    elif is_credit_hallucination(text):
        problem = "credit_hallucination"
    flags = [problem] if problem else []
    if flag:
        flags.append(flag)
    if not problem and seg.avg_logprob < low_logprob:
        flags.append("low_confidence")
    start = round(max(0.0, seg_start), 3)
    return Segment(
        role=role,  # type: ignore[arg-type]
        start=start,
        end=round(max(start, min(seg_end, duration)), 3),
        text=text,
        norm=normalize(text),
        words=words,
        avg_logprob=round(float(seg.avg_logprob), 4),
        flags=tuple(flags),
    ), problem


def joined(a: Segment, b: Segment) -> Segment:
    """Two parts of one decoded segment, in one role, as one segment again."""
    words = a.words + b.words
    text = join_words(w.text for w in words) if words else a.text + b.text
    return replace(
        a,
        end=max(a.end, b.end),
        text=text,
        norm=normalize(text),
        words=words,
        flags=tuple(dict.fromkeys(a.flags + b.flags)),
    )


def split_turns(
    segments: list[Segment], other_starts: list[float], turn_gap_s: float, handover_gap_s: float
) -> list[Segment]:
    """Cut one channel's segments into turns at long silences and where the other party spoke.

    Whisper's segments follow its 30-second windows, not the conversation: the
    batched pipeline returns a whole channel as one segment, a hold included.
    Word timings tell where a speaker really stopped.
    """
    out: list[Segment] = []
    for seg in segments:
        if len(seg.words) < 2:
            out.append(seg)
            continue
        run: list[Word] = [seg.words[0]]
        for word in seg.words[1:]:
            gap_start, gap_end = run[-1].end, word.start
            gap = gap_end - gap_start
            other_spoke = bisect.bisect_left(other_starts, gap_start) < bisect.bisect_left(
                other_starts, gap_end
            )
            if gap >= turn_gap_s or (gap >= handover_gap_s and other_spoke):
                out.append(_turn_from(seg, run))
                run = []
            run.append(word)
        out.append(_turn_from(seg, run) if len(run) < len(seg.words) else seg)
    return out


def _turn_from(seg: Segment, words: list[Word]) -> Segment:
    text = join_words(w.text for w in words)
    return replace(
        seg,
        start=words[0].start,
        end=words[-1].end,
        text=text,
        norm=normalize(text),
        words=tuple(words),
    )


@lru_cache(maxsize=1)
def _credit_phrases() -> tuple[str, ...]:
    text = (
        resources.files("callreview")
        .joinpath("data/hallucinations.txt")
        .read_text(encoding="utf-8")
    )
    return tuple(
        normalize(line) for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def is_credit_hallucination(text: str) -> bool:
    """Subtitle credits and sign-offs that Whisper invents over silence or music."""
    norm = normalize(text)
    return any(phrase in norm for phrase in _credit_phrases())
