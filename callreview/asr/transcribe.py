"""Transcribe a recording's channels and merge the turns into one Transcript.

Each stereo channel's speech is found apart (agent and customer), so every
segment's role is known from its channel; the pieces then go through the encoder in
packed windows (:mod:`callreview.asr.windows`), each keeping its role and times. Mono
calls become one track of role ``unknown``. Word timings are kept: with voice-activity
detection a silent hold disappears inside one long segment, but it stays visible as a
gap between words. Results are cached by audio content, model and options
(:mod:`callreview.asr.cache`).
"""

from __future__ import annotations

import copy
import ctypes
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from operator import add
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np

from callreview.asr import clock
from callreview.asr.audio import SAMPLE_RATE, Recording, file_digest, load_audio
from callreview.asr.cache import TranscriptCache, transcript_key
from callreview.asr.decoding import batched_decoding, decode_windows
from callreview.asr.model import ModelRef, cache_root, load_model, pick_device, replicas
from callreview.asr.options import TranscribeOptions, Tuning
from callreview.asr.segments import convert, joined, split_turns
from callreview.asr.unheard import drop_misplaced_tail, join_regions, unheard_speech
from callreview.asr.windows import (
    FRAMES_PER_S,
    Piece,
    Window,
    pack,
    quiet_blocks,
    quiet_windows,
    speech_pieces,
    split_by_piece,
)
from callreview.cpu import cores
from callreview.transcript import Role, Segment, Transcript, Unheard, merge_segments

if TYPE_CHECKING:
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    from callreview.asr.decoding import Decoding


class Transcriber:
    """Holds one loaded model for the whole process; transcribes recordings with a cache.

    ``_tuning`` is for the benches only (see :class:`callreview.asr.options.Tuning`)."""

    def __init__(
        self,
        model: ModelRef,
        options: TranscribeOptions = TranscribeOptions(),
        cache_dir: Path | None = None,
        use_cache: bool = True,
        *,
        _tuning: Tuning = Tuning(),
    ):
        self.model_ref = model
        device, compute_type = pick_device(options.device)
        self.options = replace(
            options, device=device, compute_type=options.compute_type or compute_type
        )
        self.tuning = _tuning
        self.cache_dir = (cache_dir or cache_root()) / "transcripts"
        self.use_cache = use_cache
        self._cache = TranscriptCache(self.cache_dir)
        self._model: WhisperModel | None = None

    @property
    def model(self) -> WhisperModel:
        if self._model is None:
            o = self.options
            self._model = load_model(self.model_ref, o.device, o.compute_type, o.cpu_threads)
        return self._model

    def oriented(self, agent_channel: Literal["left", "right"]) -> Transcriber:
        """This transcriber with the agent read from ``agent_channel`` (a loaded model shared)."""
        if agent_channel == self.options.agent_channel:
            return self
        other = copy.copy(self)
        other.options = replace(self.options, agent_channel=agent_channel)
        other._model = self._model
        return other

    def cache_key(self, audio_digest: str) -> str:
        return transcript_key(audio_digest, self.model_ref.model_id, self.options, self.tuning)

    def transcribe_file(self, path: str | Path) -> Transcript:
        """Transcribe ``path``, or return the cached transcript of the same audio and settings."""
        return self.transcribe_file_keyed(path)[0]

    def transcribe_file_keyed(
        self, path: str | Path, digest: str | None = None, recording: Recording | None = None
    ) -> tuple[Transcript, str]:
        """:meth:`transcribe_file` and the transcript's cache key; ``digest``: the file's sha256
        and ``recording``: the decoded file, when the caller has them already."""
        path = Path(path)
        # validates before any cache lookup: bad input is refused alike
        recording = recording or load_audio(path)
        key = self.cache_key(digest or file_digest(path))
        if self.use_cache and (cached := self._cache.read(key)) is not None:
            return replace(cached, file=str(path)), key
        transcript = self.transcribe(recording)
        if self.use_cache:
            self._cache.write(key, transcript)
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
                Unheard(cast(Role, role), round(a, 3), round(min(b, duration), 3))
                for a, b in unheard_speech(audio, covered)
            ]
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

    def _decoding(self, language: str) -> Decoding:
        """The tokenizer and batched decoding options for this call's language."""
        o = self.options
        return batched_decoding(
            self.model,
            language,
            o.beam_size,
            o.compression_ratio_max,
            o.word_timestamps,
            self.tuning.initial_prompt,
        )

    def _transcribe_packed(
        self, channels: dict[str, np.ndarray], duration: float
    ) -> tuple[dict[str, list[Segment]], list[Segment], str | None]:
        """The channels' speech in packed windows, one batch after the other (see
        :mod:`callreview.asr.windows`); then the speech left without words decoded again."""
        from faster_whisper import BatchedInferencePipeline  # late: faster_whisper is heavy

        o, tune = self.options, self.tuning
        pipeline = BatchedInferencePipeline(self.model)
        max_s = float(tune.chunk_length or 30)
        min_frames = int(tune.min_input_s * FRAMES_PER_S)
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
                min(tune.pack_s, max_s),
                tune.piece_gap_s,
                share=tune.share_windows,
                by_role=tune.pack_by_role,
                role_gap_s=tune.role_gap_s,
                piece_max_s=max_s,
                balance=tune.balance_windows,
                last_s=tune.fill_last_s,
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
        pipeline: BatchedInferencePipeline | None,
        windows: list[Window],
        audios: list[np.ndarray],
        decoding: Decoding,
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
        from faster_whisper import BatchedInferencePipeline  # late: faster_whisper is heavy

        side_by_side = replicas(o.device, o.cpu_threads or cores())
        tasks = []
        for beam in dict.fromkeys(beams):
            idx = [i for i, b in enumerate(beams) if b == beam]
            chosen = options if beam == options.beam_size else replace(options, beam_size=beam)
            tasks += [(chosen, part) for part in _shares(idx, audios, side_by_side)]

        def run(task: tuple[Any, list[int]]) -> tuple[list[int], list[list]]:
            chosen, part = task
            # each thread its own pipeline: it keeps the last word's time between windows
            own = pipeline
            if side_by_side > 1 and pipeline is not None:
                own = BatchedInferencePipeline(pipeline.model)
            audio = [audios[i] for i in part]
            batch = o.decode_batch or o.batch_size
            return part, decode_windows(
                own, audio, tokenizer, chosen, batch, min_frames, self.tuning.encode_batch
            )

        out: list[list] = [[] for _ in windows]
        with clock.timed("decoding (encoder, decoder, word timings)"):
            if side_by_side == 1 or len(tasks) == 1:
                done = list(map(run, tasks))
            else:
                with ThreadPoolExecutor(side_by_side) as pool:
                    done = list(pool.map(run, tasks))
        for part, results in done:
            for i, segs in zip(part, results):
                out[i] = segs
        return out

    def _place(
        self,
        window: Window,
        segs: list[Any],
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
                    part, role, partial(window.to_time, i), duration, flag=flag
                )
                if converted is None:
                    continue
                if parts and not problem and not parts[-1][1] and parts[-1][0].role == role:
                    parts[-1] = (joined(parts[-1][0], converted), None)
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
        pipeline: BatchedInferencePipeline,
        decoding: Decoding,
    ) -> None:
        """Decode again the speech of ``block`` that no heard word covers.

        The batched decoder reads up to 30 s of packed speech per pass without
        timestamps, and sometimes stops early, dropping short turns the sequential decoder
        keeps.
        """
        tune = self.tuning
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
        if tune.redecode == "sequential":
            common = self._sequential_args(decoding[0].language_code, vad_filter=False)
            for role in block:
                spans = [(p.start - offset, p.end - offset) for p in regions if p.role == role]
                if not spans:
                    continue
                leftovers = join_regions(block[role], spans)
                raw, _ = self.model.transcribe(leftovers.audio, **common)
                for seg in (piece for decoded in raw for piece in leftovers.split(decoded)):
                    converted, problem = self._convert(
                        seg,
                        role,
                        _shifted(leftovers.to_time, offset),
                        duration,
                        flag="redecoded",
                    )
                    if converted is not None and not problem:
                        heard[role] = drop_misplaced_tail(heard[role], converted)
                    if converted is not None:
                        (bad if problem else heard[role]).append(converted)
        else:
            max_s = float(tune.chunk_length or 30)
            if tune.redecode == "alone":
                windows = [w for p in regions for w in pack([p], max_s)]
            else:
                windows = pack(regions, max_s, gap_s=1.0, by_role=tune.pack_by_role, role_gap_s=1.0)
            audios = [w.audio(block, offset) for w in windows]
            results = self._decode(
                pipeline,
                windows,
                audios,
                decoding,
                int(tune.redecode_min_input_s * FRAMES_PER_S),
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
        threads = min(len(block), self.options.cpu_threads or cores())
        with clock.timed("speech detection"):
            if threads < 2:
                return [speech_pieces(audio, role, offset, max_s) for role, audio in block.items()]
            with ThreadPoolExecutor(threads) as pool:
                return list(
                    pool.map(
                        lambda item: speech_pieces(item[1], item[0], offset, max_s), block.items()
                    )
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
            initial_prompt=self.tuning.initial_prompt,
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
                converted, problem = self._convert(seg, role, partial(add, offset), duration)
                if converted is not None:
                    (bad if problem else heard).append(converted)
            kept += heard
            _return_freed_memory()
        return kept, bad, language

    def _convert(
        self,
        seg: Any,
        role: str,
        to_time: Callable[[float], float],
        duration: float,
        flag: str | None = None,
    ) -> tuple[Segment | None, str | None]:
        o = self.options
        return convert(seg, role, to_time, duration, o.compression_ratio_max, o.low_logprob, flag)


def _shares(idx: list[int], audios: list[np.ndarray], n: int) -> list[list[int]]:
    """``idx`` split into up to ``n`` groups of about equal audio (the longest first, each to
    the group with the least so far), for the model's replicas to decode side by side."""
    groups: list[list[int]] = [[] for _ in range(min(n, len(idx)))]
    loads = [0] * len(groups)
    for i in sorted(idx, key=lambda i: -len(audios[i])):
        least = loads.index(min(loads))
        groups[least].append(i)
        loads[least] += len(audios[i])
    return [sorted(g) for g in groups if g]


def _shifted(to_time: Callable[[float], float], offset: float) -> Callable[[float], float]:
    """``to_time``, then ``offset`` seconds later."""
    return lambda t: offset + to_time(t)


def _return_freed_memory() -> None:
    """Hand memory freed after a window back to the OS (glibc keeps it otherwise, and a
    long call or a long-running ``watch`` then creeps up window by window)."""
    if os.environ.get("CALLREVIEW_NO_TRIM"):
        return
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


__all__ = ["Transcriber", "TranscribeOptions", "split_turns"]
