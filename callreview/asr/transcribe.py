"""Transcribe a recording's channels and merge the turns into one Transcript.

Each stereo channel's speech is found apart (agent and customer), so every
segment's role is known from its channel; the pieces of both channels then
share the encoder's windows (:mod:`callreview.asr.windows`), each keeping its role
and times. Mono calls become one track of role ``unknown``. Word timings are
kept: with voice-activity detection a silent hold disappears inside one long
segment, but it stays visible as a gap between words. Results are cached by
audio content, model and settings.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from callreview.asr.audio import SAMPLE_RATE, Recording, file_digest, load_audio
from callreview.asr.model import ModelRef, cache_root, load_model, pick_device
from callreview.asr.windows import (  # noqa: F401  (re-exported: the window machinery lived here)
    FRAMES_PER_S,
    MAX_FRAMES,
    JoinedRegions,
    Piece,
    Window,
    decode_windows,
    drop_misplaced_tail,
    join_regions,
    pack,
    quiet_blocks,
    quiet_windows,
    speech_pieces,
    split_by_piece,
    unheard_speech,
)
from callreview.errors import CallreviewError
from callreview.text import join_words, normalize, to_simplified
from callreview.transcript import Segment, Transcript, Unheard, Word, merge_segments

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

CACHE_VERSION = 8  # 8: beam 4, greedy customer channel; 7: both channels share encoder windows, inputs padded to the window; 6: speech left unheard (schema 2)


_LATER_OPTIONS = ("initial_prompt", "decode_batch", "balance_windows", "fill_last_s")
"""Options added after the cache key's layout was fixed, left out of the key while ``None``."""


@dataclass(frozen=True)
class TranscribeOptions:
    """How a recording is transcribed. Every field but ``cpu_threads`` is part of the cache key."""

    language: str | None = "zh"
    """Whisper language code; ``None`` detects it per channel."""
    agent_channel: Literal["left", "right"] = "left"
    """Which stereo channel carries the agent."""
    beam_size: int = 4
    """The decoder's beam (faster-whisper's default: 5). Measured on the samples, 4 gave the
    same agent CER as 5 (9.0 % / 15.2 %) in 6 % less time; 3 raised it to 9.7 % / 16.7 %."""
    customer_beam_size: int | None = 1
    """The beam for the customer's channel of a stereo call (``None``: :attr:`beam_size`).
    The checklist scores the agent's words; the customer's need to be heard. The decoder is
    most of a call's time and its cost grows with the beam: greedy on the customer's windows
    cut the samples' wall by a fifth at the same customer CER (16.1 %), no turn unheard. The
    re-decode of speech left unheard always uses the full beam."""
    mono_beam_size: int = 5
    """The beam for a mono recording's one track (role ``unknown``), first pass and re-decode:
    faster-whisper's 5, the decoding the speaker separation was tuned on. Measured with
    ``bench_mono.py --eval``, beam 4 and 5 gave the same agreement on the mixdowns (samples
    66/70 both; eval/ 203 and 202 of 235), so 5 is kept for that reason only."""
    initial_prompt: str | None = None
    """Text given to the decoder as the words before each window (Whisper's ``initial_prompt``),
    e.g. product names. Off by default: measured on the samples, a prompt of call-centre phrases
    raised the agent's CER from 9.0 % to 17.3 % and a neutral one (以下是普通话的客服电话录音。)
    left a customer turn unheard (README, the settings tried, r11)."""
    batch_size: int = 2
    """>1: speech packed into windows for faster-whisper's batched decoder (see
    :mod:`callreview.asr.windows`), :attr:`decode_batch` windows a decoder call; 1: each channel
    through the sequential decoder."""
    decode_batch: int | None = 1
    """Windows per decoder call in the batched path (``None``: :attr:`batch_size`, the default
    before 2026-12-04). One window a call pads no window to a longer one of its batch: on the
    samples 6 % less wall than two, peak RSS 545 against 611 MiB, agent CER the same (README,
    the settings tried, r13)."""
    encode_batch: int = 2
    """A batch's windows go through the encoder this many at a time (CPU): the encoder's
    attention scores of four full windows at once cost ~120 MiB more and ran slower."""
    chunk_length: int | None = None
    """The longest piece of speech (and window) in seconds (faster-whisper's default: 30)."""
    repair: bool = True
    """Decode again the stretches of speech the batched pass returned no words for."""
    share_windows: bool = False
    """Both channels' speech shares the encoder windows (each piece keeps its role and times);
    False (the default): each channel has windows of its own, both channels' in one batch.
    Measured on the samples: sharing moved words across the change of voice (agent CER 9.7 %
    against 9.2 %) and saved no measurable time once inputs are padded only to their speech."""
    pack_s: float = 30.0
    """A window is closed once the next piece of speech would make it longer than this (a
    longer piece has a window of its own, up to ``chunk_length``): shorter windows cost less
    encoder time per second of speech (attention grows with the square of the length)."""
    balance_windows: float | None = None
    """A channel whose speech needs several windows gets them about equally long, but none
    closed under this many seconds, instead of full ones and a short last one
    (:func:`callreview.asr.windows.pack`); ``None``: off. Not adopted: faster (b24: −5 %), but
    words at the start of a shorter window lose their context (14_interrupt_fast's agent CER
    12.7 → 17.6 %; README, the settings tried, r13)."""
    fill_last_s: float | None = 10.0
    """A channel's last window holding less speech than this takes pieces from the end of the
    window before (which keeps at least as much), since its encoder input is padded to
    :attr:`min_input_s` anyway and the one before then costs less (the encoder's cost grows
    faster than its input). Measured on the samples: 7 % less wall, agent CER the same
    (8.6 % / 12.7 %); 15 s was slower and less accurate (README, the settings tried, r13).
    ``None``: off, as before 2026-12-06."""
    piece_gap_s: float = 0.0
    """Silence laid between two pieces of one voice packed into one window."""
    pack_by_role: bool = True
    """A shared window holds one role's pieces, then the other's (one change of voice);
    False: all pieces in time order."""
    role_gap_s: float = 1.0
    """Silence laid where a shared window changes voice."""
    min_input_s: float = 10.0
    """Encoder inputs are padded to their window's speech, but to at least this many seconds
    (30: always the full 30 s, as Whisper was trained). A 30 s input costs the encoder about
    ten times a 10 s one; 5 s cost accuracy on the samples (CTranslate2 issue 2100 reports the
    same on short telephone utterances)."""
    redecode: Literal["sequential", "alone", "packed"] = "alone"
    """How unheard speech is decoded again: ``sequential``: a channel's leftovers joined with 1 s
    of silence, through the sequential decoder (timestamps, 30 s input); ``alone``: each
    stretch its own short encoder input, all in one batch; ``packed``: stretches of both
    channels packed into shared windows with 1 s between them."""
    redecode_min_input_s: float = 10.0
    """The floor of :attr:`min_input_s` for the ``alone`` and ``packed`` re-decodes."""
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

    def __init__(
        self,
        model: ModelRef,
        options: TranscribeOptions = TranscribeOptions(),
        cache_dir: Path | None = None,
        use_cache: bool = True,
    ):
        self.model_ref = model
        device, compute_type = pick_device(options.device)
        self.options = replace(
            options, device=device, compute_type=options.compute_type or compute_type
        )
        self.cache_dir = (cache_dir or cache_root()) / "transcripts"
        self.use_cache = use_cache
        self._model: WhisperModel | None = None

    @property
    def model(self) -> WhisperModel:
        if self._model is None:
            o = self.options
            self._model = load_model(self.model_ref, o.device, o.compute_type, o.cpu_threads)
        return self._model

    def cache_key(self, audio_digest: str) -> str:
        settings = asdict(self.options)
        settings.pop("cpu_threads")
        for name in (
            _LATER_OPTIONS
        ):  # unset, they leave the key as it was: cached and stored transcripts stay valid
            if settings[name] is None:
                settings.pop(name)
        blob = json.dumps(
            {
                "v": CACHE_VERSION,
                "audio": audio_digest,
                "model": self.model_ref.model_id,
                "options": settings,
            },
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode()).hexdigest()

    def transcribe_file(self, path: str | Path) -> Transcript:
        """Transcribe ``path``, or return the cached transcript of the same audio and settings."""
        return self.transcribe_file_keyed(path)[0]

    def transcribe_file_keyed(
        self, path: str | Path, digest: str | None = None, recording: Recording | None = None
    ) -> tuple[Transcript, str]:
        """:meth:`transcribe_file` and the transcript's cache key; ``digest``: the file's sha256 and
        ``recording``: the decoded file, when the caller has them already."""
        path = Path(path)
        recording = recording or load_audio(
            path
        )  # validates before any cache lookup: bad input is refused alike
        key = self.cache_key(digest or file_digest(path))
        if self.use_cache and (cached := self._read_cache(key)) is not None:
            return replace(cached, file=str(path)), key
        transcript = self.transcribe(recording)
        if self.use_cache:
            self._write_cache(key, transcript)
        return transcript, key

    def transcribe(self, recording: Recording) -> Transcript:
        o = self.options
        segments: list[Segment] = []
        duration = recording.duration_s
        channels = recording.by_role(o.agent_channel)
        if o.batch_size > 1:
            per_role, dropped, language = self._transcribe_packed(channels, duration)
        else:
            per_role, dropped, language = {}, [], o.language
            for role, audio in channels.items():
                kept, bad, detected = self._transcribe_channel(audio, role, duration)
                per_role[role] = kept
                dropped += bad
                language = language or detected
        unheard: list[Unheard] = []
        for role, audio in channels.items():
            # What is still speech without words after every decode: the closing check tells a
            # lost last turn (review) from an agent who said nothing more (fail) by it.
            mine = per_role.get(role, []) + [s for s in dropped if s.role == role]
            covered = [(w.start, w.end) for s in mine for w in s.words] + [
                (s.start, s.end) for s in mine if not s.words
            ]
            unheard += [
                Unheard(role, round(a, 3), round(min(b, duration), 3))
                for a, b in unheard_speech(audio, covered)
            ]  # type: ignore[arg-type]
        for role, kept in per_role.items():
            others = [
                w.start for r, segs in per_role.items() if r != role for s in segs for w in s.words
            ]
            segments += split_turns(kept, sorted(others), o.turn_gap_s, o.handover_gap_s)
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

    def _decoding(self, language: str):
        """faster-whisper's tokenizer and batched decoding options for :func:`decode_windows`:
        the batched pipeline's own defaults, but a single temperature (the default fallback
        samples at random, so re-runs would differ)."""
        import inspect

        from faster_whisper import BatchedInferencePipeline
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import TranscriptionOptions, get_suppressed_tokens

        o, model = self.options, self.model
        defaults = {
            k: p.default
            for k, p in inspect.signature(BatchedInferencePipeline.transcribe).parameters.items()
        }
        tokenizer = Tokenizer(
            model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language
        )
        options = TranscriptionOptions(
            beam_size=o.beam_size,
            best_of=defaults["best_of"],
            patience=defaults["patience"],
            length_penalty=defaults["length_penalty"],
            repetition_penalty=defaults["repetition_penalty"],
            no_repeat_ngram_size=defaults["no_repeat_ngram_size"],
            log_prob_threshold=defaults["log_prob_threshold"],
            no_speech_threshold=defaults["no_speech_threshold"],
            compression_ratio_threshold=o.compression_ratio_max,
            condition_on_previous_text=False,
            prompt_reset_on_temperature=0.5,
            temperatures=[0.0],
            initial_prompt=o.initial_prompt,
            prefix=None,
            suppress_blank=True,
            suppress_tokens=get_suppressed_tokens(tokenizer, defaults["suppress_tokens"]),
            without_timestamps=True,
            max_initial_timestamp=0.0,
            word_timestamps=o.word_timestamps,
            prepend_punctuations=defaults["prepend_punctuations"],
            append_punctuations=defaults["append_punctuations"],
            multilingual=False,
            max_new_tokens=None,
            clip_timestamps=[],
            hallucination_silence_threshold=None,
            hotwords=None,
        )
        return tokenizer, options

    def _transcribe_packed(
        self, channels: dict[str, np.ndarray], duration: float
    ) -> tuple[dict[str, list[Segment]], list[Segment], str | None]:
        """Both channels' speech in shared windows, one batch after the other (see
        :mod:`callreview.asr.windows`); then the speech left without words decoded again."""
        from faster_whisper import BatchedInferencePipeline

        o = self.options
        pipeline = BatchedInferencePipeline(self.model)
        max_s = float(o.chunk_length or 30)
        min_frames = int(o.min_input_s * FRAMES_PER_S)
        kept: dict[str, list[Segment]] = {role: [] for role in channels}
        bad: list[Segment] = []
        language, decoding = o.language, None
        # Long calls go through in blocks cut where every channel is quiet: the model's working
        # memory (features, batched attention) then stays the same for a 5- or a 60-minute call.
        for offset, block in quiet_blocks(channels, o.window_s):
            if o.vad_filter:
                pieces = [p for found in self._detect_speech(block, offset, max_s) for p in found]
            else:
                n = len(next(iter(block.values()))) / SAMPLE_RATE
                pieces = [
                    Piece(role, offset + a, offset + min(a + max_s, n))
                    for role in block
                    for a in np.arange(0, n, max_s)
                ]
            windows = pack(
                pieces,
                min(o.pack_s, max_s),
                o.piece_gap_s,
                share=o.share_windows,
                by_role=o.pack_by_role,
                role_gap_s=o.role_gap_s,
                piece_max_s=max_s,
                balance=o.balance_windows,
                last_s=o.fill_last_s,
            )
            if not windows:
                continue
            audios = [w.audio(block, offset) for w in windows]
            if language is None:
                language = self.model.detect_language(audio=audios[0])[0]
            if decoding is None:
                decoding = self._decoding(language)
            heard: dict[str, list[Segment]] = {role: [] for role in block}
            for window, segs in zip(
                windows, self._decode(pipeline, windows, audios, decoding, min_frames)
            ):
                self._place(window, segs, duration, heard, bad)
            del audios
            if o.repair:
                self._redecode(block, offset, duration, heard, bad, pipeline, decoding)
            for role, segs in heard.items():
                kept[role] += segs
            _return_freed_memory()
        return kept, bad, language

    def _decode(
        self,
        pipeline,
        windows: list[Window],
        audios: list[np.ndarray],
        decoding,
        min_frames: int,
        full_beam: bool = False,
    ) -> list[list]:
        """:func:`decode_windows` of ``windows``, the customer's with their own beam when
        :attr:`TranscribeOptions.customer_beam_size` differs (unless ``full_beam``: the
        re-decode of speech left unheard is the safety net, it uses the full beam for every
        role); results in the windows' order."""
        o = self.options
        tokenizer, options = decoding
        narrow = o.customer_beam_size if o.customer_beam_size and not full_beam else o.beam_size
        roles = [{p.role for p in w.pieces} for w in windows]
        beams = [
            narrow
            if r == {"customer"}
            else o.beam_size
            if r <= {"agent", "customer"}
            else o.mono_beam_size
            for r in roles
        ]
        out: list[list] = [[] for _ in windows]
        for beam in dict.fromkeys(beams):
            idx = [i for i, b in enumerate(beams) if b == beam]
            chosen = options if beam == options.beam_size else replace(options, beam_size=beam)
            for i, segs in zip(
                idx,
                decode_windows(
                    pipeline,
                    [audios[i] for i in idx],
                    tokenizer,
                    chosen,
                    o.decode_batch or o.batch_size,
                    min_frames,
                    o.encode_batch,
                ),
            ):
                out[i] = segs
        return out

    def _place(
        self,
        window: Window,
        segs,
        duration: float,
        heard: dict[str, list[Segment]],
        bad: list[Segment],
        flag: str | None = None,
    ) -> None:
        """A window's decoded segments, cut by piece, in their roles and call times. Parts of
        one segment from pieces of the same role next to each other stay one segment, as
        faster-whisper returns a window (turns are cut later, from the word timings)."""
        for seg in segs:
            parts: list[tuple[Segment, str | None]] = []
            for i, part in split_by_piece(seg, window):
                role = window.pieces[i].role
                converted, problem = self._convert(
                    part, role, lambda t, i=i: window.to_time(i, t), duration, flag=flag
                )
                if converted is None:
                    continue
                if parts and not problem and not parts[-1][1] and parts[-1][0].role == role:
                    parts[-1] = (_joined(parts[-1][0], converted), None)
                else:
                    parts.append((converted, problem))
            for converted, problem in parts:
                if flag and not problem:
                    heard[converted.role] = drop_misplaced_tail(heard[converted.role], converted)
                (bad if problem else heard[converted.role]).append(converted)

    def _redecode(
        self,
        block: dict[str, np.ndarray],
        offset: float,
        duration: float,
        heard: dict[str, list[Segment]],
        bad: list[Segment],
        pipeline,
        decoding,
    ) -> None:
        """Decode again the speech of ``block`` that no heard word covers.

        The batched decoder reads up to 30 s of packed speech per pass without
        timestamps, and sometimes stops early: measured on the sample calls, it
        dropped an agent's closing (04: 不客气，感谢您的来电，再见) and five short
        customer answers that the sequential decoder kept.
        """
        o = self.options
        regions: list[Piece] = []
        for role, audio in block.items():
            mine = heard[role] + [s for s in bad if s.role == role]
            covered = [(w.start - offset, w.end - offset) for s in mine for w in s.words]
            covered += [(s.start - offset, s.end - offset) for s in mine if not s.words]
            regions += [
                Piece(role, offset + a, offset + b) for a, b in unheard_speech(audio, covered)
            ]
        if not regions:
            return
        if o.redecode == "sequential":
            common = self._sequential_args(decoding[0].language_code, vad_filter=False)
            for role in block:
                mine = [(p.start - offset, p.end - offset) for p in regions if p.role == role]
                if not mine:
                    continue
                joined = join_regions(block[role], mine)
                raw, _ = self.model.transcribe(joined.audio, **common)
                for seg in (piece for seg in raw for piece in joined.split(seg)):
                    converted, problem = self._convert(
                        seg, role, lambda t: offset + joined.to_time(t), duration, flag="redecoded"
                    )
                    if converted is not None and not problem:
                        heard[role] = drop_misplaced_tail(heard[role], converted)
                    if converted is not None:
                        (bad if problem else heard[role]).append(converted)
        else:
            max_s = float(o.chunk_length or 30)
            if o.redecode == "alone":
                windows = [w for p in regions for w in pack([p], max_s)]
            else:
                windows = pack(regions, max_s, gap_s=1.0, by_role=o.pack_by_role, role_gap_s=1.0)
            audios = [w.audio(block, offset) for w in windows]
            results = self._decode(
                pipeline,
                windows,
                audios,
                decoding,
                int(o.redecode_min_input_s * FRAMES_PER_S),
                full_beam=True,
            )
            for window, segs in zip(windows, results):
                self._place(window, segs, duration, heard, bad, flag="redecoded")
        for segs in heard.values():
            segs.sort(key=lambda s: s.start)

    def _detect_speech(
        self, block: dict[str, np.ndarray], offset: float, max_s: float
    ) -> list[list[Piece]]:
        """Each channel's speech pieces, the channels in parallel threads when there are cores for
        them: Silero VAD runs one ONNX thread, and onnxruntime releases the GIL and allows
        concurrent runs of one session, so both channels of a stereo call take the time of one
        (the same pieces as one after the other)."""
        from callreview.cpu import cores

        threads = min(len(block), self.options.cpu_threads or cores())
        if threads < 2:
            return [speech_pieces(audio, role, offset, max_s) for role, audio in block.items()]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as pool:
            return list(
                pool.map(lambda item: speech_pieces(item[1], item[0], offset, max_s), block.items())
            )

    def _sequential_args(self, language: str | None, vad_filter: bool) -> dict:
        """faster-whisper ``transcribe()`` arguments for the sequential decoder (a channel at
        ``batch_size`` 1, and the sequential re-decode)."""
        o = self.options
        return dict(
            language=language,
            beam_size=o.beam_size,
            word_timestamps=o.word_timestamps,
            vad_filter=vad_filter,
            # A single temperature: the default fallback samples at random, so re-runs would differ.
            temperature=0.0,
            compression_ratio_threshold=o.compression_ratio_max,
            condition_on_previous_text=False,
            initial_prompt=o.initial_prompt,
        )

    def _transcribe_channel(
        self, audio: np.ndarray, role: str, duration: float
    ) -> tuple[list[Segment], list[Segment], str]:
        """One channel through the sequential decoder (``batch_size`` 1)."""
        o = self.options
        common = self._sequential_args(o.language, vad_filter=o.vad_filter)
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
            kept += heard
            _return_freed_memory()
        return kept, bad, language

    def _convert(
        self,
        seg,
        role: str,
        to_time: Callable[[float], float],
        duration: float,
        flag: str | None = None,
    ) -> tuple[Segment | None, str | None]:
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


def _joined(a: Segment, b: Segment) -> Segment:
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


def split_turns(
    segments: list[Segment], other_starts: list[float], turn_gap_s: float, handover_gap_s: float
) -> list[Segment]:
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
