"""Tell the agent from the customer on a mono recording, word by word.

    Transcript (mono-unknown) ─pieces─▶ runs of words (cut at pauses, ~1.5 s at most)
        ─CAM++ (embed)─▶ one voice embedding per piece ─two_means (cluster)─▶ two voices
        ─agent_evidence (roles)─▶ which voice is the agent ─▶ Transcript (mono-separated)

Every word keeps its timing; a segment that spans both voices is cut where the
voice changes. Each new segment carries a ``role_confidence``: the chance its role
is right, from how clearly its pieces sit in their voice and how clearly that voice
is the agent's. A call that cannot be separated (too little speech, one voice, or
no word timings) stays ``mono-unknown`` and :func:`separate` says why
(:attr:`Separation.reason`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import cast

import numpy as np
from threadpoolctl import threadpool_limits

from callreview.asr.audio import SAMPLE_RATE, Recording
from callreview.asr.speakers.cluster import two_means
from callreview.asr.speakers.embed import Embedder
from callreview.asr.speakers.roles import AgentCues, agent_evidence, role_certainty
from callreview.text import join_words, normalize
from callreview.transcript import Role, Segment, Transcript, Word, merge_segments

SEPARATOR_VERSION = 4
"""Part of the cache key of a separated transcript: bump when the result would change."""


@dataclass(frozen=True)
class SeparateOptions:
    """How a mono call's voices are told apart."""

    piece_gap_s: float = 0.25
    """A pause this long between two words may be a change of speaker: the piece ends there."""
    quiet_s: float = 0.15
    """A quiet stretch this long in the audio inside a segment also ends a piece, at the word
    boundary nearest its middle: Whisper's word timings often swallow the pause at a change of
    speaker into the next speaker's first word."""
    piece_max_s: float = 1.5
    """Longer runs of words are cut into pieces of about this length (a change with no pause)."""
    pad_s: float = 0.05
    """Audio taken beyond a piece's first and last word (word timings are approximate)."""
    min_speech_s: float = 6.0
    """Less speech than this in the call: not enough to tell two voices."""
    min_voice_s: float = 1.5
    """A voice with less speech than this is no second speaker."""
    same_voice: float = 0.95
    """Two voice centres closer than this (cosine) are one voice."""
    short_s: float = 0.5
    """Pieces shorter than this carry little of a voice (see :func:`follow_neighbours`)."""
    follow_s: float = 1.0
    """A piece shorter than this, not clearly in its voice, that opens its segment or goes on
    from the piece before with no pause, is the voice of the words it belongs to (see
    :func:`follow_neighbours`)."""
    margin_scale: float = 0.1
    """A piece's margin (cosine) at which its voice is ~76 % sure (tanh(1))."""
    threads: int = 0
    """CAM++ sessions side by side, one onnxruntime thread each (0: up to four; see
    :class:`~callreview.asr.speakers.embed.Embedder`); the caller passes the transcription's
    ``cpu_threads``, so a batch worker's share of the cores holds for both. numpy's BLAS is held
    to one thread meanwhile: its idle threads spin between the pieces and take the cores from
    onnxruntime."""


@dataclass(frozen=True)
class Separation:
    """What :func:`separate` did with a call."""

    transcript: Transcript
    reason: str | None = None
    """Why the call stays ``mono-unknown`` (``None`` when it was separated)."""
    agent_reasons: tuple[str, ...] = ()
    """The evidence that picked the agent's voice."""
    centre_similarity: float | None = None


@dataclass(frozen=True)
class Piece:
    """A run of words of one segment, judged as one voice."""

    segment: int
    words: tuple[Word, ...]
    start: float
    end: float
    after_pause: bool = True
    """Cut from the piece before at a pause (not only for length)."""

    @property
    def duration(self) -> float:
        return self.end - self.start


_embedder: dict[int, Embedder] = {}


def embedder(threads: int = 1) -> Embedder:
    """The process's CAM++ session (loaded once)."""
    if threads not in _embedder:
        _embedder[threads] = Embedder(threads=threads)
    return _embedder[threads]


def separate(
    transcript: Transcript,
    recording: Recording,
    cues: AgentCues,
    options: SeparateOptions = SeparateOptions(),
) -> Transcript:
    """``transcript`` with agent/customer roles (``mono-separated``), or as it was when it cannot
    be separated."""
    return separation(transcript, recording, cues, options).transcript


def separation(
    transcript: Transcript,
    recording: Recording,
    cues: AgentCues,
    options: SeparateOptions = SeparateOptions(),
) -> Separation:
    """:func:`separate`, with why it did what it did."""
    if transcript.roles != "mono-unknown":
        return Separation(transcript, f"roles are already {transcript.roles}")
    if recording.is_stereo:
        return Separation(transcript, "the recording has an agent and a customer channel")
    audio = recording.by_role()["unknown"]
    pieces = make_pieces(transcript.segments, options, quiet_stretches(audio, options.quiet_s))
    speech = sum(p.duration for p in pieces)
    if speech < options.min_speech_s:
        return Separation(
            transcript,
            f"too little speech to tell two voices ({speech:.1f} s, "
            f"at least {options.min_speech_s:g} s needed)",
        )
    waves = [
        audio[
            max(0, int((p.start - options.pad_s) * SAMPLE_RATE)) : int(
                (p.end + options.pad_s) * SAMPLE_RATE
            )
        ]
        for p in pieces
    ]
    with threadpool_limits(limits=1, user_api="blas"):
        embeddings = embedder(options.threads).embed_many(waves)
    weights = np.array([p.duration for p in pieces])
    voices = two_means(embeddings, weights)
    if min(voices.weights) < options.min_voice_s:
        return Separation(
            transcript,
            f"one voice: the second has only {min(voices.weights):.1f} s of speech",
            centre_similarity=voices.centre_similarity,
        )
    if voices.centre_similarity > options.same_voice:
        return Separation(
            transcript,
            f"one voice: the two voice centres are {voices.centre_similarity:.2f} alike (cosine)",
            centre_similarity=voices.centre_similarity,
        )

    labels = follow_neighbours(pieces, voices.labels, voices.margins, options)
    first = int(np.argmin([p.start for p in pieces]))
    # each voice's turns, once: voice 0 as "agent", voice 1 as "customer" (names only, here)
    turns = build_segments(
        transcript.segments,
        pieces,
        ["agent" if label == 0 else "customer" for label in labels],
        np.ones(len(pieces)),
    )
    evidence = [
        agent_evidence([s for s in turns if s.role == role], cues, speaks_first=labels[first] == k)
        for k, role in ((0, "agent"), (1, "customer"))
    ]
    agent = 0 if evidence[0].score >= evidence[1].score else 1
    p_role = role_certainty(evidence[agent], evidence[1 - agent])
    p_voice = 0.5 + 0.5 * np.tanh(voices.margins / options.margin_scale)
    confidence = p_voice * p_role + (1 - p_voice) * (1 - p_role)
    roles = ["agent" if label == agent else "customer" for label in labels]
    segments = build_segments(transcript.segments, pieces, roles, confidence)
    return Separation(
        replace(transcript, roles="mono-separated", segments=segments),
        agent_reasons=evidence[agent].reasons,
        centre_similarity=voices.centre_similarity,
    )


FRAME_S = 0.02


def quiet_stretches(audio: np.ndarray, min_s: float) -> list[tuple[float, float]]:
    """Stretches of at least ``min_s`` where the call is quiet: 20 ms frames nearer the noise floor
    (10th percentile) than the speech level (95th), in dB."""
    n = int(FRAME_S * SAMPLE_RATE)
    frames = len(audio) // n
    if frames < 2:
        return []
    power = np.square(audio[: frames * n].reshape(frames, n), dtype=np.float64).mean(axis=1)
    db = 10 * np.log10(power + 1e-12)
    floor, loud = np.percentile(db, 10), np.percentile(db, 95)
    quiet = db < floor + 0.35 * (loud - floor)
    out: list[tuple[float, float]] = []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], quiet.astype(np.int8), [0]))))
    for a, b in zip(edges[::2], edges[1::2]):
        if (b - a) * FRAME_S >= min_s:
            out.append((a * FRAME_S, b * FRAME_S))
    return out


SECONDS_PER_CHARACTER = 0.3
"""About the longest a Mandarin syllable lasts: a word timed much longer has a pause inside."""


def _heard_start(word: Word) -> float:
    """Where ``word`` is likely spoken from: Whisper often starts the first word after a pause
    at the pause's start (吴 timed 46.58–47.34 s), so a word far longer than its characters
    take is taken to start ``SECONDS_PER_CHARACTER`` per character before its end."""
    chars = max(1, sum(ch.isalnum() for ch in word.text))
    if word.end - word.start > SECONDS_PER_CHARACTER * chars + 0.15:
        return word.end - SECONDS_PER_CHARACTER * chars
    return word.start


def follow_neighbours(
    pieces: Sequence[Piece], labels: np.ndarray, margins: np.ndarray, options: SeparateOptions
) -> np.ndarray:
    """A piece whose own voice is not clear (margin under ``margin_scale``) takes the voice of the
    nearest piece of its segment within ``piece_gap_s`` × 2 (one at least ``short_s`` long) when

    * it is too short for its voice to be heard (under ``short_s``);
    * it is under ``follow_s`` and opens its segment (a 您好 before the rest of the greeting), or
      goes on from the piece before with no pause (cut there only for length). Whisper starts a
      segment where someone starts to speak and a change of voice inside one comes after a pause
      (the other party's 没有了 at its end), so such a piece is the voice of the words it belongs
      to; other unclear pieces of that length, after a pause inside a segment, keep their own.

    A clear short piece (a 嗯 in the other voice) keeps its own."""
    out = labels.copy()
    for i, piece in enumerate(pieces):
        if margins[i] >= options.margin_scale:
            continue
        short = piece.duration < options.short_s
        opens = i == 0 or pieces[i - 1].segment != piece.segment
        belongs = piece.duration < options.follow_s and (opens or not piece.after_pause)
        if not (short or belongs):
            continue
        near = [
            (gap, j)
            for j in (i - 1, i + 1)
            if 0 <= j < len(pieces)
            and pieces[j].segment == piece.segment
            and pieces[j].duration >= options.short_s
            for gap in [max(pieces[j].start - piece.end, piece.start - pieces[j].end, 0.0)]
            if gap <= 2 * options.piece_gap_s
        ]
        if near:
            out[i] = labels[min(near)[1]]
    return out


def make_pieces(
    segments: Sequence[Segment],
    options: SeparateOptions = SeparateOptions(),
    quiet: Sequence[tuple[float, float]] = (),
) -> list[Piece]:
    """Each segment's words in runs cut at pauses: between words (``piece_gap_s``), or heard in
    the audio (``quiet``, cut at the word boundary nearest the quiet's middle); and at about
    ``piece_max_s``. A segment without word timings is one piece."""
    middles = np.array(sorted((a + b) / 2 for a, b in quiet))
    pieces: list[Piece] = []
    for index, words in enumerate(_words_by_segment(segments)):
        run: list[Word] = []
        run_start = 0.0
        paused = True
        for word in words:
            start = _heard_start(word)
            quiet_between = False
            if run and len(middles):
                # a quiet middle between the two words' centres puts the boundary here
                lo, hi = (run[-1].start + run[-1].end) / 2, (start + word.end) / 2
                k = np.searchsorted(middles, lo)
                quiet_between = bool(k < len(middles) and middles[k] < hi)
            pause = quiet_between or start - run[-1].end >= options.piece_gap_s if run else False
            if run and (pause or run[-1].end - run_start >= options.piece_max_s):
                pieces.append(Piece(index, tuple(run), run_start, max(w.end for w in run), paused))
                run = []
                paused = pause
            if not run:
                run_start = start
            run.append(word)
        if run:
            pieces.append(Piece(index, tuple(run), run_start, max(w.end for w in run), paused))
    return _absorb_short_tails(pieces, options)


def _words_by_segment(segments: Sequence[Segment]) -> list[tuple[Word, ...]]:
    """Each segment's words as the pieces read them.

    * A word timed far outside its segment (Whisper sometimes stretches one over a whole
      stretch of the other party's speech) is heard only within the segment.
    """
    out: list[list[Word]] = []
    for seg in segments:
        words = [
            Word(max(w.start, seg.start), min(max(w.end, seg.start), seg.end), w.text)
            if (w.start < seg.start - 0.5 or w.end > seg.end + 0.5)
            else w
            for w in seg.words
        ] or [Word(seg.start, seg.end, seg.text)]
        out.append(words)
    return [tuple(w) for w in out]


def _absorb_short_tails(pieces: list[Piece], options: SeparateOptions) -> list[Piece]:
    """A piece cut only for length (no pause before it) shorter than half ``piece_max_s`` joins
    the one before."""
    out: list[Piece] = []
    for piece in pieces:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.segment == piece.segment
            and not piece.after_pause
            and piece.duration < options.piece_max_s / 2
        ):
            out[-1] = Piece(
                prev.segment,
                prev.words + piece.words,
                prev.start,
                max(prev.end, piece.end),
                prev.after_pause,
            )
        else:
            out.append(piece)
    return out


def build_segments(
    originals: Sequence[Segment],
    pieces: Sequence[Piece],
    roles: Sequence[str],
    confidence: Sequence[float] | np.ndarray,
    turn_gap_s: float = 2.0,
) -> tuple[Segment, ...]:
    """Consecutive pieces of one role become one turn, as a stereo channel's words do: across the
    transcriber's segment boundaries too (VAD cuts where it likes), until a pause of ``turn_gap_s``.
    A turn's role confidence is its pieces' mean, weighted by length."""
    order = sorted(range(len(pieces)), key=lambda i: (pieces[i].start, pieces[i].segment))
    out: list[Segment] = []
    group: list[int] = []

    def flush() -> None:
        if not group:
            return
        parts: list[str] = []
        words: list[Word] = []
        flags: list[str] = []
        logprobs: list[tuple[float, float]] = []
        start, end = float("inf"), float("-inf")
        for index in dict.fromkeys(
            pieces[i].segment for i in group
        ):  # originals in order of first use
            seg = originals[index]
            mine = [w for i in group if pieces[i].segment == index for w in pieces[i].words]
            whole = not seg.words or len(mine) == len(seg.words)
            parts.append(seg.text if whole else join_words(w.text for w in mine))
            if seg.words:
                words += mine
            lo, hi = (seg.start, seg.end) if whole else (mine[0].start, max(w.end for w in mine))
            start, end = min(start, lo), max(end, hi)
            flags += [f for f in seg.flags if f not in flags]
            if seg.avg_logprob is not None:
                logprobs.append((seg.avg_logprob, max(hi - lo, 0.01)))
        text = join_words(parts) if len(parts) > 1 else parts[0]
        weights = np.array([max(pieces[i].duration, 0.05) for i in group])
        conf = float(np.average([confidence[i] for i in group], weights=weights))
        first = originals[pieces[group[0]].segment]
        out.append(
            replace(
                first,
                role=cast(Role, roles[group[0]]),
                start=start,
                end=end,
                text=text,
                norm=first.norm
                if len(group) == len(pieces) and text == first.text
                else normalize(text),
                words=tuple(sorted(words, key=lambda w: w.start)),
                avg_logprob=None
                if not logprobs
                else round(
                    float(np.average([a for a, _ in logprobs], weights=[b for _, b in logprobs])), 4
                ),
                flags=tuple(flags),
                role_confidence=round(conf, 3),
            )
        )
        group.clear()

    for i in order:
        if group and (
            roles[group[-1]] != roles[i]
            or pieces[i].start - max(pieces[j].end for j in group) >= turn_gap_s
        ):
            flush()
        group.append(i)
    flush()
    return merge_segments(out)
