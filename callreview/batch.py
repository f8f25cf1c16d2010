"""Many calls through the one review path into the store: claim, score, store, exactly once.

    Job (path + what is known of the call) ─score_job─▶ store.register · claim ─▶ Reviewer.review_file
                                                      ─▶ store.complete (or fail) ─▶ Outcome

:func:`score_job` is the one step that ``batch``, ``watch`` and a Ray actor all run for
a call; none of them claims, scores or stores a call any other way. The store decides
who scores what (:meth:`callreview.store.Store.claim`), so any number of processes
can run it over the same files at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from callreview.errors import CallreviewError
from callreview.store import LEASE_S, CallMeta, Claim, Store

if TYPE_CHECKING:
    from callreview.review import Reviewer

OutcomeStatus = Literal["scored", "already", "busy", "failed", "failed_before"]


@dataclass(frozen=True)
class Job:
    """One recording to score, with what a manifest or the file name says about it."""

    path: Path
    meta: CallMeta = CallMeta()


@dataclass(frozen=True)
class Outcome:
    """What happened to one job: ``scored`` now, ``already`` scored before, ``busy`` (another
    worker holds it), ``failed`` now (``error`` says why), ``failed_before`` (an earlier run failed it)."""

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


def score_job(
    reviewer: "Reviewer", store: Store, job: Job, worker: str | None = None, lease_s: float = LEASE_S, retry_failed: bool = False
) -> Outcome:
    """Claim, score and store one recording; a bad file becomes a stored error, never an exception.

    The claim is renewed while the call is scored. An interruption (Ctrl-C, SIGTERM raised as
    an exception) gives the call back unscored; a SIGKILL leaves a claim that expires."""
    from callreview.audio import check_file, file_digest
    from callreview.settings import call_metadata

    started = time.monotonic()
    path = job.path
    try:
        check_file(path)
        sha = file_digest(path)
    except CallreviewError as err:
        store.record_error(path, str(err), err.exit_code, worker=worker)
        return Outcome(str(path), "failed", error=str(err), exit_code=err.exit_code, seconds=time.monotonic() - started)
    except OSError as err:
        message = f"{path}: cannot be read ({err.strerror}); check the file"
        store.record_error(path, message, 2, worker=worker)
        return Outcome(str(path), "failed", error=message, exit_code=2, seconds=time.monotonic() - started)
    try:
        meta = merge_meta(job.meta, call_metadata(path))
    except CallreviewError as err:
        store.record_error(path, str(err), err.exit_code, sha256=sha, worker=worker)
        return Outcome(str(path), "failed", error=str(err), exit_code=err.exit_code, seconds=time.monotonic() - started)
    call = store.register(sha, path, meta)
    claimed = store.claim(sha, path, worker, lease_s, retry_failed)
    if claimed.claim is None:
        return _known(store, path, claimed.outcome, call, started)
    claim = claimed.claim
    try:
        with _Lease(store, claim, lease_s):
            reviewed = reviewer.review_file(path, customer_name=meta.customer_name, direction=meta.direction, digest=sha)
    except CallreviewError as err:
        store.fail(claim, str(err), err.exit_code)
        return Outcome(str(path), "failed", call, error=str(err), exit_code=err.exit_code, seconds=time.monotonic() - started)
    except BaseException:
        store.release(claim)  # interrupted or a bug: the call is pending again, nothing half-stored
        raise
    review = reviewed.review
    stored = store.complete(claim, review, reviewed.transcript, reviewed.transcript_key, reviewer.engine, reviewer.fingerprint)
    if stored is None:  # the lease ran out and another worker took the call: it stores it, not us
        return Outcome(str(path), "busy", call, seconds=time.monotonic() - started)
    return Outcome(
        str(path), "scored", call, review.score, review.band,
        failed_items=tuple(name for name, item in review.items.items() if item.status == "fail"),
        needs_review=review.needs_review, audio_s=review.duration_s, seconds=time.monotonic() - started,
    )


def merge_meta(given: CallMeta, beside: dict[str, str]) -> CallMeta:
    """What the manifest or file name says wins over the ``<recording>.toml`` beside the file."""
    return replace(
        given,
        agent=given.agent or beside.get("agent"),
        call_id=given.call_id or beside.get("call_id"),
        date=given.date or beside.get("date"),
        direction=given.direction or beside.get("direction"),
        customer_name=given.customer_name or beside.get("customer_name"),
    )


def _known(store: Store, path: Path, outcome: str, call: int, started: float) -> Outcome:
    seconds = time.monotonic() - started
    if outcome == "failed":
        err = store.last_error(call)
        return Outcome(str(path), "failed_before", call, error=err.message if err else None, exit_code=err.exit_code if err else 2, seconds=seconds)
    if outcome == "scored":
        stored = store.call(call)
        review = stored.review if stored else None
        failed = tuple(name for name, item in (review or {}).get("items", {}).items() if item.get("status") == "fail")
        return Outcome(
            str(path), "already", call, stored.score if stored else None, stored.band if stored else None, failed,
            stored.needs_review if stored else False, audio_s=(stored.duration_s or 0.0) if stored else 0.0, seconds=seconds,
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

    def __enter__(self) -> "_Lease":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
