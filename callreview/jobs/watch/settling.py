"""When a file is complete: its size and mtime still for the settle window, or renamed into place.

    seen ─▶ settling (window running) ─▶ ready (oldest first) ─▶ in flight ─▶ done (remembered)
                 ▲  changed: window again          later (busy elsewhere, store away) ─┘

The watcher keeps no ledger of its own (the store is the ledger): in memory it holds only the
files it is waiting on or scoring, and a bounded set of ``(path, size, mtime)`` keys it has
finished, so a file's later events (a ``touch``, our own read) do not send it round again.

A still file whose audio is not all there yet (a WAV whose header declares more than it holds: a
writer that paused) is held, looked at again every window, and scored as it is only after
:data:`INCOMPLETE_MAX_S` (a recorder that died); a version completed later supersedes it.
"""

from __future__ import annotations

import heapq
import os
import stat
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from callreview.asr.audio import missing_audio
from callreview.jobs.watch.events import wanted

SEEN_MAX = 10_000
"""How many finished ``(path, size, mtime)`` keys are remembered; one forgotten costs a hash."""
INCOMPLETE_MAX_S = 300.0
"""How long a still file whose audio is not complete is held before it is scored as it is."""


@dataclass
class Pending:
    """A file the watcher is waiting on or scoring; forgotten once its outcome is final."""

    path: Path
    root: Path
    sig: tuple[int, int]
    """``(size, mtime_ns)`` when last looked at."""
    changed_at: float
    """Monotonic time ``sig`` was last seen to change (or first seen)."""
    complete_at: float = 0.0
    """Wall time it became complete: its last write or rename (or the start, for the backlog)."""
    moved: bool = False
    backlog: bool = False
    busy: int = 0
    """How many times another worker held it."""
    not_before: float = 0.0
    gen: int = 0
    dirty: bool = False
    """An event came while it was being scored: look at it again afterwards."""
    held_until: float = 0.0
    """Still, but its audio is not complete: not looked at again before this (monotonic)."""

    @property
    def key(self) -> tuple[str, int, int]:
        return (str(self.path), *self.sig)


def file_stat(path: Path) -> os.stat_result | None:
    """The stat of a regular file, or ``None`` (gone, or not a file)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st if stat.S_ISREG(st.st_mode) else None


class Settling:
    """The files between their first sight and their outcome (see the module docs)."""

    def __init__(
        self,
        patterns: tuple[str, ...],
        settle_s: float,
        once: bool,
        log: Callable[[str], None],
    ) -> None:
        self.patterns, self.settle_s, self.once, self.log = patterns, settle_s, once, log
        self.settling: dict[str, Pending] = {}
        self.ready: dict[str, Pending] = {}
        self.later: dict[str, Pending] = {}
        self.in_flight: dict[str, Pending] = {}
        self.dropped = 0
        """Files given up on in this run (still growing with ``--once``, busy elsewhere)."""
        self.started_wall = time.time()
        self._heap: list[tuple[int, str, int]] = []
        self._seen: OrderedDict[tuple[str, int, int], None] = OrderedDict()
        self._seq = 0
        self.next_check = float("inf")
        """The earliest end of a settle window (monotonic): nothing is looked at before it."""

    @property
    def waiting(self) -> int:
        """Files seen and not yet sent (settling, ready, waiting to be asked again, dropped)."""
        return len(self.settling) + len(self.ready) + len(self.later) + self.dropped

    @property
    def idle(self) -> bool:
        return not (self.settling or self.ready or self.later or self.in_flight)

    def consider(
        self,
        path: Path,
        root: Path,
        backlog: bool = False,
        moved: bool = False,
        at: float | None = None,
    ) -> None:
        """A file that may be new or changed (``at``: when its event came): start or restart its
        settle window."""
        if not wanted(path, root, self.patterns):
            return
        key = str(path)
        flying = self.in_flight.get(key)
        if flying is not None:
            flying.dirty = True
            return
        st = file_stat(path)
        if st is None:
            self.forget(key)
            return
        sig = (st.st_size, st.st_mtime_ns)
        if (key, *sig) in self._seen:
            return
        # The window starts at the event, or at the last write if the stat saw a later one than
        # the event's (events queue: an earlier event's stat may already see the final write).
        now = max(
            time.monotonic() if at is None else at,
            time.monotonic() - max(0.0, time.time() - st.st_mtime),
        )
        for table in (self.settling, self.ready, self.later):
            known = table.get(key)
            if known is not None:
                break
        else:
            self._settle(Pending(path, root, sig, now, moved=moved, backlog=backlog))
            return
        if known.sig == sig:  # nothing changed: it stays where it is
            if moved and table is self.settling:
                known.moved = True
                self.next_check = 0.0
            return
        del table[key]
        known.sig, known.changed_at, known.moved, known.held_until = sig, now, moved, 0.0
        self._settle(known)

    def forget(self, key: str) -> None:
        """A file deleted or renamed away before it was sent."""
        for table in (self.settling, self.ready, self.later):
            table.pop(key, None)

    def check(self, now: float) -> None:
        """Move files whose size and mtime held still for the window (or renamed in) to ready.
        A file is looked at when its window ends: same size and mtime as when the window began
        (every write in between moves both, event or no event), or its window starts again."""
        if now < self.next_check:
            return
        self.next_check = float("inf")
        for key, f in list(self.settling.items()):
            due = max(0.0 if f.moved else f.changed_at + self.settle_s, f.held_until)
            if now < due:
                self.next_check = min(self.next_check, due)
                continue
            st = file_stat(f.path)
            if st is None:
                del self.settling[key]
                continue
            sig = (st.st_size, st.st_mtime_ns)
            if sig != f.sig:
                if self.once:
                    del self.settling[key]
                    self.dropped += 1
                    self.log(f"growing  {f.path}: still being written; left for the next run")
                    continue
                f.sig, f.changed_at, f.moved, f.held_until = sig, now, False, 0.0
                self.next_check = min(self.next_check, now + self.settle_s)
                continue
            if self._held(f, now):
                continue
            del self.settling[key]
            f.complete_at = max(st.st_mtime, st.st_ctime, self.started_wall if f.backlog else 0.0)
            self._push_ready(f)

    def _held(self, f: Pending, now: float) -> bool:
        """Whether ``f``, still for its window, waits on: its audio is not complete yet."""
        missing = missing_audio(f.path)
        if missing is None:
            return False
        if self.once:
            del self.settling[str(f.path)]
            self.dropped += 1
            self.log(f"growing  {f.path}: {missing}; left for the next run")
            return True
        if now - f.changed_at >= INCOMPLETE_MAX_S:
            self.log(f"held     {f.path}: {missing} for {INCOMPLETE_MAX_S:g} s; scored as it is")
            return False
        if not f.held_until:
            self.log(f"waiting  {f.path}: {missing}; scored once it is complete")
        f.held_until = now + max(self.settle_s, 0.5)
        self.next_check = min(self.next_check, f.held_until)
        return True

    def wake(self, now: float) -> None:
        """Files whose wait (busy elsewhere, the store away) is over are ready again."""
        for key, f in list(self.later.items()):
            if f.not_before <= now:
                del self.later[key]
                self._push_ready(f)

    def next_ready(self, now: float) -> Pending | None:
        """The oldest ready file, still as it was when it settled, now in flight; ``None`` when
        none is ready."""
        while self._heap:
            _, key, gen = heapq.heappop(self._heap)
            f = self.ready.get(key)
            if f is None or f.gen != gen:
                continue  # stale: the file changed or went away since it was queued
            del self.ready[key]
            st = file_stat(f.path)
            if st is None:
                continue
            if (st.st_size, st.st_mtime_ns) != f.sig:
                f.sig, f.changed_at, f.moved = (st.st_size, st.st_mtime_ns), now, False
                self._settle(f)
                continue
            self.in_flight[key] = f
            return f
        return None

    def wait(self, f: Pending, until: float) -> None:
        """Send ``f`` again at ``until`` (monotonic)."""
        f.not_before = until
        self.later[str(f.path)] = f

    def next_wake(self, hold_until: float) -> float:
        """When something is due: a window ends, a wait is over; ready files wait for
        ``hold_until`` (the store's backoff), else for a free worker."""
        wake = self.next_check
        if self.later:
            wake = min(wake, min(f.not_before for f in self.later.values()))
        if self.ready and hold_until > time.monotonic():
            wake = min(wake, hold_until)
        return wake

    def done(self, f: Pending) -> None:
        """``f``'s outcome is final: remember it; if it changed meanwhile, consider it again."""
        self._seen[f.key] = None
        self._seen.move_to_end(f.key)
        while len(self._seen) > SEEN_MAX:
            self._seen.popitem(last=False)
        if f.dirty:  # it changed while being scored: a new version is new audio
            self.consider(f.path, f.root)

    def _settle(self, f: Pending) -> None:
        self.settling[str(f.path)] = f
        self.next_check = min(self.next_check, 0.0 if f.moved else f.changed_at + self.settle_s)

    def _push_ready(self, f: Pending) -> None:
        self._seq += 1
        f.gen = self._seq
        self.ready[str(f.path)] = f
        heapq.heappush(self._heap, (f.sig[1], str(f.path), f.gen))  # oldest first; then by name
