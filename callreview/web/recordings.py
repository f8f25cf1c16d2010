"""Which file is a call's recording: only a path the store knows, never one from a request.

A call scored from audio has its recording among the paths the store saw its audio at
(``call_paths``). A call scored from a transcript JSON (``callreview score x.json``,
or tests) has no audio of its own; its recording is the ``file`` the transcript names,
as stored with it, looked up beside the JSON and then from the working folder the app
runs in (``callreview transcribe`` writes it as it was given).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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


def recording(store: Store, call: StoredCall) -> Path | None:
    """The call's recording on this machine, or ``None`` when none of its known paths exists."""
    known = [Path(p) for p in (store.paths(call.id) or [call.path])]
    for path in known:
        if _audio(path):
            return path
    transcripts = [p for p in known if p.suffix.lower() == ".json"]
    if not transcripts:
        return None
    stored = store.transcript(call.id)
    if stored is None or not stored.file:
        return None
    named = Path(stored.file)
    if named.is_absolute():
        return named if _audio(named) else None
    for base in [p.parent for p in transcripts] + [Path.cwd()]:
        candidate = base / named
        if _audio(candidate):
            return candidate
    return None
