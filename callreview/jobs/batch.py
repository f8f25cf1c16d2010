"""``batch``: many calls through the one review path into the store, exactly once.

    paths · manifest · name pattern ─discover─▶ [Job] ─run_batch─▶ local executor or Ray
        ─▶ Outcome per call ─▶ BatchTally ─▶ the run recorded in the store

The store decides who scores what (:meth:`callreview.store.Store.claim`), so any number of
batches can run over the same files at once: :func:`run_batch` scores its calls and, at the
end, waits for the ones another batch holds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from callreview.errors import CallreviewError, StoreError
from callreview.jobs.discover import AUDIO_SUFFIXES, TEMP_SUFFIXES, discover, is_temporary
from callreview.jobs.engine import (
    Job,
    Outcome,
    OutcomeStatus,
    RunOptions,
    StopFlag,
    known_outcome,
    merge_meta,
    score_job,
)
from callreview.jobs.legs import leg_naming, pair_legs
from callreview.jobs.local import DEFAULT_WORKERS, run_local
from callreview.jobs.retention import apply_retention
from callreview.jobs.stop import Interrupted
from callreview.store import Store

if TYPE_CHECKING:
    from callreview.review import Reviewer

__all__ = [  # what batch's callers (the CLI, tests, fixtures) import from here
    "AUDIO_SUFFIXES",
    "TEMP_SUFFIXES",
    "BatchOptions",
    "BatchTally",
    "Job",
    "Outcome",
    "OutcomeStatus",
    "discover",
    "is_temporary",
    "merge_meta",
    "recording_roots",
    "run_batch",
    "score_job",
]

SOME_FAILED = 6
"""The exit code of ``batch`` when some calls failed (the others were scored)."""


@dataclass
class BatchTally:
    """What a batch has done so far; :meth:`line` is the last line ``callreview batch`` prints."""

    total: int
    scored: int = 0
    already: int = 0
    failed: list[Outcome] = field(default_factory=list)
    """Failed now or in an earlier run (``--retry-failed`` tries those again)."""
    audio_s: float = 0.0
    """Audio of the calls scored or found scored."""
    interrupted: bool = False
    stopped_now: bool = False
    """Stopped by SIGTERM or a second Ctrl-C, the calls in progress given back unscored."""
    store_error: str | None = None
    """Why the store stopped the batch (a full disk, a read-only store): the calls not done
    are left for the next run."""

    @property
    def done(self) -> int:
        return self.scored + self.already + len(self.failed)

    def add(self, outcome: Outcome) -> None:
        if outcome.status == "scored":
            self.scored += 1
        elif outcome.status == "already":
            self.already += 1
        elif outcome.status in ("failed", "failed_before"):
            self.failed.append(outcome)
        self.audio_s += outcome.audio_s

    def line(self) -> str:
        return (
            f"{self.scored:,} scored, {self.already:,} already scored, {len(self.failed):,} failed"
        )

    @property
    def exit_code(self) -> int:
        if self.store_error is not None:
            return StoreError.exit_code
        return SOME_FAILED if self.failed else 0


@dataclass(frozen=True)
class BatchOptions(RunOptions):
    """How a batch runs: the executor's :class:`RunOptions`, on local workers or on Ray."""

    workers: int | None = None  # type: ignore[assignment]
    """``None``: :data:`callreview.jobs.local.DEFAULT_WORKERS`."""
    ray: str | None = None
    """A Ray address (or ``auto``): score on a cluster (:mod:`callreview.jobs.ray`)."""
    recheck_s: float = 5.0
    """How often a call another batch holds is tried again while this batch waits for it."""


class Reporter(Protocol):
    """Where a batch tells its progress (:mod:`callreview.jobs.progress` draws it)."""

    def running(self, jobs: Sequence[Job]) -> None: ...
    def outcome(self, outcome: Outcome, tally: BatchTally) -> None: ...
    def waiting(self, count: int) -> None: ...


class _Silent:
    def running(self, jobs: Sequence[Job]) -> None:
        pass

    def outcome(self, outcome: Outcome, tally: BatchTally) -> None:
        pass

    def waiting(self, count: int) -> None:
        pass


def run_batch(
    jobs: Sequence[Job],
    reviewer: Reviewer,
    store: Store,
    db: str,
    options: BatchOptions = BatchOptions(),
    reporter: Reporter | None = None,
    stop: StopFlag | None = None,
    recordings: Sequence[str | Path] = (),
) -> BatchTally:
    """Score ``jobs`` on worker processes (or Ray) into the store at ``db``, exactly once.

    A call another batch holds (``busy``) is waited for at the end until that batch stores it
    or its claim can be taken (a dead or expired holder): then this batch scores it. ``stop``
    (the first Ctrl-C) ends the batch early: running calls finish, nothing more starts; SIGTERM
    or a second Ctrl-C gives them back at once. Either way the tally so far is returned. The
    run is recorded in the store (``runs``), with the ``recordings`` it was given (folders, files:
    :func:`recording_roots`), the folders the web app may serve audio from."""
    reporter = reporter or _Silent()
    options = replace(options, workers=options.workers or DEFAULT_WORKERS)
    site = reviewer.settings
    jobs = pair_legs(jobs, leg_naming(site.leg_names, site.leg_suffixes))  # the site's own tags
    tally = BatchTally(len(jobs))
    apply_retention(store, site, "retention:batch")  # retention_days: older calls go first
    run = store.start_run(
        "batch",
        {
            "calls": len(jobs),
            "workers": options.workers,
            "threads": options.threads,
            "retry_failed": options.retry_failed,
            "ray": options.ray,
            "recordings": [str(Path(p).absolute()) for p in recordings],
        },
    )
    busy: dict[str, Outcome] = {}
    outcomes = _outcomes(jobs, reviewer, db, options, stop, reporter)
    try:
        try:
            for outcome in outcomes:
                if outcome.status == "busy":
                    busy[outcome.path] = outcome
                else:
                    tally.add(outcome)
                reporter.outcome(outcome, tally)
        finally:  # on `stop`, local workers and Ray actors finish the running calls, yield, end
            close = getattr(outcomes, "close", None)
            if close is not None:
                close()
        if busy and not (stop is not None and stop.is_set()):
            by_path = {str(job.path): job for job in jobs}
            _wait_for_others(busy, by_path, reviewer, store, options, tally, reporter, stop)
    except CallreviewError as err:
        if err.exit_code != StoreError.exit_code:
            raise
        tally.store_error = str(err)  # a full disk fails every call alike: stop, say so once
    except Interrupted:  # SIGTERM or a second Ctrl-C: the running calls were given back
        tally.stopped_now = True
    tally.interrupted = tally.stopped_now or (stop is not None and stop.is_set())
    try:
        store.finish_run(run, tally.scored, tally.already, len(tally.failed))
    except StoreError:
        if tally.store_error is None:
            raise
    return tally


def recording_roots(paths: Sequence[Path], manifest: Path | None = None) -> list[Path]:
    """Where a batch's recordings are, as given: each folder or file, a glob's folder before its
    first wildcard, and a manifest's folder (its files are relative to it)."""
    roots: list[Path] = []
    for path in paths:
        parts = path.parts
        wild = next((i for i, part in enumerate(parts) if any(c in part for c in "*?[")), None)
        roots.append(path if wild is None else Path(".", *parts[:wild]))
    if manifest is not None:
        roots.append(manifest.parent)
    return [root.absolute() for root in roots]


def _outcomes(
    jobs: Sequence[Job],
    reviewer: Reviewer,
    db: str,
    options: BatchOptions,
    stop: StopFlag | None,
    reporter: Reporter,
) -> Iterator[Outcome]:
    run = RunOptions(
        workers=options.workers or DEFAULT_WORKERS,
        threads=options.threads,
        lease_s=options.lease_s,
        retry_failed=options.retry_failed,
    )
    if options.ray:
        try:
            from callreview.jobs.ray import run_on_ray  # an optional extra: Ray
        except ImportError as err:
            if err.name == "ray":
                raise CallreviewError(
                    "--ray needs Ray; install it with: pip install 'callreview[ray]'"
                ) from None
            raise CallreviewError(
                "--ray: this callreview has no Ray executor (callreview.jobs.ray is missing); "
                "run without --ray"
            ) from None
        return run_on_ray(jobs, reviewer.settings, db, run, address=options.ray, stop=stop)
    return run_local(jobs, reviewer.settings, db, run, stop=stop, on_running=reporter.running)


def _wait_for_others(
    busy: dict[str, Outcome],
    by_path: dict[str, Job],
    reviewer: Reviewer,
    store: Store,
    options: BatchOptions,
    tally: BatchTally,
    reporter: Reporter,
    stop: StopFlag | None,
) -> None:
    """Poll the store until every call another batch held is stored, or is ours to score (here, in
    this process: they are few, the calls that batch was scoring when this one met them)."""
    reporter.waiting(len(busy))
    tried = {path: time.monotonic() for path in busy}
    while busy:
        if stop is not None:
            if stop.wait(1.0):
                return
        else:
            time.sleep(1.0)
        states = {
            c.id: c.state
            for c in store.calls(ids=[o.call for o in busy.values() if o.call is not None])
        }
        for path, outcome in list(busy.items()):
            state = states.get(outcome.call) if outcome.call is not None else "pending"
            now = time.monotonic()
            if state in ("scored", "superseded", "failed"):  # a superseded call is not scored again
                known = "failed" if state == "failed" else "scored"
                result = known_outcome(store, Path(path), known, outcome.call, now)  # type: ignore[arg-type]
            elif state == "pending" or now - tried[path] >= options.recheck_s:
                tried[path] = now
                result = score_job(
                    reviewer,
                    store,
                    by_path[path],
                    lease_s=options.lease_s,
                    retry_failed=options.retry_failed,
                )
            else:
                continue
            if result.status != "busy":
                del busy[path]
                tally.add(result)
                reporter.outcome(result, tally)
