"""The watcher's loop: events settle into jobs, jobs go to an executor, outcomes become log lines.

Events (scan, then events or polling) ─▶ Settling ─ready─▶ Job ─▶ executor (in this process,
    or worker processes) ─▶ Outcome ─▶ log line · result JSON · failed folder · summary
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from callreview.errors import CallreviewError, StoreError
from callreview.jobs.batch import SOME_FAILED
from callreview.jobs.engine import BUG_EXIT, Executor, Outcome, RunOptions
from callreview.jobs.inprocess import InProcess
from callreview.jobs.legs import LegWaiter, leg_naming
from callreview.jobs.local import WorkerPool
from callreview.jobs.retention import apply_retention
from callreview.jobs.stop import Interrupted, StopSignal
from callreview.jobs.watch.events import DEFAULT_PATTERNS, Change, Events
from callreview.jobs.watch.results import (
    call_line,
    move_failed,
    one_line,
    result_targets,
    write_result,
)
from callreview.jobs.watch.settling import Pending, Settling
from callreview.names import display
from callreview.review import Reviewer
from callreview.store import LEASE_S, Store

if TYPE_CHECKING:
    from callreview.settings import Settings

DEFAULT_SETTLE_S = 3.0
BUSY_RETRY_S = (5.0, 10.0, 20.0, 30.0)
"""Waits before asking again for a call another worker holds (its lease may run out if it died)."""
STORE_BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
"""Waits while the store is locked or unreachable; the last one repeats until it answers."""


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
    """Score what is there (after its settle window) and return; files being written are left."""
    failed_dir: Path | None = None
    """Move a file that cannot be scored here (its error stays in the store)."""
    out_dir: Path | None = None
    """Write each result as JSON under this folder (mirroring the watched folder's layout)."""
    json_beside: bool = False
    """Write each result as JSON next to its recording."""
    lease_s: float = LEASE_S

    @property
    def run(self) -> RunOptions:
        """The executor's options."""
        return RunOptions(workers=self.workers, lease_s=self.lease_s)


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
        return (
            f"{self.scored} scored, {self.already} already scored, {self.failed} failed, "
            f"{self.failed_before} failed before"
        )


class Watcher:
    """Scores every matching file under ``options.folders`` through ``score_job``.

    A file is scored once it has stopped changing for ``settle_s`` seconds, or as soon as it was
    renamed into place. A bad file's error goes to the log and the store, and the file is not
    tried again until it changes. A stop signal ends the loop: a call being scored in this
    process is given back to the store unscored (pending: the next start scores it)."""

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
        self.log = _shown(log or _line(sys.stdout))
        self.warn = _shown(warn or _line(sys.stderr))
        self.stop = stop or StopSignal()
        self.roots = tuple(dict.fromkeys(_folder(p) for p in options.folders))
        excluded = tuple(
            p.resolve() for p in (options.failed_dir, options.out_dir) if p is not None
        )
        self.events = Events(self.roots, options.recursive, excluded, self.warn)
        self.files = Settling(options.patterns, options.settle_s, options.once, self.log)
        naming = leg_naming(settings.leg_names, settings.leg_suffixes)
        self.legs = LegWaiter(naming, settings.leg_wait_s)
        self._backlog = 0
        self._store_trouble = 0
        self._store_until = 0.0
        self._lost_to_store: set[str] = set()
        self._given_back: list[Path] = []
        self.summary = WatchSummary()
        self.tick_s = 0.5
        """The longest the loop sleeps: how soon a stop signal is acted on when idle."""

    def run(self, executor: Executor | None = None) -> WatchSummary:
        """Watch until stopped (or, with ``once``, until the backlog is done)."""
        opts = self.options
        if not opts.once:
            self.events.start(opts.poll_s)  # before the scan: nothing written meanwhile is missed
        try:
            self.files.started_wall = time.time()
            for path, root in self.events.scan():
                self.files.consider(path, root, backlog=True)
            self._backlog = len(self.files.settling)
            self.log(self._banner())
            if self._backlog == 0:
                self.log("caught up: no files waiting")
            with self._executor(executor) as pool:
                self._loop(pool)
                left = self._given_back + [f.path for f in self.files.in_flight.values()]
        finally:
            self.events.stop()
        waiting = self.files.waiting
        self.summary.left = waiting + len(left)
        self.summary.stopped_by = self.stop.by
        if self.stop.stopping:
            for path in left:
                self.log(
                    f"pending  {path}: stopped while being scored; it is scored at the next start"
                )
            self.log(
                f"stopped ({self.stop.by}): {self.summary.line()}; "
                f"{self.summary.left} left for the next start"
            )
        elif opts.once:
            self.log(
                f"done: {self.summary.line()}"
                + (f"; {waiting} still being written, left for the next run" if waiting else "")
            )
        return self.summary

    def _loop(self, pool: Executor) -> None:
        while not self.stop.stopping:
            self._apply(self.events.changes(0))
            now = time.monotonic()
            self.files.check(now)
            self.files.wake(now)
            self._submit(pool, now)
            timeout = min(
                self.tick_s, max(0.0, self.files.next_wake(self._store_until) - time.monotonic())
            )
            if not pool.in_flight:  # idle: wake for the next event, a settle deadline, or a stop
                if self.options.once and self.files.idle:
                    return  # --once with nothing (left) to score: an empty or a done folder
                self._apply(self.events.changes(timeout))
                continue
            try:
                outcomes = pool.poll(timeout)
            except Interrupted:
                continue  # the call was given back: it is reported pending when the loop ends
            except CallreviewError as err:
                if err.exit_code != StoreError.exit_code or isinstance(pool, InProcess):
                    raise  # the model cannot be loaded, or a bug: no call could be scored
                # A worker found the store away: it gave its call back and stopped; the pool
                # starts another, and reports the call as lost with its worker: sent again.
                self._lost_to_store.update(str(job.path) for job in pool.running)
                self._store_down(str(err), now)
                continue
            for outcome in outcomes:
                self._finish(outcome)
            if self.options.once and self.files.idle:
                return

    def _apply(self, changes: Iterator[Change]) -> None:
        for change in changes:
            if change.gone is not None:
                self.files.forget(change.gone)
            elif change.path is not None and change.root is not None:
                self.files.consider(change.path, change.root, moved=change.moved, at=change.at)

    @contextmanager
    def _executor(self, given: Executor | None) -> Iterator[Executor]:
        if given is not None:
            yield given
            return
        if self.options.workers > 1:
            with WorkerPool(self.settings, self.db, self.options.run) as pool:
                try:
                    yield pool
                finally:
                    if self.stop.stopping:  # SIGTERM to the workers: each gives its call back
                        pool.close(cancel_pending=True, wait=False)
            return
        reviewer = Reviewer(self.settings)
        _ = reviewer.lexicon, reviewer.scorecard  # a malformed one is refused before any file
        with InProcess(
            self.settings,
            self.db,
            self.options.run,
            reviewer=reviewer,
            store=self.store,
            stop=self.stop,
            on_stuck=self._stopped_hard,
            store_errors_as_outcomes=True,
        ) as inline:
            yield inline

    def _stopped_hard(self, path: str) -> None:
        """The call in progress was given back from outside (deep in the model); we exit."""
        if path:
            self.log(f"pending  {path}: stopped while being scored; it is scored at the next start")
        left = self.files.waiting + len(self.files.in_flight)
        self.log(f"stopped ({self.stop.by}): {self.summary.line()}; {left} left for the next start")

    def _banner(self) -> str:
        opts = self.options
        how = f"polling every {opts.poll_s:g} s" if opts.poll_s else "filesystem events"
        if opts.once:
            how = "once"
        folders = ", ".join(str(r) for r in self.roots)
        return (
            f"watching {folders} ({how}{', recursive' if opts.recursive else ''}; "
            f"settle {opts.settle_s:g} s; {opts.workers} worker(s); store {self.store.where}): "
            f"{self._backlog} file(s) to catch up on"
        )

    def _submit(self, pool: Executor, now: float) -> None:
        """Send ready files, oldest first, keeping only a few queued so new ones still sort in."""
        if now < self._store_until:
            return
        room = max(1, self.options.workers) + 1
        files = self.files
        nothing_coming = self.options.once and not (files.settling or files.ready or files.later)
        for lone in self.legs.expired(now, all_now=nothing_coming):
            self.log(f"alone    {lone.path}: {lone.note}")
            pool.submit(lone)
        while pool.in_flight < room:
            f = self.files.next_ready(now)
            if f is None:
                return
            job = self.legs.offer(f.path, now)
            if job is None:
                self.log(
                    f"waiting  {f.path}: one leg of a call; scored with its other leg, "
                    f"or alone after {self.legs.wait_s:g} s"
                )
                continue
            pool.submit(job)

    def _finish(self, outcome: Outcome) -> None:
        f = self.files.in_flight.pop(outcome.path, None)
        if f is None:
            return
        now = time.monotonic()
        lost = outcome.path in self._lost_to_store
        self._lost_to_store.discard(outcome.path)
        died = outcome.status == "failed" and outcome.exit_code == BUG_EXIT
        if died and self.stop.stopping:
            self._given_back.append(f.path)  # its worker was stopped with us: pending
            return
        if outcome.status == "failed" and (
            outcome.exit_code == StoreError.exit_code or (lost and died)
        ):
            self._store_down(outcome.error or "store error", now, f)
            return
        self._store_trouble = 0
        if outcome.status == "busy":
            if self.options.once:
                self.log(f"busy     {f.path}: being scored by another worker; left to it")
                self.files.dropped += 1
                self._done(f)
                return
            f.busy += 1
            self.files.wait(f, now + BUSY_RETRY_S[min(f.busy - 1, len(BUSY_RETRY_S) - 1)])
            return
        quiet = f.busy > 0 or f.backlog  # another worker's result, or an old file at catch-up
        latency = time.time() - f.complete_at
        opts = self.options
        if outcome.status == "scored":
            self.summary.scored += 1
            self.log(call_line("scored", outcome, latency))
            self._write_result(f, outcome, overwrite=True)
        elif outcome.status == "already":
            self.summary.already += 1
            if not quiet:
                self.log(
                    call_line("already", outcome, latency) + f" · same audio as call {outcome.call}"
                )
            self._write_result(f, outcome, overwrite=False)
        elif outcome.status == "failed":
            self.summary.failed += 1
            self.log(f"failed   {one_line(outcome.error, f.path)}")
            move_failed(f, opts.failed_dir, self.log, self.warn)
        elif outcome.status == "failed_before":
            self.summary.failed_before += 1
            if not quiet:
                self.log(
                    f"skipped  {one_line(outcome.error, f.path)} · failed before; "
                    "not retried until the file changes"
                )
            move_failed(f, opts.failed_dir, self.log, self.warn)
        self._done(f)

    def _write_result(self, f: Pending, outcome: Outcome, overwrite: bool) -> None:
        targets = result_targets(f, self.options.json_beside, self.options.out_dir)
        write_result(self.store, f, outcome, targets, overwrite, self.warn)

    def _done(self, f: Pending) -> None:
        if f.backlog:
            f.backlog = False
            self._backlog -= 1
            if self._backlog == 0 and not self.options.once:
                self.log(f"caught up: {self.summary.line()}")
        self.files.done(f)
        partner = self.legs.partner(str(f.path))  # a two-leg call: its other leg is done too
        held = self.files.in_flight.pop(partner, None) if partner else None
        if held is not None:
            self._done(held)

    def _store_down(self, message: str, now: float, f: Pending | None = None) -> None:
        """The store is locked or away: send nothing for a while (longer each time), then the
        file again. With ``--once`` the run ends instead (exit 5): a cron job must not hang on a
        read-only store or a full disk; the next run goes on."""
        if self.options.once:
            raise StoreError(message)
        wait = STORE_BACKOFF_S[min(self._store_trouble, len(STORE_BACKOFF_S) - 1)]
        self._store_trouble += 1
        self._store_until = now + wait
        what = f.path.name if f else "the calls in progress"
        self.warn(f"callreview: store unavailable: {message}; trying {what} again in {wait:g} s")
        if f is not None:
            self.files.wait(f, self._store_until)


def watch(
    options: WatchOptions,
    settings: Settings,
    store: Store,
    db: str,
    log: Callable[[str], None] | None = None,
) -> WatchSummary:
    """Run a :class:`Watcher` with SIGINT/SIGTERM turned into a clean stop, recorded in the store
    as a ``watch`` run with its folders (where the web app may serve audio from)."""
    stop = StopSignal()
    watcher = Watcher(options, settings, store, db, log=log, stop=stop)
    try:  # a store that cannot record the run now says so from the loop, its own way
        apply_retention(store, settings, "retention:watch")  # retention_days: older calls go
        run: int | None = store.start_run("watch", {"recordings": [str(r) for r in watcher.roots]})
    except StoreError:
        run = None
    try:
        with stop.installed():
            return watcher.run()
    finally:
        if run is not None:
            done = watcher.summary
            try:
                store.finish_run(run, done.scored, done.already, done.failed)
            except StoreError:
                pass  # the next run on this host marks it finished (its process is gone)


def _line(stream: Any) -> Callable[[str], None]:
    def write(text: str) -> None:
        stream.write(text + "\n")
        stream.flush()  # one line at a time into the journal, even when stdout is a pipe

    return write


def _shown(write: Callable[[str], None]) -> Callable[[str], None]:
    """``write`` with a file name's undecodable bytes shown as U+FFFD (a journal, a strict
    terminal and a log scraper all refuse the surrogates Python gives them as)."""
    return lambda text: write(display(text))


def _folder(path: Path) -> Path:
    if not path.is_dir():
        what = "is not a folder" if path.exists() else "no such folder"
        raise CallreviewError(f"{path}: {what}; pass the folder the recorder writes into")
    return path.resolve()
