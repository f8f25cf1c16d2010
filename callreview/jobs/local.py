"""The local executor: calls scored in this process (one worker) or on worker processes.

    local_executor(settings, db, options) ─▶ InProcess (workers == 1) or WorkerPool (workers > 1)
    WorkerPool ─ submit(job) ─▶ pending ─▶ worker process: score_job(reviewer, store, job)
               ─▶ poll() → [Outcome]

* Each worker process opens its own store and :class:`Reviewer` (one model each, loaded on
  first use), started with ``spawn``.
* A worker process dies with the thread that created the pool (``PR_SET_PDEATHSIG``, Linux): a
  SIGKILLed batch leaves no orphan scoring on, only claims whose pid is dead, which the store
  frees at once on the same host. So create, submit to, poll and close a pool from one thread.
* Workers ignore SIGINT (a terminal's Ctrl-C reaches the whole process group): the parent
  decides. ``close(wait=True)`` lets running calls finish; ``close(wait=False)`` sends the
  workers SIGTERM, and each gives its call back to the store unscored (``score_job`` releases
  the claim on any exception) and exits. ``with WorkerPool(...)``: on an exception, the queue
  is dropped and the running calls are stopped.
* A model that cannot be loaded or a store that fails in a worker is raised from :meth:`poll`
  as a :class:`CallreviewError` with its exit code; a bug while scoring one call becomes a
  ``failed`` outcome (exit code 70) and the pool goes on; a worker process that dies (OOM,
  crash) fails the call it held and is replaced.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from callreview.cpu import default_threads
from callreview.errors import CallreviewError
from callreview.jobs import engine
from callreview.jobs.engine import BUG_EXIT, Job, Outcome, RunOptions, StopFlag, score_or_report
from callreview.jobs.inprocess import InProcess
from callreview.jobs.stop import Interrupted
from callreview.review import Reviewer
from callreview.store import open_store

if TYPE_CHECKING:
    from callreview.settings import Settings

DEFAULT_WORKERS = 1
"""``batch --workers`` when not given: one model uses the cores best (docs/history/jobs.md)."""
_STOP_GRACE_S = 15.0
"""How long a SIGTERMed worker has to give its call back before it is killed."""
_MAX_RESPAWNS = 3
"""Worker processes that may die (per worker slot) before the pool gives up."""


def local_executor(
    settings: Settings, db: str, options: RunOptions = RunOptions()
) -> InProcess | WorkerPool:
    """One worker scores in this process (no process start, no second model); more, in processes."""
    if options.check().workers == 1:
        return InProcess(settings, db, options)
    return WorkerPool(settings, db, options)


def run_local(
    jobs: Iterable[Job],
    settings: Settings,
    db: str,
    options: RunOptions = RunOptions(),
    *,
    stop: StopFlag | None = None,
    on_running: Callable[[Sequence[Job]], None] | None = None,
) -> Iterator[Outcome]:
    """:func:`callreview.jobs.engine.run_jobs` on a :func:`local_executor`; closing the iterator
    early (or an exception) stops the running calls, giving their claims back."""
    with local_executor(settings, db, options) as executor:
        yield from engine.run_jobs(jobs, executor, stop, on_running)


class WorkerPool:
    """Scores jobs on ``workers`` workers; see the module docstring for the contract."""

    def __init__(self, settings: Settings, db: str, options: RunOptions = RunOptions()) -> None:
        self.options = options.check()
        self.workers = options.workers
        self.ahead = 2 * options.workers
        settings = replace(
            settings, cpu_threads=options.threads or default_threads(options.workers)
        )
        self._args = (settings, str(db), options)
        self._pending: deque[tuple[int, Job]] = deque()
        self._ready: list[Outcome] = []
        self._count = 0
        self._closed = False
        self._deaths = 0
        self._fatal: CallreviewError | None = None
        self._ctx = multiprocessing.get_context("spawn")  # no fork of a process holding threads
        self._results: Any = self._ctx.Queue()
        self._slots = [
            _ProcessSlot(i, self._ctx, self._args, self._results) for i in range(self.workers)
        ]

    # --- the interface --------------------------------------------------------

    def submit(self, job: Job) -> None:
        if self._closed:
            raise RuntimeError("submit() on a closed WorkerPool")
        self._pending.append((self._count, job))
        self._count += 1
        self._dispatch()

    def poll(self, timeout: float) -> list[Outcome]:
        """Outcomes finished since the last poll (waiting up to ``timeout`` s for the first)."""
        out, self._ready = self._ready, []
        if self._closed or (not out and not self.in_flight):
            return out
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            out += self._collect(0.0 if out else max(0.0, deadline - time.monotonic()))
            self._dispatch()
            if out or time.monotonic() >= deadline or not self.in_flight:
                return out

    @property
    def in_flight(self) -> int:
        return len(self._pending) + sum(slot.job is not None for slot in self._slots)

    @property
    def running(self) -> list[Job]:
        """The jobs being scored now."""
        return [slot.job[1] for slot in self._slots if slot.job is not None]

    def close(self, cancel_pending: bool = False, wait: bool = True) -> None:
        """Stop the workers. ``cancel_pending`` drops jobs not started; ``wait`` lets running
        (and, unless cancelled, pending) jobs finish, their outcomes still returned by :meth:`poll`;
        ``wait=False`` stops running calls now, giving their claims back."""
        if self._closed:
            return
        if cancel_pending:
            self._pending.clear()
        try:
            if wait:
                while self.in_flight:
                    self._ready += self._collect(0.5)
                    self._dispatch()
                for slot in self._slots:
                    slot.finish()
            else:
                self._pending.clear()
                for slot in self._slots:
                    slot.stop_now()
        except BaseException:  # Ctrl-C again while waiting: stop now
            self._pending.clear()
            for slot in self._slots:
                slot.stop_now()
            raise
        finally:
            self._closed = True
            for slot in self._slots:
                slot.join(_STOP_GRACE_S)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if kind is None:
            self.close()
        else:
            self.close(cancel_pending=True, wait=False)

    # --- inside -----------------------------------------------------------------

    def _dispatch(self) -> None:
        for slot in self._slots:
            if not self._pending:
                return
            if slot.job is None and slot.alive():
                slot.give(self._pending.popleft())

    def _collect(self, timeout: float) -> list[Outcome]:
        """Read what the workers sent (waiting up to ``timeout`` for the first message), then
        notice workers that died."""
        self._raise_fatal()
        out: list[Outcome] = []
        try:
            message = (
                self._results.get(timeout=timeout) if timeout > 0 else self._results.get_nowait()
            )
            while True:
                out += self._handle(message)
                message = self._results.get_nowait()
        except queue.Empty:
            pass
        for slot in self._slots:
            if not slot.alive() and not self._closed:
                out += self._drain()  # what it sent before it died comes first
                out += self._died(slot)
        if not out:
            self._raise_fatal()
        return out  # outcomes that came with a fatal message first; the error at the next poll

    def _raise_fatal(self) -> None:
        if self._fatal is not None:
            err, self._fatal = self._fatal, None
            raise err

    def _drain(self) -> list[Outcome]:
        out: list[Outcome] = []
        try:
            while True:
                out += self._handle(self._results.get_nowait())
        except queue.Empty:
            return out

    def _handle(self, message: tuple) -> list[Outcome]:
        kind, slot_id, index = message[0], message[1], message[2]
        if kind == "fatal":  # the model or the store: the batch cannot go on
            self._fatal = self._fatal or _error(message[3], message[4])
            if (
                message[2] is not None
                and self._slots[slot_id].job is not None
                and self._slots[slot_id].job[0] == message[2]
            ):
                self._slots[
                    slot_id
                ].job = None  # score_job gave that call back: it is pending in the store
            return []
        slot = self._slots[slot_id]
        if slot.job is None or slot.job[0] != index:
            return []  # from a worker that was given up for dead
        slot.job = None
        return [message[3]]

    def _died(self, slot: _ProcessSlot) -> list[Outcome]:
        job, slot.job = slot.job, None
        self._deaths += 1
        if self._deaths > _MAX_RESPAWNS * self.workers:
            raise CallreviewError(
                f"worker processes keep dying ({slot.describe_exit()}); "
                "check memory and the logs, then run again"
            )
        slot.restart()
        if job is None:
            return []
        path = job[1].path
        message = (
            f"{path}: the worker scoring it died ({slot.describe_exit()}); "
            "run the batch again to retry it"
        )
        return [Outcome(str(path), "failed", error=message, exit_code=BUG_EXIT)]


def _error(message: str, exit_code: int) -> CallreviewError:
    err = CallreviewError(message)
    err.exit_code = exit_code
    return err


# --- the workers ----------------------------------------------------------------------


class _ProcessSlot:
    """One worker process as the pool sees it: the job it runs (``(index, job)``) or ``None``."""

    def __init__(self, slot: int, ctx: Any, args: tuple, results: Any) -> None:
        self.id, self.ctx, self.args, self.results = slot, ctx, args, results
        self.job: tuple[int, Job] | None = None
        self.restart()

    def restart(self) -> None:
        self.tasks = self.ctx.SimpleQueue()
        self.process = self.ctx.Process(
            target=_process_main,
            args=(self.id, *self.args, self.tasks, self.results, os.getpid()),
            name=f"callreview-worker-{self.id}",
            daemon=True,
        )
        # Started with SIGINT and SIGTERM blocked: until the worker has set its own handlers, a
        # Ctrl-C must not kill it with a traceback.
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            self.process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def give(self, item: tuple[int, Job]) -> None:
        self.job = item
        self.tasks.put(item)

    def alive(self) -> bool:
        return self.process.is_alive()

    def finish(self) -> None:
        if self.process.is_alive():
            self.tasks.put(None)

    def stop_now(self) -> None:
        if self.process.is_alive():
            self.process.terminate()  # SIGTERM: the worker gives its call back and exits

    def join(self, timeout: float) -> None:
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)

    def describe_exit(self) -> str:
        code = self.process.exitcode
        if code is not None and code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exit code {code}"


def _process_main(
    slot: int,
    settings: Settings,
    db: str,
    options: RunOptions,
    tasks: Any,
    results: Any,
    parent: int,
) -> None:
    """A worker process: die with the parent, leave Ctrl-C to it, give the call back on SIGTERM."""
    _die_with_parent(parent)

    def on_sigterm(signum: int, frame: Any) -> None:
        raise Interrupted()

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, on_sigterm)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        _serve(slot, settings, db, options, tasks, results)
    except Interrupted:
        pass  # score_job gave the call back


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this process when the thread that started it dies (``prctl``)."""
    if sys.platform.startswith("linux"):
        import ctypes  # only here: the one call into libc

        PR_SET_PDEATHSIG = 1
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (
            OSError,
            AttributeError,
        ):  # pragma: no cover - no prctl: an orphan can outlive a SIGKILLed batch
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _serve(
    slot: int, settings: Settings, db: str, options: RunOptions, tasks: Any, results: Any
) -> None:
    """A worker process's loop: its own store and Reviewer, one job at a time."""
    try:
        store = open_store(db)
    except CallreviewError as err:
        results.put(("fatal", slot, None, str(err), err.exit_code))
        return
    reviewer = Reviewer(settings)  # the model loads on the first call that needs transcribing, once
    try:
        while (item := tasks.get()) is not None:
            index, job = item
            try:
                outcome = score_or_report(reviewer, store, job, options)
            except CallreviewError as err:  # the model or the store: every call would fail alike
                results.put(("fatal", slot, index, str(err), err.exit_code))
                return
            results.put(("done", slot, index, outcome))
    finally:
        store.close()
