"""The transcript cache: one JSON file per audio content, model and options.

The key outlives upgrades (cached transcripts and the store's transcript keys stay valid):
its layout is fixed, and options added later leave it as it was while they are unset.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from callreview.asr.model import cache_root
from callreview.asr.options import TranscribeOptions, Tuning
from callreview.errors import CallreviewError
from callreview.files import OutputError, write_output
from callreview.transcript import Transcript

CACHE_VERSION = 8
"""Bump when the same audio, model and options would transcribe otherwise (history:
``docs/history/asr.md``)."""

_CACHE_KEY = re.compile(r"[0-9a-f]{64}")
"""What :func:`transcript_key` gives: a sha256 in hex (never a path)."""

_LATER_OPTIONS = ("initial_prompt", "decode_batch", "balance_windows", "fill_last_s")
"""Options added after the cache key's layout was fixed, left out of the key while ``None``."""


def key_options(options: TranscribeOptions, tuning: Tuning) -> dict[str, Any]:
    """The options as the cache key holds them: every field of both but ``cpu_threads``, the
    later options only when set."""
    settings = {**asdict(options), **asdict(tuning)}
    settings.pop("cpu_threads")
    for name in _LATER_OPTIONS:
        if settings[name] is None:
            settings.pop(name)
    return settings


def transcript_key(
    audio_digest: str, model_id: str, options: TranscribeOptions, tuning: Tuning
) -> str:
    """The cache key of a transcript of ``audio_digest`` (the file's sha256)."""
    blob = json.dumps(
        {
            "v": CACHE_VERSION,
            "audio": audio_digest,
            "model": model_id,
            "options": key_options(options, tuning),
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


class TranscriptCache:
    """Transcripts under ``root``, by key; an optimization that never fails a review."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def read(self, key: str) -> Transcript | None:
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            return Transcript.load(path)
        except CallreviewError:  # a damaged entry is re-created, never trusted
            return None

    def write(self, key: str, transcript: Transcript) -> None:
        try:
            write_output(
                self.path(key),
                transcript.to_json(indent=None),
                what="the transcript cache",
                make_parents=True,
            )
        except OutputError:
            pass  # a read-only cache must not fail the review

    def forget(self, keys: Iterable[str]) -> int:
        """Delete the cached transcripts of ``keys`` (a purge's calls); returns how many were
        there. A key that is no cache key (``json:…``, a transcript file) has nothing here."""
        gone = 0
        for key in keys:
            if not _CACHE_KEY.fullmatch(key):
                continue
            try:
                self.path(key).unlink()
                gone += 1
            except FileNotFoundError:
                pass
        return gone


def transcript_cache(root: Path | None = None) -> TranscriptCache:
    """The transcript cache under ``root`` (default: :func:`callreview.asr.model.cache_root`),
    where :class:`~callreview.asr.transcribe.Transcriber` keeps it."""
    return TranscriptCache((root or cache_root()) / "transcripts")
