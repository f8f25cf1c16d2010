"""The job engine: one call claimed, scored and stored (:func:`score_job`); many fed to an executor.

    Job (path + what is known of the call) ─score_job─▶ store.register · claim
        ─▶ Reviewer.review_file ─▶ store.complete (or fail) ─▶ Outcome
    run_jobs(jobs, executor) ─submit─▶ Executor (this process, worker processes, Ray actors)
        ─poll─▶ Outcome

:func:`score_job` is the one step that ``batch``, ``watch`` and a Ray actor all run for a
call; none of them claims, scores or stores a call any other way. The store decides who
scores what (:meth:`callreview.store.Store.claim`), so any number of processes can run it
over the same files at once. Every executor fills the :class:`Executor` protocol and is
configured by one :class:`RunOptions`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from callreview.asr.audio import check_file, file_digest
from callreview.asr.legs import legs_digest
from callreview.errors import CallreviewError, ModelUnavailableError, SettingsError, StoreError
from callreview.settings import call_metadata
from callreview.store import LEASE_S, CallMeta, Claim, Store

if TYPE_CHECKING:
    from callreview.review import Reviewer

OutcomeStatus = Literal["scored", "already", "busy", "failed", "failed_before"]
BUG_EXIT = 70
"""The exit code of a call that hit a bug, or whose worker died under it."""


@dataclass(frozen=True)
class Job:
    """One recording to score, with what a manifest or the file name says about it."""

    path: Path
    meta: CallMeta = CallMeta()
    legs: tuple[Path | None, Path | None] | None = None
    """A call recorded as two leg files: ``(agent's, customer's)``, one ``None`` for a leg whose
    partner never came (:mod:`callreview.jobs.legs`); ``path`` is the first leg there."""
    note: str | None = None
    """Said about the call in its transcript (a leg scored alone)."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one job: ``scored`` now, ``already`` scored before, ``busy`` (another
    worker holds it), ``failed`` now (``error`` says why), ``failed_before`` (an earlier run
    failed it)."""

    path: str
    status: OutcomeStatus
    call: int | None = None
    score: float | None = None
    band: str | None = None
    failed_items: tuple[str, ...] = ()
    needs_review: bool = False
    error: str | None = None
    exit_code: int = 0
    audio_s: float = 0.0
    seconds: float = 0.0
    """Wall time of this job in the worker."""


@dataclass(frozen=True)
class RunOptions:
    """How an executor scores: on how many workers, with how many threads each, how claims last."""

    workers: int = 1
    """Workers scoring at once, each with its own model (processes, or Ray actors)."""
    threads: int | None = None
    """The model's CPU threads per worker; ``None``: the cores shared out between the workers."""
    lease_s: float = LEASE_S
    retry_failed: bool = False
    """Score again calls an earlier run failed."""

    def check(self) -> RunOptions:
        """These options, or a one-line refusal of a count below one."""
        if self.workers < 1:
            raise SettingsError(f"--workers must be 1 or more, not {self.workers}")
        if self.threads is not None and self.threads < 1:
            raise SettingsError(f"--threads must be 1 or more, not {self.threads}")
        return self


class StopFlag(Protocol):
    """What tells a run to start no more calls: a :class:`threading.Event` or a
    :class:`callreview.jobs.stop.StopSignal`."""

    def is_set(self) -> bool: ...
    def wait(self, timeout: float | None = None) -> bool: ...


class Executor(Protocol):
    """Runs :func:`score_job` for the jobs submitted to it: in this process
    (:class:`callreview.jobs.inprocess.InProcess`), on worker processes
    (:class:`callreview.jobs.local.WorkerPool`) or on Ray actors
    (:class:`callreview.jobs.ray.RayExecutor`)."""

    ahead: int
    """How many jobs kept submitted keep every worker busy (and a stop waits for no long queue)."""

    @property
    def in_flight(self) -> int:
        """Submitted, not yet returned by :meth:`poll`."""
        ...

    @property
    def running(self) -> list[Job]:
        """The jobs being scored now."""
        ...

    def submit(self, job: Job) -> None:
        """Queue a job; never blocks."""

    def poll(self, timeout: float) -> list[Outcome]:
        """Outcomes finished since the last poll, waiting up to ``timeout`` for the first;
        ``[]`` at once when nothing is in flight."""
        ...

    def close(self, cancel_pending: bool = False, wait: bool = True) -> None:
        """Start nothing more. ``cancel_pending`` drops jobs not started; ``wait`` lets the
        running ones finish (their outcomes still come from :meth:`poll`); ``wait=False`` stops
        them now, their claims given back."""


def run_jobs(
    jobs: Iterable[Job],
    executor: Executor,
    stop: StopFlag | None = None,
    on_running: Callable[[Sequence[Job]], None] | None = None,
) -> Iterator[Outcome]:
    """Each job's outcome as it finishes (not in job order), the executor kept
    :attr:`Executor.ahead` jobs ahead of its workers. When ``stop`` is set no job starts any
    more: the running ones finish and are yielded, then the iterator ends. ``on_running`` is
    told the jobs being scored whenever that may have changed (progress)."""
    source = iter(jobs)
    exhausted = False
    while True:
        if stop is not None and stop.is_set():
            executor.close(cancel_pending=True)
            yield from executor.poll(0)
            return
        while not exhausted and executor.in_flight < executor.ahead:
            job = next(source, None)
            if job is None:
                exhausted = True
            else:
                executor.submit(job)
        if exhausted and not executor.in_flight:
            return
        if on_running is not None:
            on_running(executor.running)
        yield from executor.poll(0.5)


# --- one call ----------------------------------------------------------------------


def score_job(
    reviewer: Reviewer,
    store: Store,
    job: Job,
    worker: str | None = None,
    lease_s: float = LEASE_S,
    retry_failed: bool = False,
) -> Outcome:
    """Claim, score and store one recording; a bad file becomes a stored error, never an exception.
    A model that cannot be loaded or a store that fails is raised (the call is given back, not
    failed): it is no fault of the call, and every other call would fail the same way.

    The claim is renewed while the call is scored. An interruption (Ctrl-C, SIGTERM raised as
    an exception) gives the call back unscored; a SIGKILL leaves a claim that expires."""
    started = time.monotonic()
    path = job.path

    def failed(message: str, exit_code: int, call: int | None = None) -> Outcome:
        return Outcome(
            str(path),
            "failed",
            call,
            error=message,
            exit_code=exit_code,
            seconds=time.monotonic() - started,
        )

    try:
        check_file(path)
        sha = file_digest(path) if job.legs is None else legs_digest(job.legs)
    except CallreviewError as err:
        store.record_error(path, str(err), err.exit_code, worker=worker)
        return failed(str(err), err.exit_code)
    except OSError as err:
        message = f"{path}: cannot be read ({err.strerror}); check the file"
        store.record_error(path, message, 2, worker=worker)
        return failed(message, 2)
    try:
        beside = call_metadata(path)
        meta = merge_meta(job.meta, beside)
    except CallreviewError as err:
        store.record_error(path, str(err), err.exit_code, sha256=sha, worker=worker)
        return failed(str(err), err.exit_code)
    call = store.register(sha, path, meta)
    for leg in job.legs or ():
        if leg is not None and leg != path:  # both legs' paths kept with the one call
            store.register(sha, leg, meta)
    claimed = store.claim(sha, path, worker, lease_s, retry_failed)
    if claimed.claim is None:
        return known_outcome(store, path, claimed.outcome, call, started)
    claim = claimed.claim
    try:
        with _Lease(store, claim, lease_s):
            reviewed = reviewer.review_file(
                path,
                customer_name=meta.customer_name,
                direction=meta.direction,
                digest=sha,
                metadata=beside,
                **_legs_of(job),
            )
    except (ModelUnavailableError, StoreError):
        store.release(
            claim
        )  # the model or the store failed, not this call: pending for a later run
        raise
    except CallreviewError as err:
        store.fail(claim, str(err), err.exit_code)
        return failed(str(err), err.exit_code, call)
    except BaseException:
        store.release(claim)  # interrupted or a bug: the call is pending again, nothing half-stored
        raise
    review = reviewed.review
    stored = store.complete(
        claim,
        review,
        reviewed.transcript,
        reviewed.transcript_key,
        reviewer.engine,
        reviewer.fingerprint,
    )
    if stored is None:  # the lease ran out and another worker took the call: it stores it, not us
        return Outcome(str(path), "busy", call, seconds=time.monotonic() - started)
    return Outcome(
        str(path),
        "scored",
        call,
        review.score,
        review.band,
        failed_items=tuple(name for name, item in review.items.items() if item.status == "fail"),
        needs_review=review.needs_review,
        audio_s=review.duration_s,
        seconds=time.monotonic() - started,
    )


def _legs_of(job: Job) -> dict[str, Any]:
    """What a two-leg job adds to ``review_file`` (nothing for one file: any reviewer takes it)."""
    return {} if job.legs is None else {"legs": job.legs, "note": job.note}


def score_or_report(reviewer: Any, store: Any, job: Job, options: RunOptions) -> Outcome:
    """:func:`score_job`, with a bug on one call turned into that call's failure (the run goes on).
    A :class:`CallreviewError` (the model, the store) is still raised."""
    try:
        return score_job(
            reviewer, store, job, lease_s=options.lease_s, retry_failed=options.retry_failed
        )
    except CallreviewError:
        raise
    except Exception as err:
        first = str(err).splitlines()[0] if str(err) else ""
        message = f"{job.path}: internal error ({type(err).__name__}: {first}); please report it"
        return Outcome(str(job.path), "failed", error=message, exit_code=BUG_EXIT)


_META_FIELDS = ("agent", "call_id", "date", "direction", "customer_name")


def merge_meta(given: CallMeta, beside: dict[str, str]) -> CallMeta:
    """What the manifest or file name says wins over the ``<recording>.toml`` beside the file."""
    fields: dict[str, Any] = {f: beside.get(f) for f in _META_FIELDS}
    return fill_meta(given, CallMeta(**fields))


def fill_meta(first: CallMeta, then: CallMeta) -> CallMeta:
    """``first``'s fields, with the gaps filled from ``then``."""
    return replace(first, **{f: getattr(first, f) or getattr(then, f) for f in _META_FIELDS})


def known_outcome(store: Store, path: Path, state: str, call: int, started: float) -> Outcome:
    """The outcome of a call the store holds in ``state`` (``failed``, ``scored``, else busy)."""
    seconds = time.monotonic() - started
    if state == "failed":
        err = store.last_error(call)
        return Outcome(
            str(path),
            "failed_before",
            call,
            error=err.message if err else None,
            exit_code=err.exit_code if err else 2,
            seconds=seconds,
        )
    if state == "scored":
        stored = store.call(call)
        review = stored.review if stored else None
        failed = tuple(
            name
            for name, item in (review or {}).get("items", {}).items()
            if item.get("status") == "fail"
        )
        return Outcome(
            str(path),
            "already",
            call,
            stored.score if stored else None,
            stored.band if stored else None,
            failed,
            stored.needs_review if stored else False,
            audio_s=(stored.duration_s or 0.0) if stored else 0.0,
            seconds=seconds,
        )
    return Outcome(str(path), "busy", call, seconds=seconds)


class _Lease:
    """Renews a claim every third of its lease while the block runs (a daemon thread)."""

    def __init__(self, store: Store, claim: Claim, lease_s: float):
        self.store, self.claim, self.lease_s = store, claim, lease_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="callreview-lease", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            try:
                if not self.store.renew(self.claim, self.lease_s):
                    return
            except CallreviewError:
                continue  # a store briefly unreachable: try again at the next beat

    def __enter__(self) -> _Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
