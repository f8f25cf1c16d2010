"""The in-process executor: score_job in the calling thread, one call at a time, inside ``poll``.

    submit(job) ─▶ queue ─▶ poll(): score_job(reviewer, store, job) ─▶ [Outcome]

One worker, no process start, no second model. With a give-back :class:`StopSignal`, only the
scoring itself is open to a stop, and a call stuck in the model's C code is given back from
outside: its claim is released in the store (pending again; a ``complete`` racing it finds the
claim gone and stores nothing) and the process ends with exit code 0. Store writes are
transactions, result files are written atomically: an exit at any point leaves no half record.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from callreview.cpu import default_threads
from callreview.errors import CallreviewError, StoreError
from callreview.jobs.engine import Job, Outcome, RunOptions, score_or_report
from callreview.jobs.stop import StopSignal
from callreview.review import Reviewer
from callreview.store import Claim, Store, open_store

if TYPE_CHECKING:
    from callreview.settings import Settings


class InProcess:
    """Scores the jobs submitted in this process, one per :meth:`poll` (see the module docs).

    Without ``reviewer`` and ``store`` it makes its own on the first call (``settings`` with the
    cores of one worker, the store at ``db``). ``stop`` (give-back) interrupts the scoring;
    ``on_stuck(path)`` is told when a call had to be given back from outside (the process then
    exits). ``store_errors_as_outcomes``: a store that fails makes the call a ``failed`` outcome
    with the store's exit code (``watch`` backs off and sends it again) instead of raising."""

    def __init__(
        self,
        settings: Settings,
        db: str,
        options: RunOptions = RunOptions(),
        *,
        reviewer: Reviewer | None = None,
        store: Store | None = None,
        stop: StopSignal | None = None,
        on_stuck: Callable[[str], None] | None = None,
        store_errors_as_outcomes: bool = False,
    ) -> None:
        self.options = options.check()
        self.ahead = 2
        self._settings = replace(settings, cpu_threads=options.threads or default_threads(1))
        self._db = str(db)
        self._reviewer = reviewer
        self._store = _ClaimKeeper(store) if store is not None else None
        self._own_store = store is None
        self._stop = stop
        self._on_stuck = on_stuck
        self._report_store = store_errors_as_outcomes
        self._queue: deque[Job] = deque()
        if stop is not None:
            stop.on_stuck = self._give_back_and_exit

    @property
    def in_flight(self) -> int:
        return len(self._queue)

    @property
    def running(self) -> list[Job]:
        """The job the next :meth:`poll` scores (a call runs only inside ``poll``)."""
        return [self._queue[0]] if self._queue else []

    def submit(self, job: Job) -> None:
        self._queue.append(job)

    def poll(self, timeout: float) -> list[Outcome]:
        """Score the next job (whatever ``timeout``); ``[]`` at once when there is none."""
        if not self._queue:
            return []
        job = self._queue.popleft()
        if self._store is None:
            self._store = _ClaimKeeper(open_store(self._db))
        if self._reviewer is None:
            self._reviewer = Reviewer(self._settings)
        reviewer: Any = self._reviewer
        if self._stop is not None:
            reviewer = _StoppableReviewer(self._reviewer, self._stop)
        try:
            return [score_or_report(reviewer, self._store, job, self.options)]
        except StoreError as err:
            if not self._report_store:
                raise
            return [
                Outcome(str(job.path), "failed", error=str(err), exit_code=StoreError.exit_code)
            ]

    def close(self, cancel_pending: bool = False, wait: bool = True) -> None:
        """Drop what is queued (nothing runs between two polls, so nothing waits)."""
        self._queue.clear()

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            self._stop.on_stuck = None
        self.close(cancel_pending=True)
        if self._own_store and self._store is not None:
            self._store.close()
            self._store = None

    def _give_back_and_exit(self) -> None:
        """From the stop thread: the call is stuck in the model; release its claim, exit."""
        held = self._store.held if self._store is not None else None
        if held is not None and self._store is not None:
            try:
                self._store.release(held)
            except CallreviewError:
                pass  # the store is away: the claim's holder (this pid) is gone in a moment
        if self._on_stuck is not None:
            self._on_stuck(held.path if held else "")
        os._exit(0)


class _StoppableReviewer:
    """The reviewer as score_job sees it, with only the scoring itself open to a stop signal."""

    def __init__(self, reviewer: Reviewer, stop: StopSignal) -> None:
        self._reviewer, self._stop = reviewer, stop

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reviewer, name)

    def review_file(self, *args: Any, **kwargs: Any) -> Any:
        with self._stop.while_scoring():
            return self._reviewer.review_file(*args, **kwargs)


class _ClaimKeeper:
    """The store as score_job sees it, remembering the claim it holds (to give it back)."""

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
