"""Two leg files of one call read onto one time line: a stereo :class:`Recording`, agent left.

    agent leg ─load_audio─┐
                          ├─ aligned (start times), padded ─▶ Recording (agent, customer)
    customer leg ─────────┘

Both legs of a recorder start when the call is bridged, so they are laid from the same
instant unless each file says when it started (the container's ``creation_time`` tag, as
FreeSWITCH and MixMonitor can write it): then the later one is shifted by the difference.
A leg missing (its partner never came) is silence. Legs whose lengths on that time line differ
by more than :data:`DRIFT_LIMIT_S` are still read, with a note in the transcript: timings
between the two parties (interruptions, who answers first) are only as good as that.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callreview.asr.audio import (
    SAMPLE_RATE,
    Recording,
    channel_correlation,
    file_digest,
    load_audio,
)
from callreview.errors import AudioError

DRIFT_LIMIT_S = 2.0
"""Legs ending further apart than this on the common time line are noted as drifting."""
OFFSET_LIMIT_S = 30.0
"""A start-time difference larger than this is not believed (a wrong clock): legs laid from 0."""


@dataclass(frozen=True)
class Legs:
    """A two-leg call decoded: the stereo recording and what was noticed on the way."""

    recording: Recording
    notes: tuple[str, ...] = ()


def legs_digest(legs: Sequence[Path | None]) -> str:
    """The call's key in the store and the transcript cache: sha256 over both legs' sha256 (a
    missing leg counts as ``-``), so the same two files are the same call wherever they lie."""
    agent, customer = legs
    parts = [file_digest(p) if p is not None else "-" for p in (agent, customer)]
    return hashlib.sha256(("legs:" + ":".join(parts)).encode()).hexdigest()


def load_legs(agent: Path | None, customer: Path | None) -> Legs:
    """Decode both legs (each mono; a stereo leg is mixed down) onto one time line."""
    if agent is None and customer is None:
        raise AudioError("a two-leg call needs at least one leg file")
    loaded = [load_audio(p) if p is not None else None for p in (agent, customer)]
    decoded = [None if r is None else _mono(r) for r in loaded]
    starts = [_started(p) if p is not None else None for p in (agent, customer)]
    notes: list[str] = []
    offsets = [0, 0]
    if starts[0] is not None and starts[1] is not None:
        gap = (starts[1] - starts[0]).total_seconds()
        if abs(gap) <= OFFSET_LIMIT_S:
            offsets = [max(0, round(-gap * SAMPLE_RATE)), max(0, round(gap * SAMPLE_RATE))]
        else:
            notes.append(
                f"the legs' start times differ by {abs(gap):.1f} s (over {OFFSET_LIMIT_S:g} s: "
                "a clock is wrong); laid from the same instant"
            )
    shifted = [
        None if audio is None else np.concatenate([np.zeros(offset, np.float32), audio])
        for audio, offset in zip(decoded, offsets)
    ]
    lengths = [len(a) for a in shifted if a is not None]
    if len(lengths) == 2 and abs(lengths[0] - lengths[1]) > DRIFT_LIMIT_S * SAMPLE_RATE:
        notes.append(
            f"the legs end {abs(lengths[0] - lengths[1]) / SAMPLE_RATE:.1f} s apart (over "
            f"{DRIFT_LIMIT_S:g} s): timings between the two parties may be off by that much"
        )
    n = max(lengths)
    channels = tuple(
        np.zeros(n, np.float32) if a is None else np.pad(a, (0, n - len(a))) for a in shifted
    )
    source = next(p for p in (agent, customer) if p is not None)
    return Legs(
        Recording(
            path=source,
            channels=channels,
            source_rate=max(r.source_rate for r in loaded if r is not None),
            channel_correlation=channel_correlation(channels),
        ),
        tuple(notes),
    )


def _mono(recording: Recording) -> np.ndarray:
    if len(recording.channels) == 1:
        return recording.channels[0]
    left, right = recording.channels
    return (left + right) * np.float32(0.5)


def _started(path: Path) -> datetime.datetime | None:
    """When the leg says it started (its ``creation_time`` tag), or ``None``."""
    import av  # late: PyAV is heavy to import (as in load_audio)

    try:
        with av.open(str(path)) as container:
            tag = container.metadata.get("creation_time")
    except (av.error.FFmpegError, OSError, ValueError):
        return None
    if not tag:
        return None
    try:
        return datetime.datetime.fromisoformat(tag.replace("Z", "+00:00"))
    except ValueError:
        return None
