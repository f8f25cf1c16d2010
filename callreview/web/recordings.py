"""Which file is a call's recording: only a path the store knows, never one from a request, and
only inside the recording folders the store was filled from.

A call scored from audio has its recording among the paths the store saw its audio at
(``call_paths``). A call scored from a transcript JSON (``callreview score x.json``,
or tests) has no audio of its own; its recording is the ``file`` the transcript names,
as stored with it, looked up beside the JSON and then from the working folder the app
runs in (``callreview transcribe`` writes it as it was given).

A transcript's ``file`` is data, not a setting: ``../../elsewhere/x.flac`` must not reach
outside. So the file found is resolved (``..`` and links followed) and served only when it
lies inside a root: the folder of each path the store saw the call at (what ``batch`` or
``watch`` was given, never a file's contents; such a path that is itself a recording is served
as it is), a folder a ``batch``/``watch`` run recorded
(:meth:`~callreview.store.runs.Runs.recording_folders`), or a folder of ``recording_roots``.
Anything else is refused with one log line naming the call id.
"""

from __future__ import annotations

import io
import os
import sys
import wave
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from callreview.asr.audio import SAMPLE_RATE, file_digest, load_audio
from callreview.asr.legs import legs_digest, load_legs
from callreview.asr.model import cache_root
from callreview.errors import CallreviewError
from callreview.files import write_output
from callreview.jobs.discover import AUDIO_SUFFIXES
from callreview.names import on_disk

if TYPE_CHECKING:
    from callreview.store import Store, StoredCall

MEDIA_TYPES = {
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".webm": "audio/webm",
}


def media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")


def _audio(path: Path) -> bool:
    return path.suffix.lower() in MEDIA_TYPES and path.is_file()


def recording(
    store: Store, call: StoredCall, roots: Iterable[str | Path] = (), log: bool = False
) -> Path | None:
    """The call's recording on this machine, or ``None`` when none of its known paths exists
    inside a root (``roots`` adds to the store's own; ``log``: say so on stderr when one was
    found outside). A call recorded as two leg files, or in a codec browsers do not play (AMR,
    GSM, G.729), is served as a WAV made from its files (:func:`playable`)."""
    # a stored path shows a name that is not UTF-8 with U+FFFD: on_disk finds the real file
    known = [on_disk(p) or Path(p) for p in (store.paths(call.id) or [call.path])]
    made = playable(call.sha256, known)
    if made is not None:
        return made
    for path in known:
        if _audio(path):  # a file batch or watch was given: served as the store saw it
            return path
    found = _named(store, call, known)
    if found is None:
        return None
    allowed = [*roots, *store.recording_folders(), *(p.parent for p in known)]
    if _inside(found, allowed):
        return Path(os.path.realpath(found))
    if log:
        print(
            f"callreview: the recording of call {call.id} is outside the recording folders; "
            "not served (add its folder to recording_roots in callreview.toml)",
            file=sys.stderr,
        )
    return None


_PLAYS_AS_IT_IS: dict[str, int] = {}
"""Calls :func:`playable` found need nothing made (by sha256: how many files they had then)."""


def playable(sha256: str, known: list[Path]) -> Path | None:
    """A WAV the browser plays for a call whose files it cannot: both legs of a two-leg call
    (the agent's left, the customer's right: heard mixed, told apart by ear), or a telephone
    codec's file. Made once from the call's own files (checked against its ``sha256``) into the
    cache; ``None`` for a call a browser plays as it is."""
    target = cache_root() / "playable" / f"{sha256}.wav"
    files = [p for p in known if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file()]
    if len(files) < 2 and all(_audio(p) for p in files):
        return None  # one file a browser plays: the common case, nothing to look at
    if target.is_file():
        return target
    if _PLAYS_AS_IT_IS.get(sha256) == len(files):
        return None  # looked at already: a file seen at two paths, not two legs
    try:
        legs = next(
            ((a, b) for a in files for b in files if a != b and legs_digest((a, b)) == sha256),
            None,
        )
        if legs is not None:
            channels = load_legs(*legs).recording.channels
        else:
            odd = next((p for p in files if not _audio(p) and file_digest(p) == sha256), None)
            if odd is None:
                _PLAYS_AS_IT_IS[sha256] = len(files)
                return None
            channels = load_audio(odd).channels
    except (CallreviewError, OSError):
        return None
    write_output(target, _wav(channels), what="the playable recording", make_parents=True)
    return target


def _wav(channels: tuple[np.ndarray, ...]) -> bytes:
    samples = np.stack(channels, axis=1)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as sink:
        sink.setnchannels(len(channels))
        sink.setsampwidth(2)
        sink.setframerate(SAMPLE_RATE)
        sink.writeframes(pcm.tobytes())
    return out.getvalue()


def _inside(path: Path, roots: Iterable[str | Path]) -> bool:
    """``path``, resolved, is in (or is) one of ``roots``, resolved (a file counts by its
    folder)."""
    real = os.path.realpath(path)
    for root in roots:
        top = os.path.realpath(root)
        if os.path.isfile(top):
            top = os.path.dirname(top)
        if real == top or real.startswith(top.rstrip(os.sep) + os.sep):
            return True
    return False


def _named(store: Store, call: StoredCall, known: list[Path]) -> Path | None:
    """The recording a transcript JSON of the call names, if it exists."""
    transcripts = [p for p in known if p.suffix.lower() == ".json"]
    if not transcripts:
        return None
    stored = store.transcript(call.id)
    if stored is None or not stored.file:
        return None
    named = Path(stored.file)
    if named.is_absolute():
        named = on_disk(named) or named
        return named if _audio(named) else None
    for base in [p.parent for p in transcripts] + [Path.cwd()]:
        candidate = on_disk(base / named) or base / named
        if _audio(candidate):
            return candidate
    return None
