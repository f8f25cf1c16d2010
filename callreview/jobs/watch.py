"""``callreview watch``: every new recording in a folder becomes a stored review, exactly once.

    watchdog events (inotify) or polling ─▶ settle: size + mtime still for ``settle_s``, or renamed into place
        ─▶ Job ─▶ score_job (claim · score · store), in this process or a WorkerPool ─▶ log line · JSON

The watcher keeps no ledger of its own: the store is the ledger (calls keyed by the
sha256 of their audio, claims with leases), so a restart, a SIGKILL, a second watcher
on the same folder and the same audio under a second name all come out right without
the watcher remembering anything. In memory it holds only the files it is waiting on
or scoring, and a bounded set of ``(path, size, mtime)`` keys it has finished, so a
file's later events (a ``touch``, our own read) do not send it round again.

A file is scored once it has stopped changing for ``settle_s`` seconds, or as soon as
it was renamed into place; temporary names (``.part``, ``.tmp``, dotfiles) and our own
``*.review.json`` results are never scored. A bad file's one-line error goes to the
log and the store (``score_job`` records it), and the file is not tried again until it
changes: changed bytes are new audio to the store.

SIGINT or SIGTERM stops the watcher: a call being scored in this process is given back
to the store unscored (pending: the next start scores it), nothing is half-written,
and :func:`watch` returns normally (the CLI exits 0).
"""

from __future__ import annotations

import heapq
import json
import os
import queue
import shutil
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from callreview.errors import CallreviewError, SettingsError, StoreError
from callreview.jobs.batch import SOME_FAILED, Job, Outcome
from callreview.jobs.batch import is_temporary as batch_temporary
from callreview.jobs.inline import InlineExecutor, StopSignal
from callreview.store import LEASE_S, Store

if TYPE_CHECKING:
    from callreview.settings import Settings
    from callreview.store import QueueCounts, StoredError

DEFAULT_PATTERNS = ("*.wav", "*.flac", "*.mp3", "*.ogg", "*.opus", "*.m4a")
DEFAULT_SETTLE_S = 3.0
RESULT_SUFFIX = ".review.json"
"""``call_0412.flac`` → ``call_0412.flac.review.json``: written beside it or under ``--out``; never scored."""
SEEN_MAX = 10_000
"""How many finished ``(path, size, mtime)`` keys are remembered; an older one forgotten only costs a hash."""
BUSY_RETRY_S = (5.0, 10.0, 20.0, 30.0)
"""Waits before asking again for a call another worker holds (its lease may run out if it died)."""
STORE_BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
"""Waits while the store is locked or unreachable; the last one repeats until it answers."""
WORKER_DIED = 70
"""The exit code of a WorkerPool outcome whose worker process died under it (or hit a bug)."""


@dataclass(frozen=True)
class WatchOptions:
    """What ``callreview watch`` is told: which folders, which files, how patiently."""

    folders: tuple[Path, ...]
    patterns: tuple[str, ...] = DEFAULT_PATTERNS
    """Globs matched against the file name, case-insensitively."""
    recursive: bool = False
    poll_s: float | None = None
    """Poll the folders every this many seconds instead of filesystem events (network shares)."""
    settle_s: float = DEFAULT_SETTLE_S
    """A file is complete once its size and mtime have not changed for this long."""
    workers: int = 1
    once: bool = False
    """Score what is there (after its settle window) and return; files still being written are left."""
    failed_dir: Path | None = None
    """Move a file that cannot be scored here (its error stays in the store)."""
    out_dir: Path | None = None
    """Write each result as JSON under this folder (mirroring the watched folder's layout)."""
    json_beside: bool = False
    """Write each result as JSON next to its recording."""
    lease_s: float = LEASE_S


@dataclass
class WatchSummary:
    """What one run did, counted by the files it finished."""

    scored: int = 0
    already: int = 0
    failed: int = 0
    failed_before: int = 0
    left: int = 0
    """Files seen but not finished when the run ended (still being written, or stopped)."""
    stopped_by: str | None = None
    """``SIGTERM``/``SIGINT`` when a signal ended the run."""

    @property
    def exit_code(self) -> int:
        """``--once``: 6 when some file failed in this run (others were scored), else 0."""
        return SOME_FAILED if self.failed else 0

    def line(self) -> str:
        return f"{self.scored} scored, {self.already} already scored, {self.failed} failed, {self.failed_before} failed before"


class Executor(Protocol):
    """What runs score_job for the watcher: :class:`InlineExecutor` or ``callreview.jobs.workers.WorkerPool``."""

    @property
    def in_flight(self) -> int: ...

    @property
    def running(self) -> list[Job]: ...

    def submit(self, job: Job) -> None: ...

    def poll(self, timeout: float) -> list[Outcome]: ...

    def close(self, cancel_pending: bool = False) -> None: ...


# --- which files ------------------------------------------------------------------


def parse_patterns(text: str) -> tuple[str, ...]:
    """``'*.wav, *.flac'`` → ``('*.wav', '*.flac')``; an empty list is refused."""
    patterns = tuple(p.strip() for p in text.split(",") if p.strip())
    if not patterns:
        raise SettingsError(
            f"--pattern {text!r}: no file pattern given; pass globs such as '*.wav,*.flac'"
        )
    return patterns


def is_temporary(name: str) -> bool:
    """A name recorders and copiers write under before the file is complete (:func:`callreview.jobs.batch.is_temporary`),
    or one of our results."""
    return batch_temporary(name) or name.lower().endswith(RESULT_SUFFIX)


def wanted(path: Path, root: Path, patterns: tuple[str, ...]) -> bool:
    """Whether ``path`` (under the watched ``root``) is a recording to score."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return False
    if not parts or any(part.startswith(".") for part in parts[:-1]) or is_temporary(parts[-1]):
        return False
    name = parts[-1].lower()
    return any(fnmatchcase(name, pattern.lower()) for pattern in patterns)


# --- the watcher -------------------------------------------------------------------


@dataclass
class _File:
    """A file the watcher is waiting on or scoring; forgotten once its outcome is final."""

    path: Path
    root: Path
    sig: tuple[int, int]
    """``(size, mtime_ns)`` when last looked at."""
    changed_at: float
    """Monotonic time ``sig`` was last seen to change (or first seen)."""
    complete_at: float = 0.0
    """Wall time it became complete: its last write or rename (or the watcher's start, for the backlog)."""
    moved: bool = False
    backlog: bool = False
    busy: int = 0
    """How many times another worker held it."""
    not_before: float = 0.0
    gen: int = 0
    dirty: bool = False
    """An event came while it was being scored: look at it again afterwards."""

    @property
    def key(self) -> tuple[str, int, int]:
        return (str(self.path), *self.sig)


def _stat(path: Path) -> os.stat_result | None:
    try:
        st = path.stat()
    except OSError:
        return None
    import stat as stat_mod

    return st if stat_mod.S_ISREG(st.st_mode) else None


class Watcher:
    """Scores every matching file under ``options.folders`` through ``score_job``; see the module docs."""

    def __init__(
        self,
        options: WatchOptions,
        settings: Settings,
        store: Store,
        db: str,
        log: Callable[[str], None] | None = None,
        warn: Callable[[str], None] | None = None,
        stop: StopSignal | None = None,
    ) -> None:
        self.options, self.settings, self.store, self.db = options, settings, store, db
        self.log = log or _line(sys.stdout)
        self.warn = warn or _line(sys.stderr)
        self.stop = stop or StopSignal()
        self.roots = tuple(dict.fromkeys(_folder(p) for p in options.folders))
        self._excluded = tuple(
            p.resolve() for p in (options.failed_dir, options.out_dir) if p is not None
        )
        self._events: queue.SimpleQueue[tuple[str, str, str | None, bool, float]] = (
            queue.SimpleQueue()
        )
        self._settling: dict[str, _File] = {}
        self._ready: dict[str, _File] = {}
        self._heap: list[tuple[int, str, int]] = []
        self._later: dict[str, _File] = {}
        self._in_flight: dict[str, _File] = {}
        self._seen: OrderedDict[tuple[str, int, int], None] = OrderedDict()
        self._backlog = 0
        self._store_trouble = 0
        self._store_until = 0.0
        self._seq = 0
        self._dropped = 0
        self._lost_to_store: set[str] = set()
        self._given_back: list[Path] = []
        self._next_check = float("inf")
        """The earliest end of a settle window (monotonic): nothing is looked at before it."""
        self.summary = WatchSummary()
        self.tick_s = 0.5
        """The longest the loop sleeps: how soon a stop signal is acted on when idle."""

    # --- the loop --------------------------------------------------------------------

    def run(self, executor: Executor | None = None) -> WatchSummary:
        """Watch until stopped (or, with ``once``, until the backlog is done); returns what was done."""
        opts = self.options
        observer = (
            None if opts.once else self._observe()
        )  # before the scan: nothing written meanwhile is missed
        try:
            self.started_wall = time.time()
            for path, root in self._scan():
                self._consider(path, root, backlog=True)
            self._backlog = len(self._settling)
            self.log(self._banner())
            if self._backlog == 0:
                self.log("caught up: no files waiting")
            with self._executor(executor) as pool:
                self._loop(pool)
                left = self._given_back + [f.path for f in self._in_flight.values()]
        finally:
            if observer is not None:
                _stop_observer(observer)
        waiting = len(self._settling) + len(self._ready) + len(self._later) + self._dropped
        self.summary.left = waiting + len(left)
        self.summary.stopped_by = self.stop.by
        if self.stop.stopping:
            for path in left:
                self.log(
                    f"pending  {path}: stopped while being scored; it is scored at the next start"
                )
            self.log(
                f"stopped ({self.stop.by}): {self.summary.line()}; {self.summary.left} left for the next start"
            )
        elif opts.once:
            self.log(
                f"done: {self.summary.line()}"
                + (f"; {waiting} still being written, left for the next run" if waiting else "")
            )
        return self.summary

    def _loop(self, pool: Executor) -> None:
        once = self.options.once
        while not self.stop.stopping:
            self._drain_events()
            now = time.monotonic()
            self._check_settling(now)
            self._wake_later(now)
            self._submit(pool, now)
            timeout = min(self.tick_s, max(0.0, self._next_wake() - time.monotonic()))
            if not pool.in_flight:
                self._wait_event(
                    timeout
                )  # idle: wake for the next event, a settle deadline, or a stop
                continue
            try:
                outcomes = pool.poll(timeout)
            except CallreviewError as err:
                if err.exit_code != StoreError.exit_code or isinstance(pool, InlineExecutor):
                    raise  # the model cannot be loaded, or a bug: no call could be scored
                # A worker found the store away: it gave its call back and stopped; the pool starts
                # another, and reports the call as lost with its worker, which is sent again.
                self._lost_to_store.update(str(job.path) for job in pool.running)
                self._store_down(str(err), now)
                continue
            for outcome in outcomes:
                self._finish(outcome)
            if once and not (self._settling or self._ready or self._later or self._in_flight):
                return

    def _next_wake(self) -> float:
        """When something is due: a settle window ends, a busy call is asked again, the store backoff ends."""
        wake = self._next_check
        if self._later:
            wake = min(wake, min(f.not_before for f in self._later.values()))
        if (
            self._ready and self._store_until > time.monotonic()
        ):  # else ready files wait for a free worker
            wake = min(wake, self._store_until)
        return wake

    @contextmanager
    def _executor(self, given: Executor | None) -> Iterator[Executor]:
        if given is not None:
            yield given
            return
        if self.options.workers > 1:
            from callreview.jobs.workers import WorkerPool

            with WorkerPool(
                self.settings, self.db, self.options.workers, lease_s=self.options.lease_s
            ) as pool:
                try:
                    yield pool
                finally:
                    if self.stop.stopping:
                        pool.close(
                            cancel_pending=True, wait=False
                        )  # SIGTERM to the workers: each gives its call back
            return
        from callreview.review import Reviewer

        reviewer = Reviewer(self.settings)
        (
            reviewer.lexicon,
            reviewer.scorecard,
        )  # refuse a malformed lexicon or scorecard before any file
        with InlineExecutor(
            reviewer, self.store, self.stop, self.options.lease_s, on_stuck=self._stopped_hard
        ) as inline:
            yield inline

    def _stopped_hard(self, path: str) -> None:
        """The call in progress was given back from outside (it was deep in the model); the process ends now."""
        if path:
            self.log(f"pending  {path}: stopped while being scored; it is scored at the next start")
        left = (
            len(self._settling)
            + len(self._ready)
            + len(self._later)
            + len(self._in_flight)
            + self._dropped
        )
        self.log(f"stopped ({self.stop.by}): {self.summary.line()}; {left} left for the next start")

    def _banner(self) -> str:
        how = (
            f"polling every {self.options.poll_s:g} s"
            if self.options.poll_s
            else "filesystem events"
        )
        if self.options.once:
            how = "once"
        folders = ", ".join(str(r) for r in self.roots)
        return (
            f"watching {folders} ({how}{', recursive' if self.options.recursive else ''}; "
            f"settle {self.options.settle_s:g} s; {self.options.workers} worker(s); store {self.store.where}): "
            f"{self._backlog} file(s) to catch up on"
        )

    # --- finding files ----------------------------------------------------------------

    def _observe(self) -> Any:
        if self.options.poll_s:
            from watchdog.observers.polling import PollingObserver

            observer = PollingObserver(timeout=self.options.poll_s)
        else:
            from watchdog.observers import Observer

            observer = Observer()
        handler = _Handler(self._events)
        for root in self.roots:
            observer.schedule(handler, str(root), recursive=self.options.recursive)
        try:
            observer.start()
        except OSError as err:  # inotify watch limit, a vanished folder
            raise CallreviewError(
                f"{self.roots[0]}: cannot watch the folder ({err.strerror or err}); "
                "raise fs.inotify.max_user_watches, or use --poll SECONDS"
            ) from None
        return observer

    def _scan(self) -> Iterator[tuple[Path, Path]]:
        for root in self.roots:
            yield from self._scan_folder(root, root)

    def _scan_folder(self, folder: Path, root: Path) -> Iterator[tuple[Path, Path]]:
        try:
            entries = list(os.scandir(folder))
        except OSError as err:
            self.warn(
                f"callreview: warning: {folder}: cannot be listed ({err.strerror}); its files are skipped"
            )
            return
        for entry in entries:
            path = Path(entry.path)
            if self._is_excluded(path):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if self.options.recursive and not entry.name.startswith("."):
                        yield from self._scan_folder(path, root)
                elif entry.is_file():
                    yield path, root
            except OSError:
                continue

    def _is_excluded(self, path: Path) -> bool:
        if not self._excluded:
            return False
        resolved = path.resolve()
        return any(resolved == ex or ex in resolved.parents for ex in self._excluded)

    def _root_of(self, path: Path) -> Path | None:
        for root in self.roots:
            if path.parent == root or (self.options.recursive and root in path.parents):
                return root
        return None

    def _drain_events(self) -> None:
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return
            self._on_event(*event)

    def _wait_event(self, timeout: float) -> None:
        try:
            event = self._events.get(timeout=timeout) if timeout > 0 else self._events.get_nowait()
        except queue.Empty:
            return
        self._on_event(*event)

    def _on_event(self, kind: str, src: str, dest: str | None, is_dir: bool, at: float) -> None:
        target = Path(dest if kind == "moved" and dest else src)
        if is_dir:
            if (
                kind in ("created", "moved")
                and self.options.recursive
                and not self._is_excluded(target)
            ):
                root = self._root_of(
                    target
                )  # files moved in with a folder raise no events of their own
                for path, _ in self._scan_folder(target, root) if root else ():
                    self._consider(path, root, at=at)
            return
        if kind == "deleted" or (kind == "moved" and dest):
            for table in (self._settling, self._ready, self._later):
                table.pop(src, None)
            if kind == "deleted":
                return
        root = self._root_of(target)
        if root is not None and not self._is_excluded(target):
            self._consider(target, root, moved=kind == "moved", at=at)

    def _consider(
        self,
        path: Path,
        root: Path,
        backlog: bool = False,
        moved: bool = False,
        at: float | None = None,
    ) -> None:
        """A file that may be new or changed (``at``: when its event came): start or restart its settle window."""
        if not wanted(path, root, self.options.patterns):
            return
        key = str(path)
        flying = self._in_flight.get(key)
        if flying is not None:
            flying.dirty = True
            return
        st = _stat(path)
        if st is None:
            for table in (self._settling, self._ready, self._later):
                table.pop(key, None)
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
        for table in (self._settling, self._ready, self._later):
            known = table.get(key)
            if known is not None:
                break
        else:
            self._settle(_File(path, root, sig, now, moved=moved, backlog=backlog))
            return
        if (
            known.sig == sig
        ):  # nothing changed: it stays where it is (settling, ready, or waiting to ask again)
            if moved and table is self._settling:
                known.moved = True
                self._next_check = 0.0
            return
        del table[key]
        known.sig, known.changed_at, known.moved = sig, now, moved
        self._settle(known)

    def _settle(self, f: _File) -> None:
        self._settling[str(f.path)] = f
        self._next_check = min(
            self._next_check, 0.0 if f.moved else f.changed_at + self.options.settle_s
        )

    def _check_settling(self, now: float) -> None:
        """Move files whose size and mtime held still for the settle window (or that were renamed in) to ready.
        A file is looked at when its window ends: same size and mtime as when the window began (every
        write in between moves both, event or no event), or its window starts again."""
        if now < self._next_check:
            return
        self._next_check = float("inf")
        for key, f in list(self._settling.items()):
            due = 0.0 if f.moved else f.changed_at + self.options.settle_s
            if now < due:
                self._next_check = min(self._next_check, due)
                continue
            st = _stat(f.path)
            if st is None:
                del self._settling[key]
                continue
            sig = (st.st_size, st.st_mtime_ns)
            if sig != f.sig:
                if self.options.once:
                    del self._settling[key]
                    self._dropped += 1
                    self.log(f"growing  {f.path}: still being written; left for the next run")
                    continue
                f.sig, f.changed_at, f.moved = sig, now, False
                self._next_check = min(self._next_check, now + self.options.settle_s)
                continue
            del self._settling[key]
            f.complete_at = max(st.st_mtime, st.st_ctime, self.started_wall if f.backlog else 0.0)
            self._push_ready(f)

    def _push_ready(self, f: _File) -> None:
        self._seq += 1
        f.gen = self._seq
        self._ready[str(f.path)] = f
        heapq.heappush(
            self._heap, (f.sig[1], str(f.path), f.gen)
        )  # oldest first; same mtime: by name

    def _wake_later(self, now: float) -> None:
        for key, f in list(self._later.items()):
            if f.not_before <= now:
                del self._later[key]
                self._push_ready(f)

    def _submit(self, pool: Executor, now: float) -> None:
        """Send ready files, oldest first, keeping only a few queued so new ones still sort in."""
        if now < self._store_until:
            return
        room = max(1, self.options.workers) + 1
        while self._heap and pool.in_flight < room:
            _, key, gen = heapq.heappop(self._heap)
            f = self._ready.get(key)
            if f is None or f.gen != gen:
                continue  # stale: the file changed or went away since it was queued
            del self._ready[key]
            st = _stat(f.path)
            if st is None:
                continue
            if (st.st_size, st.st_mtime_ns) != f.sig:
                f.sig, f.changed_at, f.moved = (st.st_size, st.st_mtime_ns), now, False
                self._settle(f)
                continue
            self._in_flight[key] = f
            pool.submit(Job(f.path))

    # --- outcomes ---------------------------------------------------------------------

    def _finish(self, outcome: Outcome) -> None:
        f = self._in_flight.pop(outcome.path, None)
        if f is None:
            return
        now = time.monotonic()
        lost = outcome.path in self._lost_to_store
        self._lost_to_store.discard(outcome.path)
        if outcome.status == "failed" and outcome.exit_code == WORKER_DIED and self.stop.stopping:
            self._given_back.append(
                f.path
            )  # its worker was stopped with us (systemd signals them all): pending
            return
        if outcome.status == "failed" and (
            outcome.exit_code == StoreError.exit_code or (lost and outcome.exit_code == WORKER_DIED)
        ):
            self._store_down(outcome.error or "store error", now, f)
            return
        self._store_trouble = 0
        if outcome.status == "busy":
            if self.options.once:
                self.log(f"busy     {f.path}: being scored by another worker; left to it")
                self._dropped += 1
                self._done(f)
                return
            f.not_before = now + BUSY_RETRY_S[min(f.busy, len(BUSY_RETRY_S) - 1)]
            f.busy += 1
            self._later[str(f.path)] = f
            return
        quiet = (
            f.busy > 0 or f.backlog
        )  # another worker's result, or an old file at catch-up: counted, not logged
        latency = time.time() - f.complete_at
        if outcome.status == "scored":
            self.summary.scored += 1
            self.log(_call_line("scored", outcome, latency))
            self._write_result(f, outcome, overwrite=True)
        elif outcome.status == "already":
            self.summary.already += 1
            if not quiet:
                self.log(
                    _call_line("already", outcome, latency)
                    + f" · same audio as call {outcome.call}"
                )
            self._write_result(f, outcome, overwrite=False)
        elif outcome.status == "failed":
            self.summary.failed += 1
            self.log(f"failed   {_one_line(outcome.error, f.path)}")
            self._move_failed(f)
        elif outcome.status == "failed_before":
            self.summary.failed_before += 1
            if not quiet:
                self.log(
                    f"skipped  {_one_line(outcome.error, f.path)} · failed before; not retried until the file changes"
                )
            self._move_failed(f)
        self._done(f)

    def _done(self, f: _File) -> None:
        self._remember(f.key)
        if f.backlog:
            f.backlog = False
            self._backlog -= 1
            if self._backlog == 0 and not self.options.once:
                self.log(f"caught up: {self.summary.line()}")
        if f.dirty:  # it changed while being scored: a new version is new audio
            self._consider(f.path, f.root)

    def _remember(self, key: tuple[str, int, int]) -> None:
        self._seen[key] = None
        self._seen.move_to_end(key)
        while len(self._seen) > SEEN_MAX:
            self._seen.popitem(last=False)

    def _store_down(self, message: str, now: float, f: _File | None = None) -> None:
        """The store is locked or away: send nothing for a while (longer each time), then this file again."""
        wait = STORE_BACKOFF_S[min(self._store_trouble, len(STORE_BACKOFF_S) - 1)]
        self._store_trouble += 1
        self._store_until = now + wait
        what = f.path.name if f else "the calls in progress"
        self.warn(f"callreview: store unavailable: {message}; trying {what} again in {wait:g} s")
        if f is not None:
            f.not_before = self._store_until
            self._later[str(f.path)] = f

    def _write_result(self, f: _File, outcome: Outcome, overwrite: bool) -> None:
        if outcome.call is None or not (self.options.out_dir or self.options.json_beside):
            return
        targets = []
        if self.options.json_beside:
            targets.append(f.path.with_name(f.path.name + RESULT_SUFFIX))
        if self.options.out_dir:
            rel = f.path.relative_to(f.root)
            targets.append(self.options.out_dir / rel.parent / (rel.name + RESULT_SUFFIX))
        targets = [t for t in targets if overwrite or not t.exists()]
        if not targets:
            return
        from callreview.asr.transcribe import write_atomic

        try:
            stored = self.store.call(outcome.call)
        except StoreError as err:
            self.warn(
                f"callreview: warning: {f.path}: the result JSON was not written ({err}); the result is in the store"
            )
            return
        if stored is None or stored.review is None:
            return
        text = (
            json.dumps({**stored.review, "file": str(f.path)}, ensure_ascii=False, indent=2) + "\n"
        )
        for target in targets:
            try:
                write_atomic(target, text)
            except OSError as err:
                self.warn(
                    f"callreview: warning: {target}: cannot write the result JSON ({err.strerror}); the result is in the store"
                )

    def _move_failed(self, f: _File) -> None:
        folder = self.options.failed_dir
        if folder is None or not f.path.exists() or f.sig[0] == 0:
            return  # an empty file may be a recorder's placeholder still open for writing: moving it would lose the call
        rel = f.path.relative_to(f.root)
        target = folder / rel
        n = 1
        while target.exists():
            target = folder / rel.parent / f"{rel.stem}-{n}{rel.suffix}"
            n += 1
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(f.path, target)  # a rename, or a copy and delete onto another filesystem
        except OSError as err:
            self.warn(
                f"callreview: warning: {f.path}: cannot move it to {folder} ({err.strerror}); it stays in place"
            )
            return
        self.log(f"moved    {f.path} → {target}")


class _Handler:
    """watchdog's callback: hands each event to the watcher's loop (it runs in the observer's thread)."""

    def __init__(self, events: queue.SimpleQueue[tuple[str, str, str | None, bool, float]]) -> None:
        self.events = events

    def dispatch(self, event: Any) -> None:
        kind = event.event_type
        if kind in ("opened", "closed_no_write"):  # reads, ours included
            return
        dest = getattr(event, "dest_path", None) or None
        self.events.put(
            (
                kind,
                _text(event.src_path),
                _text(dest) if dest else None,
                bool(event.is_directory),
                time.monotonic(),
            )
        )


def _stop_observer(observer: Any, timeout: float = 5.0) -> None:
    """Stop watchdog's observer without waiting on it for more than ``timeout``: its ``stop()`` joins
    the event threads with no time limit, and one stuck in a read must not hold up a clean stop
    (they are daemon threads, so the process still exits)."""
    stopper = threading.Thread(target=observer.stop, name="callreview-observer-stop", daemon=True)
    stopper.start()
    stopper.join(timeout)
    if not stopper.is_alive():
        observer.join(timeout)


def _text(path: str | bytes) -> str:
    return os.fsdecode(path)


def _line(stream: Any) -> Callable[[str], None]:
    def write(text: str) -> None:
        stream.write(text + "\n")
        stream.flush()  # one line at a time into the journal, even when stdout is a pipe

    return write


def _folder(path: Path) -> Path:
    if not path.is_dir():
        what = "is not a folder" if path.exists() else "no such folder"
        raise CallreviewError(f"{path}: {what}; pass the folder the recorder writes into")
    return path.resolve()


def _call_line(status: str, outcome: Outcome, latency: float) -> str:
    """``scored   calls/0412.flac · 81.2 needs_improvement · failed: customer_name · 4.1 s after complete (1.0 s scoring)``
    (``batch``'s line, plus the seconds from the file's last write or rename to its stored result, and
    the worker's share of them). No transcript text: it is personal data."""
    score = "–" if outcome.score is None else f"{outcome.score:.1f}"
    parts = [
        f"{status:<8} {outcome.path}",
        f"{score} {outcome.band or '–'}",
        f"failed: {', '.join(outcome.failed_items) or '–'}",
    ]
    if outcome.needs_review:
        parts.append("needs review")
    parts.append(f"{latency:.1f} s after complete ({outcome.seconds:.1f} s scoring)")
    return " · ".join(parts)


def _one_line(error: str | None, path: Path) -> str:
    text = error or "failed"
    return text if text.startswith(str(path)) else f"{path}: {text}"


def watch(
    options: WatchOptions,
    settings: Settings,
    store: Store,
    db: str,
    log: Callable[[str], None] | None = None,
) -> WatchSummary:
    """Run a :class:`Watcher` with SIGINT/SIGTERM turned into a clean stop."""
    stop = StopSignal()
    with stop.installed():
        return Watcher(options, settings, store, db, log=log, stop=stop).run()


# --- callreview status ---------------------------------------------------------------


def render_status(where: str, counts: QueueCounts, errors: list[StoredError]) -> str:
    """The queue as ``callreview status`` prints it: counts, then the last errors (path: one line)."""
    lines = [
        f"store: {where}",
        f"pending       {counts.pending}",
        f"in progress   {counts.in_progress}",
        f"failed        {counts.failed}",
        f"scored today  {counts.scored_today}",
    ]
    if errors:
        lines.append("last errors:")
        for err in errors:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(err.at))
            lines.append(f"  {when}  {_one_line(err.message, Path(err.path))}")
    return "\n".join(lines)
