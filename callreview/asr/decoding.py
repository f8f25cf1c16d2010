"""Decoding packed windows with faster-whisper's batched pipeline, each window one encoder input.

A window's input is padded to the window, not to 30 s, down to a floor that holds accuracy;
the encoder can run a batch a few inputs at a time to bound its memory (CPU).
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import numpy as np

from callreview.asr import clock
from callreview.asr.audio import SAMPLE_RATE
from callreview.asr.windows import FRAMES_PER_S, MAX_FRAMES

if TYPE_CHECKING:
    from faster_whisper import BatchedInferencePipeline, WhisperModel
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import TranscriptionOptions

    Decoding = tuple[Tokenizer, TranscriptionOptions]
    """A call's tokenizer and batched decoding options (:func:`batched_decoding`)."""


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
    (its attention scores are the memory peak) and through the decoder at once: each decoder
    step attends over every hypothesis's encoder frames, and a larger batch pads more windows
    to its longest, so small decoder batches are faster. Returns, per audio, faster-whisper
    segments with times in that audio.
    """
    # late, as every faster_whisper import here: it is heavy, and `callreview --help` needs none
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
    running = 0  # a running offset: faster-whisper's word timing expects times that only grow
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
            meta.append({"offset": float(running), "duration": duration, "segments": []})
            offsets.append(running)
            running += int(np.ceil(duration)) + 1
        clock.mark("first encoder pass")
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
        import ctranslate2  # late: heavy, and only a CPU batch over encode_batch needs it

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
    from faster_whisper import BatchedInferencePipeline  # late: heavy

    chunked = BatchedInferencePipeline(_ChunkedEncoder(pipeline.model, chunk))
    chunked.last_speech_timestamp = pipeline.last_speech_timestamp
    return chunked


def batched_decoding(
    model: WhisperModel,
    language: str,
    beam_size: int,
    compression_ratio_max: float,
    word_timestamps: bool,
    initial_prompt: str | None,
) -> tuple[Tokenizer, TranscriptionOptions]:
    """faster-whisper's tokenizer and batched decoding options for :func:`decode_windows`:
    the batched pipeline's own defaults, but a single temperature (the default fallback
    samples at random, so re-runs would differ)."""
    from faster_whisper import BatchedInferencePipeline  # late: heavy
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import TranscriptionOptions, get_suppressed_tokens

    defaults: dict[str, Any] = {
        k: p.default
        for k, p in inspect.signature(BatchedInferencePipeline.transcribe).parameters.items()
    }
    tokenizer = Tokenizer(
        model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language
    )
    options = TranscriptionOptions(
        beam_size=beam_size,
        best_of=defaults["best_of"],
        patience=defaults["patience"],
        length_penalty=defaults["length_penalty"],
        repetition_penalty=defaults["repetition_penalty"],
        no_repeat_ngram_size=defaults["no_repeat_ngram_size"],
        log_prob_threshold=defaults["log_prob_threshold"],
        no_speech_threshold=defaults["no_speech_threshold"],
        compression_ratio_threshold=compression_ratio_max,
        condition_on_previous_text=False,
        prompt_reset_on_temperature=0.5,
        temperatures=[0.0],
        initial_prompt=initial_prompt,
        prefix=None,
        suppress_blank=True,
        suppress_tokens=get_suppressed_tokens(tokenizer, defaults["suppress_tokens"]),
        without_timestamps=True,
        max_initial_timestamp=0.0,
        word_timestamps=word_timestamps,
        prepend_punctuations=defaults["prepend_punctuations"],
        append_punctuations=defaults["append_punctuations"],
        multilingual=False,
        max_new_tokens=None,
        clip_timestamps=[],
        hallucination_silence_threshold=None,
        hotwords=None,
    )
    return tokenizer, options
