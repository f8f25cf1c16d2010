"""The Transcript: the contract between the speech side and the rules side.

The checklist rules never touch audio. They read a :class:`Transcript`, which
can come from :mod:`callreview.asr.transcribe`, from a JSON file written by
``callreview transcribe``, or from a hand-written test fixture.

JSON schema (stable; documented in docs/formats.md)::

    {"schema": 2, "file": str, "duration_s": float, "channels": int, "model": str,
     "language": str, "roles": "stereo" | "mono-separated" | "mono-unknown",
     "segments": [{"role": "agent" | "customer" | "unknown",
                   "start": float, "end": float, "text": str, "norm": str,
                   "avg_logprob": float | null, "flags": [str],
                   "role_confidence": float | null,
                   "words": [{"start": float, "end": float, "text": str}]}],
     "unheard": [{"role": str, "start": float, "end": float}]}

Schema 1 (before mono separation) is read too: its ``"mono"`` is ``"mono-unknown"``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from callreview.errors import TranscriptError
from callreview.text import normalize

Role = Literal["agent", "customer", "unknown"]
ROLES: tuple[Role, ...] = ("agent", "customer", "unknown")
SCHEMA_VERSION = 2
RoleSource = Literal["stereo", "mono-separated", "mono-unknown"]
ROLE_SOURCES: tuple[RoleSource, ...] = ("stereo", "mono-separated", "mono-unknown")


@dataclass(frozen=True, slots=True)
class Word:
    """One word (for Chinese: one token, often one or two characters) with its timing."""

    start: float
    """Seconds from the start of the recording."""
    end: float
    """Seconds from the start of the recording."""
    text: str
    """The word as heard, Simplified."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One turn of one speaker: a stretch of speech on one channel."""

    role: Role
    """Who spoke: ``agent`` or ``customer`` (stereo), ``unknown`` (mono)."""
    start: float
    """Seconds from the start of the recording."""
    end: float
    """Seconds from the start of the recording."""
    text: str
    """What was heard, converted to Simplified; shown to reviewers as the quote."""
    norm: str
    """``text`` normalized for matching (width, punctuation, particles folded)."""
    words: tuple[Word, ...] = ()
    """Word timings; gaps between words show silences (holds) inside a segment."""
    avg_logprob: float | None = None
    """Whisper's mean log-probability of the segment's tokens: low means unsure."""
    flags: tuple[str, ...] = ()
    """Quality flags set at transcription: ``low_confidence``; ``redecoded`` (speech the
    batched decoder skipped, decoded again on its own)."""
    role_confidence: float | None = None
    """How sure ``role`` is, 0–1, when it was inferred (a separated mono call); ``None`` when
    it is known (a stereo channel, a hand-made transcript)."""

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Unheard:
    """A stretch of one channel where the speech detector heard a voice but no decoded word
    covers it, even after re-decoding: something was said there that the transcript lacks."""

    role: Role
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Transcript:
    """A whole call, segments of both parties merged in time order."""

    file: str
    """The recording this came from (as given by the user)."""
    duration_s: float
    """Length of the recording in seconds."""
    channels: int
    """Channels in the recording: 2 for agent/customer stereo, 1 for mono."""
    model: str
    """The Whisper model that produced it (``script`` for ground truth)."""
    language: str
    """Language code, e.g. ``zh``."""
    roles: RoleSource
    """Where the roles come from: ``stereo``, the channels; ``mono-separated``, a mono call's
    voices told apart (each segment has a ``role_confidence``); ``mono-unknown``, nobody knows
    (every segment is ``unknown``)."""
    segments: tuple[Segment, ...] = ()
    """Segments of all roles, ordered by start time."""
    dropped: tuple[Segment, ...] = field(default=(), compare=False)
    """Segments dropped as hallucinations (kept for audit, never matched)."""
    unheard: tuple[Unheard, ...] = ()
    """Speech heard on the audio that no word covers (empty for a hand-made transcript)."""
    notes: tuple[str, ...] = field(default=(), compare=False)
    """What was decided while reading the recording: which channel is the agent's and why
    (``agent_channel = "auto"``), how two leg files were laid together, a leg read alone."""

    @property
    def mono(self) -> bool:
        """One mixed channel (whether or not its voices were told apart)."""
        return self.roles != "stereo"

    def by_role(self, role: Role) -> tuple[Segment, ...]:
        """The segments spoken by ``role``, in time order."""
        return tuple(s for s in self.segments if s.role == role)

    def speech_spans(self) -> list[tuple[float, float]]:
        """Every stretch of speech heard, by anybody: word timings where known, else segments."""
        spans: list[tuple[float, float]] = []
        for seg in self.segments:
            if seg.words:
                spans.extend((w.start, w.end) for w in seg.words)
            else:
                spans.append((seg.start, seg.end))
        spans.sort()
        return spans

    # --- JSON -----------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"schema": SCHEMA_VERSION}
        data.update(asdict(self))
        data.pop("dropped")
        data.pop("unheard")
        if not data["notes"]:
            data.pop("notes")
        else:
            data["notes"] = list(self.notes)
        data["segments"] = [_segment_dict(s) for s in self.segments]
        if self.dropped:
            data["dropped"] = [_segment_dict(s) for s in self.dropped]
        if self.unheard:
            data["unheard"] = [
                {"role": u.role, "start": round(u.start, 3), "end": round(u.end, 3)}
                for u in self.unheard
            ]
        return data

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: Any, source: str = "<transcript>") -> Transcript:
        """Build from parsed JSON, refusing anything off-schema with one clear line."""
        if not isinstance(data, dict):
            raise TranscriptError(
                f"{source}: a transcript must be a JSON object; "
                "write it with `callreview transcribe --json`"
            )
        schema = data.get("schema", 1)  # files written before the key existed are version 1
        if not isinstance(schema, int) or isinstance(schema, bool) or schema > SCHEMA_VERSION:
            raise TranscriptError(
                f"{source}: transcript schema {schema!r} is newer than this callreview reads "
                f"({SCHEMA_VERSION}); upgrade callreview"
            )
        try:
            roles = data["roles"]
            if roles == "mono":  # schema 1
                roles = "mono-unknown"
            if roles not in ROLE_SOURCES:
                raise TranscriptError(
                    f"{source}: 'roles' must be one of {', '.join(ROLE_SOURCES)}, not {roles!r}"
                )
            return cls(
                file=str(data["file"]),
                duration_s=_number(data["duration_s"], source, "duration_s"),
                channels=int(data["channels"]),
                model=str(data["model"]),
                language=str(data["language"]),
                roles=roles,
                segments=tuple(_segment(s, source, i) for i, s in enumerate(data["segments"])),
                dropped=tuple(
                    _segment(s, source, i) for i, s in enumerate(data.get("dropped", ()))
                ),
                unheard=tuple(
                    _unheard(u, source, i) for i, u in enumerate(data.get("unheard", ()))
                ),
                notes=tuple(str(n) for n in data.get("notes", ())),
            )
        except KeyError as err:
            raise TranscriptError(
                f"{source}: missing key {err.args[0]!r}; "
                "write transcripts with `callreview transcribe --json`"
            ) from None
        except (TypeError, ValueError) as err:
            raise TranscriptError(
                f"{source}: {err}; write transcripts with `callreview transcribe --json`"
            ) from None

    @classmethod
    def load(cls, path: str | Path) -> Transcript:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise TranscriptError(f"{path}: no such file; check the path") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise TranscriptError(
                f"{path}: not a readable transcript JSON ({err}); "
                "re-create it with `callreview transcribe --json`"
            ) from None
        return cls.from_dict(data, str(path))


def merge_segments(segments: Iterable[Segment]) -> tuple[Segment, ...]:
    """Order segments of several channels into one conversation (by start, then end)."""
    return tuple(sorted(segments, key=lambda s: (s.start, s.end, ROLES.index(s.role))))


def _segment_dict(seg: Segment) -> dict[str, Any]:
    return {
        "role": seg.role,
        "start": round(seg.start, 3),
        "end": round(seg.end, 3),
        "text": seg.text,
        "norm": seg.norm,
        "avg_logprob": None if seg.avg_logprob is None else round(seg.avg_logprob, 4),
        "flags": list(seg.flags),
        **(
            {"role_confidence": round(seg.role_confidence, 3)}
            if seg.role_confidence is not None
            else {}
        ),
        "words": [
            {"start": round(w.start, 3), "end": round(w.end, 3), "text": w.text} for w in seg.words
        ],
    }


def _number(value: Any, source: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TranscriptError(f"{source}: {key!r} must be a number of seconds, not {value!r}")
    return float(value)


def _segment(data: Any, source: str, index: int) -> Segment:
    where = f"segments[{index}]"
    if not isinstance(data, dict):
        raise TranscriptError(f"{source}: {where} must be an object")
    role = data.get("role")
    if role not in ROLES:
        raise TranscriptError(
            f"{source}: {where}.role must be one of {', '.join(ROLES)}, not {role!r}"
        )
    text = str(data.get("text", ""))
    norm = data.get("norm")
    if norm is None:
        norm = normalize(text)
    return Segment(
        role=role,
        start=_number(data.get("start"), source, f"{where}.start"),
        end=_number(data.get("end"), source, f"{where}.end"),
        text=text,
        norm=str(norm),
        words=tuple(
            Word(
                _number(w.get("start"), source, f"{where}.words.start"),
                _number(w.get("end"), source, f"{where}.words.end"),
                str(w.get("text", "")),
            )
            for w in data.get("words", ())
        ),
        avg_logprob=data.get("avg_logprob"),
        flags=tuple(data.get("flags", ())),
        role_confidence=None
        if data.get("role_confidence") is None
        else _number(data["role_confidence"], source, f"{where}.role_confidence"),
    )


def _unheard(data: Any, source: str, index: int) -> Unheard:
    where = f"unheard[{index}]"
    if not isinstance(data, dict) or data.get("role") not in ROLES:
        raise TranscriptError(
            f"{source}: {where} must be an object with a role ({', '.join(ROLES)}), "
            "a start and an end"
        )
    return Unheard(
        data["role"],
        _number(data.get("start"), source, f"{where}.start"),
        _number(data.get("end"), source, f"{where}.end"),
    )
