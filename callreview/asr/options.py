"""How a recording is transcribed: the options a user may set, and the tuning benches vary.

:class:`TranscribeOptions` is the public set. :class:`Tuning` holds how speech is laid
into encoder windows and decoded again: its defaults are the values adopted, and its other
values exist to be measured (``bench/bench_transcribe.py --setting``), so it is handed
to the transcriber only through a private keyword. Why each default was chosen:
``docs/history/asr.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class TranscribeOptions:
    """How a recording is transcribed. Every field but ``cpu_threads`` is part of the cache key."""

    language: str | None = "zh"
    """Whisper language code; ``None`` detects it per channel."""
    agent_channel: Literal["left", "right"] = "left"
    """Which stereo channel carries the agent."""
    beam_size: int = 4
    """The decoder's beam (faster-whisper's default: 5; 4 is as accurate and faster)."""
    customer_beam_size: int | None = 1
    """The beam for the customer's channel of a stereo call (``None``: :attr:`beam_size`): the
    checklist scores the agent's words, the customer's need only to be heard. The re-decode of
    speech left unheard always uses the full beam."""
    mono_beam_size: int = 5
    """The beam for a mono recording's one track (role ``unknown``), first pass and re-decode:
    the decoding the speaker separation was tuned on."""
    batch_size: int = 2
    """>1: speech packed into windows for faster-whisper's batched decoder (see
    :mod:`callreview.asr.windows`), :attr:`decode_batch` windows a decoder call; 1: each channel
    through the sequential decoder."""
    decode_batch: int | None = 1
    """Windows per decoder call in the batched path (``None``: :attr:`batch_size`). One window a
    call pads no window to a longer one of its batch."""
    repair: bool = True
    """Decode again the stretches of speech the batched pass returned no words for."""
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


@dataclass(frozen=True)
class Tuning:
    """How speech reaches the encoder and is decoded again. Not public: the defaults are the
    adopted values, the others are there to be measured. Part of the cache key."""

    initial_prompt: str | None = None
    """Text given to the decoder as the words before each window; ``None``: none (a prompt cost
    accuracy on the samples)."""
    encode_batch: int = 2
    """A batch's windows go through the encoder this many at a time (CPU): more at once cost
    memory and ran slower."""
    chunk_length: int | None = None
    """The longest piece of speech (and window) in seconds (``None``: faster-whisper's 30)."""
    share_windows: bool = False
    """Both channels' speech shares the encoder windows; False: each channel has windows of its
    own (sharing moved words across the change of voice)."""
    pack_s: float = 30.0
    """A window is closed once the next piece of speech would make it longer than this (a
    longer piece has a window of its own, up to ``chunk_length``)."""
    balance_windows: float | None = None
    """A channel's windows about equally long, none closed under this many seconds
    (:func:`callreview.asr.windows.pack`); ``None``: off (shorter windows lost context)."""
    fill_last_s: float | None = 10.0
    """A channel's last window holding less speech than this takes pieces from the end of the
    window before, since its input is padded to :attr:`min_input_s` anyway; ``None``: off."""
    piece_gap_s: float = 0.0
    """Silence laid between two pieces of one voice packed into one window."""
    pack_by_role: bool = True
    """A shared window holds one role's pieces, then the other's (one change of voice);
    False: all pieces in time order."""
    role_gap_s: float = 1.0
    """Silence laid where a shared window changes voice."""
    min_input_s: float = 10.0
    """Encoder inputs are padded to their window's speech, but to at least this many seconds
    (30: always the full 30 s, as Whisper was trained): shorter inputs cost less encoder time,
    very short ones cost accuracy."""
    redecode: Literal["sequential", "alone", "packed"] = "alone"
    """How unheard speech is decoded again: ``sequential``: a channel's leftovers joined with 1 s
    of silence, through the sequential decoder (timestamps, 30 s input); ``alone``: each
    stretch its own short encoder input, all in one batch; ``packed``: stretches of both
    channels packed into shared windows with 1 s between them."""
    redecode_min_input_s: float = 10.0
    """The floor of :attr:`min_input_s` for the ``alone`` and ``packed`` re-decodes."""
