"""Transcribe each channel of a recording and merge the turns into one Transcript.

Stereo calls are transcribed channel by channel (agent and customer apart), so
every segment's role is known from its channel; mono calls become one track of
role ``unknown``. Word timings are kept: with voice-activity detection a silent
hold disappears inside one long segment, but it stays visible as a gap between
words. Results are cached by audio content, model and settings.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Literal

import numpy as np

from callreview.audio import SAMPLE_RATE, Recording, file_digest, load_audio
from callreview.errors import CallreviewError
from callreview.model import ModelRef, cache_root, load_model, pick_device
from callreview.text import join_words, normalize, to_simplified
from callreview.transcript import Segment, Transcript, Unheard, Word, merge_segments

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

CACHE_VERSION = 6  # 6: transcripts carry the speech left unheard (schema 2)


@dataclass(frozen=True)
class TranscribeOptions:
    """How a recording is transcribed. Every field but ``cpu_threads`` is part of the cache key."""

    language: str | None = "zh"
    """Whisper language code; ``None`` detects it per channel."""
    agent_channel: Literal["left", "right"] = "left"
    """Which stereo channel carries the agent."""
    beam_size: int = 5
    batch_size: int = 4
    """>1: faster-whisper's batched pipeline over each channel's speech; 1: the sequential decoder."""
    chunk_length: int | None = None
    """Seconds of speech the batched pipeline packs into one window (faster-whisper's default: 30)."""
    repair: bool = True
    """Re-decode, one by one, stretches of speech the batched pipeline returned no words for."""
    word_timestamps: bool = True
    """Needed to see holds: silences inside a VAD segment show only as gaps between words."""
    vad_filter: bool = True
    """Skip non-speech: faster, and it stops runaway repetition loops on silence."""
    compression_ratio_max: float = 2.4
    """Segments more repetitive than this (gzip ratio) are dropped as hallucinations."""
    low_logprob: float = -1.0
    """Segments whose mean token log-probability is below this are flagged ``low_confidence``."""
    turn_gap_s: float = 2.0
    """A silence this long between two words of one channel starts a new turn."""
    handover_gap_s: float = 0.4
    """A shorter silence also starts a new turn when the other party spoke inside it."""
    window_s: float = 120.0
    """Longer channels are transcribed in windows of about this length, cut where it is quiet.
    Bounds the working memory (Silero VAD runs a whole window at once)."""
    device: str = "auto"
    compute_type: str | None = None
    cpu_threads: int = 0


class Transcriber:
    """Holds one loaded model for the whole process; transcribes recordings with a cache."""

    def __init__(self, model: ModelRef, options: TranscribeOptions = TranscribeOptions(), cache_dir: Path | None = None, use_cache: bool = True):
        self.model_ref = model
        device, compute_type = pick_device(options.device)
        self.options = replace(options, device=device, compute_type=options.compute_type or compute_type)
        self.cache_dir = (cache_dir or cache_root()) / "transcripts"
        self.use_cache = use_cache
        self._model: WhisperModel | None = None

    @property
    def model(self) -> "WhisperModel":
        if self._model is None:
            o = self.options
            self._model = load_model(self.model_ref, o.device, o.compute_type, o.cpu_threads)
        return self._model

    def cache_key(self, audio_digest: str) -> str:
        settings = asdict(self.options)
        settings.pop("cpu_threads")
        blob = json.dumps({"v": CACHE_VERSION, "audio": audio_digest, "model": self.model_ref.model_id, "options": settings}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def transcribe_file(self, path: str | Path) -> Transcript:
        """Transcribe ``path``, or return the cached transcript of the same audio and settings."""
        return self.transcribe_file_keyed(path)[0]

    def transcribe_file_keyed(self, path: str | Path, digest: str | None = None, recording: Recording | None = None) -> tuple[Transcript, str]:
        """:meth:`transcribe_file` and the transcript's cache key; ``digest``: the file's sha256 and
        ``recording``: the decoded file, when the caller has them already."""
        path = Path(path)
        recording = recording or load_audio(path)  # validates before any cache lookup: bad input is refused alike
        key = self.cache_key(digest or file_digest(path))
        if self.use_cache and (cached := self._read_cache(key)) is not None:
            return replace(cached, file=str(path)), key
        transcript = self.transcribe(recording)
        if self.use_cache:
            self._write_cache(key, transcript)
        return transcript, key

    def transcribe(self, recording: Recording) -> Transcript:
        segments: list[Segment] = []
        dropped: list[Segment] = []
        duration = recording.duration_s
        language = self.options.language
        per_role: dict[str, list[Segment]] = {}
        unheard: list[Unheard] = []
        for role, audio in recording.by_role(self.options.agent_channel).items():
            kept, bad, detected = self._transcribe_channel(audio, role, duration)
            per_role[role] = kept
            dropped += bad
            language = language or detected
            # What is still speech without words after every decode: the closing check tells a
            # lost last turn (review) from an agent who said nothing more (fail) by it.
            covered = [(w.start, w.end) for s in kept + bad for w in s.words] + [(s.start, s.end) for s in kept + bad if not s.words]
            unheard += [Unheard(role, round(a, 3), round(min(b, duration), 3)) for a, b in unheard_speech(audio, covered)]  # type: ignore[arg-type]
        for role, kept in per_role.items():
            others = [w.start for r, segs in per_role.items() if r != role for s in segs for w in s.words]
            segments += split_turns(kept, sorted(others), self.options.turn_gap_s, self.options.handover_gap_s)
        return Transcript(
            file=str(recording.path),
            duration_s=round(duration, 3),
            channels=len(recording.channels),
            model=self.model_ref.model_id,
            language=language or "unknown",
            roles="stereo" if recording.is_stereo else "mono-unknown",
            segments=merge_segments(segments),
            dropped=merge_segments(dropped),
            unheard=tuple(sorted(unheard, key=lambda u: (u.start, u.role))),
        )

    def _transcribe_channel(self, audio: np.ndarray, role: str, duration: float) -> tuple[list[Segment], list[Segment], str]:
        o = self.options
        common = dict(
            language=o.language,
            beam_size=o.beam_size,
            word_timestamps=o.word_timestamps,
            vad_filter=o.vad_filter,
            # A single temperature: the default fallback samples at random, so re-runs would differ.
            temperature=0.0,
            compression_ratio_threshold=o.compression_ratio_max,
            condition_on_previous_text=False,
        )
        if o.batch_size > 1:
            from faster_whisper import BatchedInferencePipeline

            pipeline = BatchedInferencePipeline(self.model)
            decode = lambda window: pipeline.transcribe(window, batch_size=o.batch_size, chunk_length=o.chunk_length, **common)  # noqa: E731
        else:
            decode = lambda window: self.model.transcribe(window, **common)  # noqa: E731
        kept: list[Segment] = []
        bad: list[Segment] = []
        language = o.language or ""
        # Long calls go through in windows cut at quiet moments: the model's working memory
        # (features, batched attention) then stays the same for a 5- or a 60-minute call.
        for offset, window in quiet_windows(audio, o.window_s):
            raw, info = decode(window)
            language = language or info.language
            heard: list[Segment] = []
            for seg in raw:  # a generator: decoding happens here, one batch at a time
                converted, problem = self._convert(seg, role, lambda t: offset + t, duration)
                if converted is not None:
                    (bad if problem else heard).append(converted)
            if o.batch_size > 1 and o.repair:
                # The batched decoder reads up to 30 s of packed speech per pass without
                # timestamps, and sometimes stops early: measured on the sample calls, it
                # dropped an agent's closing (04: 不客气，感谢您的来电，再见) and five short
                # customer answers that the sequential decoder kept. Speech that no word
                # covers is decoded again, all of a window's leftovers in one pass.
                covered = [(w.start - offset, w.end - offset) for s in heard + bad for w in s.words]
                covered += [(s.start - offset, s.end - offset) for s in bad]
                regions = unheard_speech(window, covered)
                if regions:
                    joined = join_regions(window, regions)
                    raw, _ = self.model.transcribe(joined.audio, **{**common, "vad_filter": False})
                    for seg in (piece for seg in raw for piece in joined.split(seg)):
                        converted, problem = self._convert(seg, role, lambda t: offset + joined.to_time(t), duration, flag="redecoded")
                        if converted is not None and not problem:
                            heard = drop_misplaced_tail(heard, converted)
                        if converted is not None:
                            (bad if problem else heard).append(converted)
                    heard.sort(key=lambda s: s.start)
            kept += heard
            _return_freed_memory()
        return kept, bad, language

    def _convert(self, seg, role: str, to_time: Callable[[float], float], duration: float, flag: str | None = None) -> tuple[Segment | None, str | None]:
        words = tuple(
            Word(round(max(0.0, to_time(float(w.start))), 3), round(min(to_time(float(w.end)), duration), 3), to_simplified(w.word.strip()))
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
        elif getattr(seg, "compression_ratio", 0) > self.options.compression_ratio_max:
            problem = "repetition"
        elif is_credit_hallucination(text):
            problem = "credit_hallucination"
        flags = [problem] if problem else []
        if flag:
            flags.append(flag)
        if not problem and seg.avg_logprob < self.options.low_logprob:
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

    # --- cache ----------------------------------------------------------------

    def _cache_path(self, key: str) -> Path:
        return self.cache_dir / key[:2] / f"{key}.json"

    def _read_cache(self, key: str) -> Transcript | None:
        path = self._cache_path(key)
        if not path.is_file():
            return None
        try:
            return Transcript.load(path)
        except CallreviewError:  # a damaged entry is re-created, never trusted
            return None

    def _write_cache(self, key: str, transcript: Transcript) -> None:
        path = self._cache_path(key)
        try:
            write_atomic(path, transcript.to_json(indent=None))
        except OSError:
            pass  # the cache is an optimization: a read-only cache must not fail the review


def quiet_windows(audio: np.ndarray, window_s: float, search_s: float = 20.0) -> list[tuple[float, np.ndarray]]:
    """Cut ``audio`` into pieces of about ``window_s`` seconds, each cut at the quietest
    half second within ``search_s`` before the nominal boundary. Returns (offset s, piece)
    pairs; the pieces are views, not copies."""
    size, hop = int(window_s * SAMPLE_RATE), SAMPLE_RATE // 2
    if len(audio) <= size * 1.2:
        return [(0.0, audio)]
    cuts, start = [], 0
    while len(audio) - start > size * 1.2:
        lo = start + size - int(search_s * SAMPLE_RATE)
        frames = audio[lo : start + size][: (start + size - lo) // hop * hop].reshape(-1, hop)
        cut = lo + int(np.argmin(np.einsum("ij,ij->i", frames, frames))) * hop + hop // 2
        cuts.append(cut)
        start = cut
    edges = [0, *cuts, len(audio)]
    return [(a / SAMPLE_RATE, audio[a:b]) for a, b in zip(edges, edges[1:])]


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


def _return_freed_memory() -> None:
    """Hand memory freed after a window back to the OS (glibc keeps it otherwise, and a
    long call or a long-running ``watch`` then creeps up window by window)."""
    if os.environ.get("CALLREVIEW_NO_TRIM"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def drop_misplaced_tail(heard: list[Segment], redone: Segment, within_s: float = 5.0) -> list[Segment]:
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
        ((w, s) for s in heard for w in s.words if w.end <= redone.start + 0.05 and redone.start - w.end <= within_s),
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
        import bisect

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
        return [replace(seg, start=ws[0].start, end=ws[-1].end, text="".join(w.word for w in ws), words=ws) for _, ws in groups]


def join_regions(audio: np.ndarray, regions: list[tuple[float, float]], gap_s: float = 1.0) -> JoinedRegions:
    """The ``regions`` of ``audio`` (seconds) joined with ``gap_s`` of silence between them."""
    pieces, starts, at = [], [], 0.0
    gap = np.zeros(int(gap_s * SAMPLE_RATE), dtype=audio.dtype)
    for start, end in regions:
        piece = audio[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
        pieces += [piece, gap]
        starts.append(at)
        at += len(piece) / SAMPLE_RATE + gap_s
    return JoinedRegions(np.concatenate(pieces[:-1]), tuple(regions), tuple(starts))


def split_turns(segments: list[Segment], other_starts: list[float], turn_gap_s: float, handover_gap_s: float) -> list[Segment]:
    """Cut one channel's segments into turns at long silences and where the other party spoke.

    Whisper's segments follow its 30-second windows, not the conversation: the
    batched pipeline returns a whole channel as one segment, a hold included.
    Word timings tell where a speaker really stopped.
    """
    import bisect

    out: list[Segment] = []
    for seg in segments:
        if len(seg.words) < 2:
            out.append(seg)
            continue
        run: list[Word] = [seg.words[0]]
        for word in seg.words[1:]:
            gap_start, gap_end = run[-1].end, word.start
            gap = gap_end - gap_start
            other_spoke = bisect.bisect_left(other_starts, gap_start) < bisect.bisect_left(other_starts, gap_end)
            if gap >= turn_gap_s or (gap >= handover_gap_s and other_spoke):
                out.append(_turn_from(seg, run))
                run = []
            run.append(word)
        out.append(_turn_from(seg, run) if len(run) < len(seg.words) else seg)
    return out


def _turn_from(seg: Segment, words: list[Word]) -> Segment:
    text = join_words(w.text for w in words)
    return replace(seg, start=words[0].start, end=words[-1].end, text=text, norm=normalize(text), words=tuple(words))


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@lru_cache(maxsize=1)
def _credit_phrases() -> tuple[str, ...]:
    text = resources.files("callreview").joinpath("data/hallucinations.txt").read_text(encoding="utf-8")
    return tuple(normalize(line) for line in text.splitlines() if line.strip() and not line.startswith("#"))


def is_credit_hallucination(text: str) -> bool:
    """Subtitle credits and sign-offs that Whisper invents over silence or music."""
    norm = normalize(text)
    return any(phrase in norm for phrase in _credit_phrases())
