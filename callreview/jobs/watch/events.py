"""Where ``watch`` hears of files: a scan of the folders, then filesystem events or polling.

    scan(roots) ─▶ (path, root) for the backlog
    watchdog Observer (inotify) or PollingObserver ─▶ Event queue ─▶ Events.next() ─▶ Change

Which files count is decided here too (:func:`wanted`): the patterns, never a temporary name,
a dot-folder or one of our own results.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from callreview.errors import CallreviewError, SettingsError
from callreview.jobs.discover import AUDIO_SUFFIXES, is_temporary

DEFAULT_PATTERNS = tuple(f"*{suffix}" for suffix in AUDIO_SUFFIXES)
"""The globs ``watch`` scores by default: the extensions ``batch`` finds in a folder."""
RESULT_SUFFIX = ".review.json"
"""``call_0412.flac`` → ``call_0412.flac.review.json``: written beside it or under ``--out``."""

Event = tuple[str, str, str | None, bool, float]
"""``(kind, src, dest, is_directory, monotonic time)`` as the observer's thread queues it."""


def parse_patterns(text: str) -> tuple[str, ...]:
    """``'*.wav, *.flac'`` → ``('*.wav', '*.flac')``; an empty list is refused."""
    patterns = tuple(p.strip() for p in text.split(",") if p.strip())
    if not patterns:
        raise SettingsError(
            f"--pattern {text!r}: no file pattern given; pass globs such as '*.wav,*.flac'"
        )
    return patterns


def wanted(path: Path, root: Path, patterns: tuple[str, ...]) -> bool:
    """Whether ``path`` (under the watched ``root``) is a recording to score: it matches a
    pattern, and is neither temporary, under a dot-folder, nor one of our results."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return False
    if not parts or any(part.startswith(".") for part in parts[:-1]):
        return False
    name = parts[-1].lower()
    if is_temporary(name) or name.endswith(RESULT_SUFFIX):
        return False
    return any(fnmatchcase(name, pattern.lower()) for pattern in patterns)


@dataclass(frozen=True)
class Change:
    """What an event means for the watcher: ``path`` (under ``root``) may be new or changed
    (``moved``: renamed into place), or ``gone`` was deleted or renamed away."""

    path: Path | None = None
    root: Path | None = None
    moved: bool = False
    at: float = 0.0
    gone: str | None = None


class Events:
    """The watched folders: their files now (:meth:`scan`), and changes since (:meth:`changes`)."""

    def __init__(
        self,
        roots: tuple[Path, ...],
        recursive: bool,
        excluded: tuple[Path, ...],
        warn: Callable[[str], None],
    ) -> None:
        self.roots, self.recursive, self.excluded, self.warn = roots, recursive, excluded, warn
        self.queue: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._observer: Any = None

    def start(self, poll_s: float | None) -> None:
        """Start hearing events (before the scan: nothing written meanwhile is missed)."""
        observer: Any
        if poll_s:
            from watchdog.observers.polling import PollingObserver  # watchdog loads slowly

            observer = PollingObserver(timeout=poll_s)
        else:
            from watchdog.observers import Observer  # watchdog loads slowly

            observer = Observer()
        handler = _Handler(self.queue)
        for root in self.roots:
            observer.schedule(handler, str(root), recursive=self.recursive)
        try:
            observer.start()
        except OSError as err:  # inotify watch limit, a vanished folder
            raise CallreviewError(
                f"{self.roots[0]}: cannot watch the folder ({err.strerror or err}); "
                "raise fs.inotify.max_user_watches, or use --poll SECONDS"
            ) from None
        self._observer = observer

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the observer without waiting on it for more than ``timeout``: its ``stop()`` joins
        the event threads with no time limit, and one stuck in a read must not hold up a clean
        stop (they are daemon threads, so the process still exits)."""
        observer, self._observer = self._observer, None
        if observer is None:
            return
        stopper = threading.Thread(
            target=observer.stop, name="callreview-observer-stop", daemon=True
        )
        stopper.start()
        stopper.join(timeout)
        if not stopper.is_alive():
            observer.join(timeout)

    def scan(self) -> Iterator[tuple[Path, Path]]:
        """Every file under the roots now, with its root."""
        for root in self.roots:
            yield from self._scan_folder(root, root)

    def changes(self, timeout: float) -> Iterator[Change]:
        """The changes queued now; with ``timeout``, wait that long for a first event if none is."""
        try:
            event = self.queue.get(timeout=timeout) if timeout > 0 else self.queue.get_nowait()
        except queue.Empty:
            return
        while True:
            yield from self._meaning(*event)
            try:
                event = self.queue.get_nowait()
            except queue.Empty:
                return

    def _meaning(
        self, kind: str, src: str, dest: str | None, is_dir: bool, at: float
    ) -> Iterator[Change]:
        target = Path(dest if kind == "moved" and dest else src)
        if is_dir:
            if kind in ("created", "moved") and self.recursive and not self.is_excluded(target):
                root = self._root_of(target)  # files moved in with a folder raise no events
                for path, _ in self._scan_folder(target, root) if root else ():
                    yield Change(path, root, at=at)
            return
        if kind == "deleted" or (kind == "moved" and dest):
            yield Change(gone=src)
            if kind == "deleted":
                return
        root = self._root_of(target)
        if root is not None and not self.is_excluded(target):
            yield Change(target, root, moved=kind == "moved", at=at)

    def _scan_folder(self, folder: Path, root: Path) -> Iterator[tuple[Path, Path]]:
        try:
            entries = list(os.scandir(folder))
        except OSError as err:
            self.warn(
                f"callreview: warning: {folder}: cannot be listed ({err.strerror}); "
                "its files are skipped"
            )
            return
        for entry in entries:
            path = Path(entry.path)
            if self.is_excluded(path):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if self.recursive and not entry.name.startswith("."):
                        yield from self._scan_folder(path, root)
                elif entry.is_file():
                    yield path, root
            except OSError:
                continue

    def is_excluded(self, path: Path) -> bool:
        if not self.excluded:
            return False
        resolved = path.resolve()
        return any(resolved == ex or ex in resolved.parents for ex in self.excluded)

    def _root_of(self, path: Path) -> Path | None:
        for root in self.roots:
            if path.parent == root or (self.recursive and root in path.parents):
                return root
        return None


class _Handler:
    """watchdog's callback: hands each event to the watcher's loop (in the observer's thread)."""

    def __init__(self, events: queue.SimpleQueue[Event]) -> None:
        self.events = events

    def dispatch(self, event: Any) -> None:
        kind = event.event_type
        if kind in ("opened", "closed_no_write"):  # reads, ours included
            return
        dest = getattr(event, "dest_path", None) or None
        self.events.put(
            (
                kind,
                os.fsdecode(event.src_path),
                os.fsdecode(dest) if dest else None,
                bool(event.is_directory),
                time.monotonic(),
            )
        )
