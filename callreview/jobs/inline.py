"""score_job in this process, stoppable by SIGINT/SIGTERM at any moment, with nothing half-written.

    StopSignal ── SIGINT/SIGTERM ──▶ Stopped raised inside the scoring ──▶ score_job gives the claim back
               └─ wakeup fd thread ─▶ the scoring stuck in the model's C code ─▶ release the claim, exit 0

A Python signal handler runs only when the main thread next runs Python code, and a
call spends its time in the model (CTranslate2), where one step can take many seconds
on a loaded machine. So :class:`StopSignal` also watches a wakeup fd from a thread of
its own: when a stop comes during a call and the call has not given itself back within
``grace_s``, that thread releases the call's claim in the store (pending again; a
``complete`` racing it finds the claim gone and stores nothing) and ends the process
with exit code 0. Store writes are transactions, result files are written atomically:
an exit at any point leaves no half record.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from callreview.errors import CallreviewError, StoreError
from callreview.jobs.batch import Job, Outcome, score_job
from callreview.store import LEASE_S, Claim, Store, worker_id

if TYPE_CHECKING:
    from callreview.review import Reviewer

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
STOP_GRACE_S = 2.0
"""How long a call being scored may take to give itself back before its claim is released for it."""


class Stopped(BaseException):
    """Raised inside a call being scored when SIGINT/SIGTERM arrives: score_job gives the claim back."""


class StopSignal:
    """Turns SIGINT/SIGTERM into a stop request; raises :class:`Stopped` only while a call is being
    scored in this process (never inside a store transaction), and calls ``on_stuck`` when that call
    does not stop within ``grace_s`` (see the module docs)."""

    def __init__(self, grace_s: float = STOP_GRACE_S) -> None:
        self.by: str | None = None
        self.grace_s = grace_s
        self.on_stuck: Callable[[], None] | None = None
        self._interruptible = False
        self._idle = threading.Event()
        self._idle.set()

    @property
    def stopping(self) -> bool:
        return self.by is not None

    def request(self, by: str) -> None:
        self.by = self.by or by

    def _handle(self, signum: int, frame: object) -> None:
        self.request(signal.Signals(signum).name)
        if self._interruptible:
            self._interruptible = False
            raise Stopped()

    @contextmanager
    def installed(self) -> Iterator[StopSignal]:
        if (
            threading.current_thread() is not threading.main_thread()
        ):  # a test or an embedding app runs us
            yield self
            return
        old = {sig: signal.signal(sig, self._handle) for sig in STOP_SIGNALS}
        read, write = os.pipe()
        os.set_blocking(write, False)
        old_fd = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
        watcher = threading.Thread(
            target=self._watch, args=(read,), name="callreview-stop", daemon=True
        )
        watcher.start()
        try:
            yield self
        finally:
            signal.set_wakeup_fd(old_fd)
            for sig, handler in old.items():
                signal.signal(sig, handler)
            os.close(write)  # the thread reads the end of the pipe and returns
            watcher.join(1.0)
            os.close(read)

    def _watch(self, read: int) -> None:
        stops = {int(sig) for sig in STOP_SIGNALS}
        while data := os.read(read, 64):
            hit = [n for n in data if n in stops]
            if not hit:
                continue
            self.request(signal.Signals(hit[0]).name)
            if not self._idle.wait(self.grace_s) and self.on_stuck is not None:
                self.on_stuck()

    @contextmanager
    def interruptible(self) -> Iterator[None]:
        if self.stopping:
            raise Stopped()
        self._idle.clear()
        self._interruptible = True
        try:
            yield
        finally:
            self._interruptible = False
            self._idle.set()


class _InterruptibleReviewer:
    """The reviewer as score_job sees it, with only the scoring itself open to a stop signal."""

    def __init__(self, reviewer: Reviewer, stop: StopSignal) -> None:
        self._reviewer, self._stop = reviewer, stop

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reviewer, name)

    def review_file(self, *args: Any, **kwargs: Any) -> Any:
        with self._stop.interruptible():
            return self._reviewer.review_file(*args, **kwargs)


class _ClaimKeeper:
    """The store as score_job sees it, remembering the claim it holds (to give it back from outside)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.held: Claim | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def claim(self, *args: Any, **kwargs: Any) -> Any:
        result = self._store.claim(*args, **kwargs)
        self.held = result.claim
        return result

    def complete(self, claim: Claim, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._store.complete(claim, *args, **kwargs)
        finally:
            self.held = None

    def fail(self, claim: Claim, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._store.fail(claim, *args, **kwargs)
        finally:
            self.held = None

    def release(self, claim: Claim) -> None:
        try:
            self._store.release(claim)
        finally:
            self.held = None


class InlineExecutor:
    """score_job in this process, one call at a time, run by :meth:`poll` (one worker, model loaded once).
    A stop signal during a call gives the call back to the store (pending) and ends the poll early;
    ``on_stuck(path)`` is told when the call had to be given back from outside (the process then exits)."""

    def __init__(
        self,
        reviewer: Reviewer,
        store: Store,
        stop: StopSignal,
        lease_s: float = LEASE_S,
        on_stuck: Callable[[str], None] | None = None,
    ) -> None:
        self.reviewer = _InterruptibleReviewer(reviewer, stop)
        self.store = _ClaimKeeper(store)
        self.stop, self.lease_s, self.on_stuck = stop, lease_s, on_stuck
        self.worker = worker_id()
        self._jobs: list[Job] = []
        stop.on_stuck = self._give_back_and_exit

    @property
    def in_flight(self) -> int:
        return len(self._jobs)

    @property
    def running(self) -> list[Job]:
        return []  # a call runs inside poll(), never between two calls of ours

    def submit(self, job: Job) -> None:
        self._jobs.append(job)

    def poll(self, timeout: float) -> list[Outcome]:
        if not self._jobs:
            if timeout > 0:
                time.sleep(timeout)
            return []
        job = self._jobs.pop(0)
        try:
            return [score_job(self.reviewer, self.store, job, self.worker, self.lease_s)]  # type: ignore[arg-type]
        except Stopped:
            return []  # given back: the watcher reports it pending
        except (
            StoreError
        ) as err:  # the store is locked or away: the watcher backs off and sends the file again
            return [
                Outcome(str(job.path), "failed", error=str(err), exit_code=StoreError.exit_code)
            ]

    def _give_back_and_exit(self) -> None:
        """From the stop thread: the call is stuck in the model; release its claim and end the process."""
        held = self.store.held
        if held is not None:
            try:
                self.store.release(held)
            except CallreviewError:
                pass  # the store is away: the claim's holder (this pid) is gone in a moment, which frees it too
        if self.on_stuck is not None:
            self.on_stuck(held.path if held else "")
        os._exit(0)

    def close(self, cancel_pending: bool = False) -> None:
        self._jobs.clear()

    def __enter__(self) -> InlineExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.on_stuck = None
        self.close(cancel_pending=True)
