"""Many calls through the one review path into the store: claim, score, store, exactly once.

    paths · manifest · name pattern ─discover─▶ [Job] ─run_batch─▶ workers (callreview.jobs.workers) or Ray
    Job (path + what is known of the call) ─score_job─▶ store.register · claim ─▶ Reviewer.review_file
                                                      ─▶ store.complete (or fail) ─▶ Outcome

:func:`score_job` is the one step that ``batch``, ``watch`` and a Ray actor all run for
a call; none of them claims, scores or stores a call any other way. The store decides
who scores what (:meth:`callreview.store.Store.claim`), so any number of processes
can run it over the same files at once. :func:`discover` finds a batch's calls (what a
manifest or file name says about them: :mod:`callreview.jobs.manifest`); :func:`run_batch`
scores them and waits for the ones another batch holds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from callreview.errors import CallreviewError, ModelUnavailableError, StoreError
from callreview.store import LEASE_S, CallMeta, Claim, Store

if TYPE_CHECKING:
    from callreview.jobs.manifest import NamePattern
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
    from callreview.asr.audio import check_file, file_digest
    from callreview.settings import call_metadata

    started = time.monotonic()
    path = job.path
    try:
        check_file(path)
        sha = file_digest(path)
    except CallreviewError as err:
        store.record_error(path, str(err), err.exit_code, worker=worker)
        return Outcome(
            str(path),
            "failed",
            error=str(err),
            exit_code=err.exit_code,
            seconds=time.monotonic() - started,
        )
    except OSError as err:
        message = f"{path}: cannot be read ({err.strerror}); check the file"
        store.record_error(path, message, 2, worker=worker)
        return Outcome(
            str(path), "failed", error=message, exit_code=2, seconds=time.monotonic() - started
        )
    try:
        beside = call_metadata(path)
        meta = merge_meta(job.meta, beside)
    except CallreviewError as err:
        store.record_error(path, str(err), err.exit_code, sha256=sha, worker=worker)
        return Outcome(
            str(path),
            "failed",
            error=str(err),
            exit_code=err.exit_code,
            seconds=time.monotonic() - started,
        )
    call = store.register(sha, path, meta)
    claimed = store.claim(sha, path, worker, lease_s, retry_failed)
    if claimed.claim is None:
        return _known(store, path, claimed.outcome, call, started)
    claim = claimed.claim
    try:
        with _Lease(store, claim, lease_s):
            reviewed = reviewer.review_file(
                path,
                customer_name=meta.customer_name,
                direction=meta.direction,
                digest=sha,
                metadata=beside,
            )
    except (ModelUnavailableError, StoreError):
        store.release(
            claim
        )  # the model or the store failed, not this call: it stays pending for a later run
        raise
    except CallreviewError as err:
        store.fail(claim, str(err), err.exit_code)
        return Outcome(
            str(path),
            "failed",
            call,
            error=str(err),
            exit_code=err.exit_code,
            seconds=time.monotonic() - started,
        )
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


_META_FIELDS = ("agent", "call_id", "date", "direction", "customer_name")


def merge_meta(given: CallMeta, beside: dict[str, str]) -> CallMeta:
    """What the manifest or file name says wins over the ``<recording>.toml`` beside the file."""
    return _fill(given, CallMeta(**{f: beside.get(f) for f in _META_FIELDS}))


def _known(store: Store, path: Path, outcome: str, call: int, started: float) -> Outcome:
    seconds = time.monotonic() - started
    if outcome == "failed":
        err = store.last_error(call)
        return Outcome(
            str(path),
            "failed_before",
            call,
            error=err.message if err else None,
            exit_code=err.exit_code if err else 2,
            seconds=seconds,
        )
    if outcome == "scored":
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


# --- the calls of a batch -------------------------------------------------------------

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a")
"""What a folder is searched for. A file named (or matched by a glob) is taken whatever its
extension, so transcript JSONs can be given by name (``truth/*.json``)."""
TEMP_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".swp")
"""Files still being written or copied: never scored (nor are dotfiles, ``name~`` or ``.toml`` metadata)."""
_GLOB_CHARS = frozenset("*?[")


def discover(
    paths: Sequence[str | Path],
    manifest: str | Path | None = None,
    name_pattern: str | NamePattern | None = None,
    pattern: tuple[str, ...] = AUDIO_SUFFIXES,
) -> list[Job]:
    """The recordings to score, in a deterministic order, each with what is known about it.

    ``paths`` are folders (searched recursively for ``pattern`` extensions, skipping dot-folders),
    files, or globs (``calls/**/*.flac``, expanded here when the shell did not). Each argument's
    files come sorted, arguments in the order given, then the manifest's files not found so far
    in the manifest's order; a file found twice is scored once. What the manifest row says wins
    over the name pattern. A path that does not exist is refused before anything is scored."""
    from callreview.jobs.manifest import name_pattern as compile_pattern
    from callreview.jobs.manifest import read_manifest

    names = compile_pattern(name_pattern) if isinstance(name_pattern, str) else name_pattern
    listed = {str(path): meta for path, meta in read_manifest(manifest)} if manifest else {}
    found: dict[str, None] = {}
    for given in paths:
        for path in _expand(str(given), pattern):
            found.setdefault(path, None)
    for path in listed:
        found.setdefault(path, None)
    jobs = []
    for path in found:
        meta = listed.get(path, CallMeta())
        if names is not None:
            meta = _fill(meta, names.meta(path))
        jobs.append(Job(Path(path), meta))
    return jobs


def _expand(given: str, pattern: tuple[str, ...]) -> list[str]:
    import glob
    import os

    path = Path(given)
    if path.is_dir():
        return _walk(path, pattern)
    if path.exists() or path.is_symlink():
        return [] if _skipped(path.name) else [os.path.abspath(given)]
    if _GLOB_CHARS & set(given):
        matches = sorted(glob.glob(os.path.expanduser(given), recursive=True))
        if not matches:
            raise CallreviewError(
                f"{given}: matches no files; check the pattern (quote it, e.g. 'calls/**/*.flac')"
            )
        out: list[str] = []
        for match in matches:
            if Path(match).is_dir():
                out += _walk(Path(match), pattern)
            elif not _skipped(Path(match).name):
                out.append(os.path.abspath(match))
        return out
    raise CallreviewError(f"{given}: no such file or folder; check the path")


def _walk(folder: Path, pattern: tuple[str, ...]) -> list[str]:
    import os

    suffixes = tuple(s.lower() for s in pattern)
    out = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        out += [
            os.path.abspath(os.path.join(root, f))
            for f in files
            if f.lower().endswith(suffixes) and not _skipped(f)
        ]
    return sorted(out)


def is_temporary(name: str) -> bool:
    """A name recorders and copiers write under before the file is complete: :data:`TEMP_SUFFIXES`,
    dotfiles, ``name~``. Neither ``batch`` nor ``watch`` scores one."""
    return name.startswith(".") or name.endswith("~") or name.lower().endswith(TEMP_SUFFIXES)


def _skipped(name: str) -> bool:
    return is_temporary(name) or name.lower().endswith(".toml")


def _fill(first: CallMeta, then: CallMeta) -> CallMeta:
    """``first``'s fields, with the gaps filled from ``then``."""
    return replace(first, **{f: getattr(first, f) or getattr(then, f) for f in _META_FIELDS})


# --- a batch run ------------------------------------------------------------------

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
        return SOME_FAILED if self.failed else 0


@dataclass(frozen=True)
class BatchOptions:
    """How a batch runs: ``workers`` processes (one model each) of ``threads`` threads, or on Ray."""

    workers: int | None = None
    """``None``: :data:`callreview.jobs.workers.DEFAULT_WORKERS`."""
    threads: int | None = None
    """Per worker; ``None``: the cores shared out between the workers."""
    retry_failed: bool = False
    ray: str | None = None
    """A Ray address (or ``auto``): score on a cluster (:mod:`callreview.jobs.ray`) instead of local workers."""
    lease_s: float = LEASE_S
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
    stop: threading.Event | None = None,
) -> BatchTally:
    """Score ``jobs`` on worker processes (or Ray) into the store at ``db``, exactly once.

    A call another batch holds (``busy``) is waited for at the end until that batch stores it
    or its claim can be taken (a dead or expired holder): then this batch scores it. ``stop``
    (the first Ctrl-C) ends the batch early: running calls finish, nothing more starts. The run
    is recorded in the store (``runs``)."""
    reporter = reporter or _Silent()
    options = replace(options, workers=options.workers or _default_workers())
    tally = BatchTally(len(jobs))
    run = store.start_run(
        "batch",
        {
            "calls": len(jobs),
            "workers": options.workers,
            "threads": options.threads,
            "retry_failed": options.retry_failed,
            "ray": options.ray,
        },
    )
    busy: dict[str, Outcome] = {}
    outcomes = _outcomes(jobs, reviewer, db, options, stop, reporter)
    try:
        for outcome in outcomes:
            if outcome.status == "busy":
                busy[outcome.path] = outcome
            else:
                tally.add(outcome)
            reporter.outcome(outcome, tally)
    finally:  # on `stop`, local workers and Ray actors finish the running calls, yield them, and end
        close = getattr(outcomes, "close", None)
        if close is not None:
            close()
    if busy and not (stop is not None and stop.is_set()):
        by_path = {str(job.path): job for job in jobs}
        _wait_for_others(busy, by_path, reviewer, store, options, tally, reporter, stop)
    tally.interrupted = stop is not None and stop.is_set()
    store.finish_run(run, tally.scored, tally.already, len(tally.failed))
    return tally


def _outcomes(
    jobs: Sequence[Job],
    reviewer: Reviewer,
    db: str,
    options: BatchOptions,
    stop: threading.Event | None,
    reporter: Reporter,
) -> Iterator[Outcome]:
    args = dict(threads=options.threads, lease_s=options.lease_s, retry_failed=options.retry_failed)
    if options.ray:
        try:
            from callreview.jobs.ray import run_on_ray
        except ImportError as err:
            if err.name == "ray":
                raise CallreviewError(
                    "--ray needs Ray; install it with: pip install 'callreview[ray]'"
                ) from None
            raise CallreviewError(
                "--ray: this callreview has no Ray executor (callreview.jobs.ray is missing); run without --ray"
            ) from None
        return run_on_ray(
            jobs, reviewer.settings, db, options.workers, **args, address=options.ray, stop=stop
        )
    from callreview.jobs.workers import run_jobs

    return run_jobs(
        jobs, reviewer.settings, db, options.workers, **args, stop=stop, on_running=reporter.running
    )


def _wait_for_others(
    busy: dict[str, Outcome],
    by_path: dict[str, Job],
    reviewer: Reviewer,
    store: Store,
    options: BatchOptions,
    tally: BatchTally,
    reporter: Reporter,
    stop: threading.Event | None,
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
            if state in ("scored", "failed"):
                result = _known(store, Path(path), state, outcome.call, now)  # type: ignore[arg-type]
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


def _default_workers() -> int:
    from callreview.jobs.workers import DEFAULT_WORKERS

    return DEFAULT_WORKERS
