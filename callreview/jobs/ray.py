"""``batch --ray``: the same claim-score-store step on a Ray cluster, one model per actor.

    run_on_ray(jobs, …) ─ray.init─▶ actors × workers: Reviewer + Store, score_job(job) ─▶ Iterator[Outcome]

Each actor (:class:`ScoringActor`) holds one :class:`~callreview.review.Reviewer` (its model
loads on the first recording) and one :class:`~callreview.store.Store`, and runs
:func:`callreview.jobs.batch.score_job` for every job it is sent: claiming, scoring and storing stay
the store's and ``score_job``'s, so a call is stored once however many actors, batches or
watchers race for it. The driver only hands out jobs and collects outcomes:

* **Bounded work**: one job per actor is in flight (:data:`PER_ACTOR`); jobs are taken from
  the iterator only as actors free up, so the driver's memory does not grow with the number
  of files.
* **Outcomes as they finish** (not in job order), so the batch progress bar works the same.
* **An actor that dies** (``RayActorError``: killed, out of memory, its node lost) is replaced
  and its jobs are sent again. Its claim is held by a dead worker (``host:pid`` of the actor
  process): on the same host the store takes it over at once; from another host it expires
  after ``lease_s``, so a job that comes back ``busy`` after its actor died is sent once more
  when that lease has run out. A job whose actor died :data:`MAX_DEATHS` times while scoring
  it fails (a recording that crashes the decoder must not take the cluster down with it).
* **The driver can be restarted**: what was stored comes back ``already``; claims of actors that
  died with the old driver expire (or are freed at once on the same host).
* **Stopping**: when ``stop`` is set (``batch``'s first Ctrl-C) no job starts any more, the
  running ones finish and are yielded; closing the iterator early waits up to ``lease_s`` for
  them, without yielding; an exception (a second Ctrl-C) kills the actors at once (their
  calls' claims are freed as a killed worker's are).

Recordings are read by path on the actors' nodes: every node must see the same paths (a shared
file system). Ray's own output is kept off the terminal (``log_to_driver=False``, no dashboard):
the actors' logs stay in the Ray session folder, and hold no transcript text.

Why not ``ray.util.ActorPool``: when an actor dies it raises without saying which job was lost,
and the dead actor must be found and replaced from outside; this loop over ``ray.wait`` is short
and knows which job each actor holds.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from callreview.errors import CallreviewError, SettingsError
from callreview.jobs.batch import Job, Outcome
from callreview.store import LEASE_S

if TYPE_CHECKING:
    import threading

    from callreview.settings import Settings

PER_ACTOR = 1
"""Jobs in flight per actor. One: a job queued on a busy actor cannot be taken back reliably
(``ray.cancel`` of a queued actor call sometimes runs it all the same), so a stop would wait for
it; and the round trip it would hide costs a few ms against seconds of transcription."""
MAX_DEATHS = 3
"""Actors that may die while scoring one job before that job is failed."""
LOCAL = "local"
"""``--ray local``: start a Ray cluster on this machine for this batch, and stop it after."""
TEMP_DIR = "/tmp/callreview-ray"
"""Where a local cluster keeps its session (sockets need a short path); ``$RAY_TMPDIR`` wins."""
BUG_EXIT = 70
_log = logging.getLogger("callreview.ray")
_FORWARDED_ENV = ("CALLREVIEW_MODEL", "CALLREVIEW_CACHE", "CALLREVIEW_NO_TRIM")
"""Set on the driver, these reach the actors on every node too."""


def run_on_ray(
    jobs: Iterable[Job],
    settings: Settings,
    db: str,
    workers: int,
    threads: int | None = None,
    lease_s: float = LEASE_S,
    retry_failed: bool = False,
    address: str | None = None,
    *,
    stop: threading.Event | None = None,
) -> Iterator[Outcome]:
    """Score ``jobs`` on ``workers`` Ray actors of ``threads`` CPUs each (one GPU each with
    ``device = "cuda"``) into the store at ``db``; each job's :class:`Outcome` as it finishes.

    ``address``: ``None`` or ``"local"`` starts a cluster on this machine (stopped at the end);
    ``"auto"`` joins the cluster ``ray start`` runs here; ``host:port`` or ``ray://host:port``
    another one. When Ray is already initialised in this process, that connection is used.
    When ``stop`` is set, no job starts any more: the running ones finish and are yielded, then
    the iterator ends (as :func:`callreview.jobs.workers.run_jobs` does)."""
    if workers < 1:
        raise SettingsError(f"--workers must be 1 or more, not {workers}")
    if threads is not None and threads < 1:
        raise SettingsError(f"--threads must be 1 or more, not {threads}")
    ray = _import_ray()
    cpus = threads or 1
    gpus = 1 if settings.device == "cuda" else 0
    # a GPU only where one is reserved: Ray shows every GPU of a node to actors that asked for none
    settings = replace(_absolute(settings), cpu_threads=cpus, device="cuda" if gpus else "cpu")
    db = (
        _absolute_path(str(db)) if "://" not in str(db) else str(db)
    )  # actors do not run in this folder
    started = _connect(ray, address, workers * cpus, workers * gpus)
    pool: _Pool | None = None
    quiet = _RayErrorsToLog(ray)
    try:
        _check_room(ray, address, workers, cpus, gpus)
        actor_class = ray.remote(ScoringActor).options(
            num_cpus=cpus,
            num_gpus=gpus,
            max_restarts=0,
            max_concurrency=1,
            runtime_env=_runtime_env(),
        )
        pool = _Pool(
            ray,
            lambda: actor_class.remote(settings, str(db), lease_s, retry_failed),
            workers,
            lease_s,
            str(db),
        )
        pool.start()
        yield from pool.run(jobs, stop)
    except GeneratorExit:
        if pool is not None:
            pool.drain(lease_s)  # the batch was stopped: let the running calls finish
        raise
    finally:
        if pool is not None:
            pool.kill()
        if started:
            ray.shutdown()
        quiet.restore()


class ScoringActor:
    """One Ray actor: a :class:`Reviewer` and a :class:`Store` of its own, kept for its life.
    Its methods return values, never raise: a setup or store failure comes back as
    :class:`Fatal` (the driver stops the batch with it), a bug as a ``failed`` outcome."""

    def __init__(self, settings: Settings, db: str, lease_s: float, retry_failed: bool) -> None:
        from callreview.review import Reviewer
        from callreview.store import open_store

        self.lease_s, self.retry_failed = lease_s, retry_failed
        self.fatal: Fatal | None = None
        try:
            self.reviewer = Reviewer(settings)
            self.reviewer.lexicon, self.reviewer.scorecard  # refuse bad rules before the first call
            self.store = open_store(db)
        except CallreviewError as err:
            self.fatal = Fatal(str(err), err.exit_code)

    def ready(self) -> str | Fatal:
        """Who this actor is, as its claims name it (``host:pid``), or why it cannot work."""
        from callreview.store import worker_id

        return self.fatal or worker_id()

    def score(self, job: Job) -> Outcome | Fatal:
        from callreview.jobs.batch import score_job

        if self.fatal:
            return self.fatal
        try:
            # worker=None: score_job names the claim by this process's host:pid, which lets the
            # store free it at once when this actor is killed and a replacement runs on this host
            return score_job(
                self.reviewer, self.store, job, lease_s=self.lease_s, retry_failed=self.retry_failed
            )
        except (
            CallreviewError
        ) as err:  # the model or the store, not this call: every call would fail alike
            return Fatal(str(err), err.exit_code)
        except Exception as err:  # a bug on this call: report it, go on with the next
            first = str(err).splitlines()[0] if str(err) else ""
            message = (
                f"{job.path}: internal error ({type(err).__name__}: {first}); please report it"
            )
            return Outcome(str(job.path), "failed", error=message, exit_code=BUG_EXIT)


@dataclass(frozen=True)
class Fatal:
    """An actor cannot score at all (no model, no store, bad rules): the batch stops with this."""

    message: str
    exit_code: int

    def error(self) -> CallreviewError:
        err = CallreviewError(self.message)
        err.exit_code = self.exit_code
        return err


# --- the driver's side ------------------------------------------------------------------


@dataclass
class _Task:
    job: Job
    deaths: int = 0
    """Actors that died while scoring it."""
    orphaned_at: float | None = None
    """When an actor died holding it (``time.monotonic``): its claim may outlive it by a lease."""
    retried_busy: bool = False


@dataclass
class _Slot:
    actor: Any
    inflight: deque = field(default_factory=deque)
    """Object refs of the jobs sent to this actor, oldest (the one running) first."""


class _Pool:
    """``workers`` actors, each kept :data:`PER_ACTOR` jobs deep, replaced when they die."""

    def __init__(self, ray: Any, new_actor: Any, workers: int, lease_s: float, db: str) -> None:
        self.ray, self.new_actor, self.lease_s, self.db = ray, new_actor, lease_s, db
        self.slots = [_Slot(new_actor()) for _ in range(workers)]
        self.tasks: dict[Any, tuple[_Slot, _Task]] = {}
        self.again: deque[_Task] = deque()
        """Jobs to send again before any new one (their actor died)."""
        self.later: list[tuple[float, _Task]] = []
        """Jobs to send again once a dead actor's lease has run out."""
        self.deaths_in_a_row = 0
        self.stopping = False

    def start(self) -> None:
        """Wait until every actor is up, and stop here if one cannot work (bad rules, no store)."""
        try:
            answers = self.ray.get([slot.actor.ready.remote() for slot in self.slots])
        except self.ray.exceptions.RayActorError as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise CallreviewError(
                f"a Ray actor died while starting ({first}); check `ray status`, the nodes' memory and that callreview is installed on every node"
            ) from None
        for answer in answers:
            if isinstance(answer, Fatal):
                raise answer.error()

    def run(self, jobs: Iterable[Job], stop: threading.Event | None = None) -> Iterator[Outcome]:
        source = iter(jobs)
        exhausted = False
        while True:
            if stop is not None and stop.is_set() and not self.stopping:
                self.stop()
            for slot in self.slots:
                while len(slot.inflight) < PER_ACTOR:
                    task = self._next_due()
                    if task is None and not exhausted and not self.stopping:
                        job = next(source, None)
                        exhausted = job is None
                        task = _Task(job) if job is not None else None
                    if task is None:
                        break
                    self._send(slot, task)
            if not self.tasks:
                if not self.later:
                    return
                time.sleep(max(0.0, min(due for due, _ in self.later) - time.monotonic()))
                continue
            timeout = 1.0  # back in Python every second: Ctrl-C is heard while calls run
            if self.later:
                timeout = max(
                    0.0, min(timeout, min(due for due, _ in self.later) - time.monotonic())
                )
            done, _ = self.ray.wait(list(self.tasks), num_returns=1, timeout=timeout)
            for ref in done:
                if ref in self.tasks:  # not already handled with its dead actor's other jobs
                    yield from self._finished(ref)

    def stop(self) -> None:
        """No job starts any more; the running ones finish (and are yielded)."""
        self.stopping = True
        self.again.clear()
        self.later.clear()

    def _next_due(self) -> _Task | None:
        if self.stopping:
            return None
        if self.again:
            return self.again.popleft()
        now = time.monotonic()
        for i, (due, task) in enumerate(self.later):
            if due <= now:
                del self.later[i]
                return task
        return None

    def _send(self, slot: _Slot, task: _Task) -> None:
        ref = slot.actor.score.remote(task.job)
        slot.inflight.append(ref)
        self.tasks[ref] = (slot, task)

    def _finished(self, ref: Any) -> Iterator[Outcome]:
        slot, task = self.tasks[ref]
        try:
            answer = self.ray.get(ref)
        except self.ray.exceptions.RayActorError:
            yield from self._actor_died(slot)
            return
        del self.tasks[ref]
        slot.inflight.remove(ref)
        yield from self._answer(task, answer)

    def _answer(self, task: _Task, answer: Outcome | Fatal) -> Iterator[Outcome]:
        if isinstance(answer, Fatal):
            raise answer.error()
        self.deaths_in_a_row = 0
        if answer.status == "busy" and task.orphaned_at is not None and not task.retried_busy:
            # the claim is a dead actor's from another host: free once its lease runs out
            task.retried_busy = True
            self.later.append((task.orphaned_at + self.lease_s + 1.0, task))
            return
        yield answer

    def _actor_died(self, slot: _Slot) -> Iterator[Outcome]:
        """Replace a dead actor; what it finished before dying is kept, the rest is sent again.
        Actor calls run in the order sent, so the first unfinished one is the one it was scoring."""
        now = time.monotonic()
        blamed = False
        for ref in list(slot.inflight):
            _, task = self.tasks.pop(ref)
            answer = self._result_if_any(ref)
            if answer is not None:
                yield from self._answer(task, answer)
                continue
            task.orphaned_at = now
            if not blamed:
                blamed = True
                task.deaths += 1
                _log.warning(
                    f"callreview: a Ray actor died while scoring {task.job.path}; "
                    + (
                        "giving up on it"
                        if task.deaths >= MAX_DEATHS
                        else "another actor scores it"
                    )
                )
                if task.deaths >= MAX_DEATHS:
                    yield self._given_up(task)
                    continue
            self.again.append(task)
        slot.inflight.clear()
        self.deaths_in_a_row += 1
        if self.deaths_in_a_row > MAX_DEATHS * len(self.slots) + 1:
            raise CallreviewError(
                f"Ray actors keep dying ({self.deaths_in_a_row} in a row, none finishing a call); "
                "check `ray status`, the nodes' memory and the Ray session logs, then run the batch again"
            )
        self._kill(slot.actor)
        slot.actor = self.new_actor()

    def _result_if_any(self, ref: Any) -> Outcome | Fatal | None:
        ready, _ = self.ray.wait([ref], timeout=0)
        if not ready:
            return None
        try:
            return self.ray.get(ref)
        except self.ray.exceptions.RayError:
            return None

    def _given_up(self, task: _Task) -> Outcome:
        path = task.job.path
        message = f"{path}: {task.deaths} Ray actors died while scoring it (out of memory, or a crash); check the file, then run the batch again"
        from callreview.store import open_store

        try:
            with open_store(self.db) as store:
                store.record_error(path, message, BUG_EXIT)
        except CallreviewError:
            pass  # the outcome still says it; the store may be what is failing
        return Outcome(str(path), "failed", error=message, exit_code=BUG_EXIT)

    def drain(self, limit_s: float) -> None:
        """:meth:`stop`, and wait up to ``limit_s`` for the running jobs (the actors store them)."""
        self.stop()
        if self.tasks:
            self.ray.wait(list(self.tasks), num_returns=len(self.tasks), timeout=limit_s)

    def kill(self) -> None:
        for slot in self.slots:
            self._kill(slot.actor)
        self.tasks.clear()

    def _kill(self, actor: Any) -> None:
        try:
            self.ray.kill(actor, no_restart=True)
        except Exception:  # already gone, or the cluster with it
            pass


class _RayErrorsToLog:
    """Ray's driver prints the cluster's error events (``(raylet) A worker died…``) on standard
    output whatever ``log_to_driver`` says, which would break ``batch``'s output. While a run
    lasts they go to the ``callreview.ray`` logger at debug level instead; the pool says itself,
    in one line, when an actor died. (Ray's internals: if they change, Ray prints as before.)"""

    def __init__(self, ray: Any) -> None:
        self.module = getattr(getattr(ray, "_private", None), "worker", None)
        self.original = getattr(self.module, "print_to_stdstream", None)
        if self.original is None:
            return

        def to_log(data: dict, ignore_prefix: bool = False) -> None:
            for line in data.get("lines", ()):
                _log.debug("%s: %s", data.get("pid", "ray"), line)

        self.module.print_to_stdstream = to_log

    def restore(self) -> None:
        if self.original is not None:
            self.module.print_to_stdstream = self.original
            self.original = None


# --- connecting -------------------------------------------------------------------------


def _import_ray() -> Any:
    os.environ.setdefault(
        "RAY_USAGE_STATS_ENABLED", "0"
    )  # offline by design: nothing leaves the site
    try:
        import ray
    except ImportError:
        raise CallreviewError(
            "--ray needs Ray; install it with: pip install 'callreview[ray]'"
        ) from None
    return ray


def _connect(ray: Any, address: str | None, cpus: int, gpus: int) -> bool:
    """Connect to (or start) the cluster; ``True`` when this call started the connection."""
    import signal
    import threading

    if ray.is_initialized():
        return False
    if (
        threading.current_thread() is threading.main_thread()
    ):  # ray.init sets its own SIGTERM handler: keep the caller's
        term = signal.getsignal(signal.SIGTERM)
        try:
            return _init(ray, address, cpus, gpus)
        finally:
            signal.signal(signal.SIGTERM, term)
    return _init(ray, address, cpus, gpus)


def _init(ray: Any, address: str | None, cpus: int, gpus: int) -> bool:
    quiet = dict(log_to_driver=False, logging_level=logging.WARNING, namespace="callreview")
    # Ray turns token authentication on for a local cluster or a token found here, and warns that it did
    logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(
        logging.ERROR
    )
    if address in (None, "", LOCAL):
        ray.init(
            address=LOCAL,
            num_cpus=max(os.cpu_count() or 1, cpus),
            num_gpus=gpus or None,
            include_dashboard=False,
            object_store_memory=128 * 2**20,
            _temp_dir=os.environ.get("RAY_TMPDIR") or TEMP_DIR,
            **quiet,
        )
        return True
    _reachable(address)
    _token_if_any()
    try:
        ray.init(address=address, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CallreviewError(
            f"--ray {address}: cannot join the Ray cluster ({first}); start one with `ray start --head`, or check the address"
        ) from None
    return True


def _reachable(address: str) -> None:
    """A ``host:port`` nobody listens on is refused at once (Ray itself retries for minutes)."""
    import socket

    if address == "auto" or "://" in address or ":" not in address:
        return
    host, _, port = address.rpartition(":")
    if not port.isdigit():
        raise CallreviewError(
            f"--ray {address}: not a Ray address; give host:port (the head's GCS port, 6379 by default), auto or local"
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=10).close()
    except OSError as err:
        raise CallreviewError(
            f"--ray {address}: nothing answers there ({err.strerror or err}); start the head with `ray start --head`, or check the address"
        ) from None


def _token_if_any() -> None:
    """Use this machine's Ray token (``~/.ray/auth_token``, ``$RAY_AUTH_TOKEN``) for a cluster
    named by address, as Ray does for ``auto``: ``ray start`` turns token authentication on."""
    try:
        from ray._private.authentication.authentication_token_setup import (
            maybe_enable_token_auth_if_token_available,
        )
    except ImportError:  # another Ray: it decides alone ($RAY_AUTH_MODE)
        return
    maybe_enable_token_auth_if_token_available(warn_if_disabled=False)


def _check_room(ray: Any, address: str | None, workers: int, cpus: int, gpus: int) -> None:
    """Refuse a pool the cluster can never place (its actors would wait forever)."""
    have = ray.cluster_resources()
    where = (
        f"the Ray cluster at {address}"
        if address not in (None, "", LOCAL)
        else "the local Ray cluster"
    )
    if workers * cpus > have.get("CPU", 0):
        raise SettingsError(
            f"{where} has {have.get('CPU', 0):g} CPUs, but --workers {workers} × --threads {cpus} need {workers * cpus}; "
            "lower --workers or --threads, or add nodes"
        )
    if workers * gpus > have.get("GPU", 0):
        raise SettingsError(
            f"{where} has {have.get('GPU', 0):g} GPUs, but --workers {workers} with --device cuda need {workers * gpus}; "
            "lower --workers, or add GPU nodes"
        )


def _absolute(settings: Settings) -> Settings:
    """Relative lexicon, scorecard and model paths as seen from here (actors run elsewhere)."""
    changes = {}
    for name in ("lexicon", "scorecard", "model"):
        value = getattr(settings, name)
        if value and "://" not in value and not os.path.isabs(value) and os.path.exists(value):
            changes[name] = _absolute_path(value)
    return replace(settings, **changes) if changes else settings


def _absolute_path(path: str) -> str:
    return os.path.abspath(os.path.expanduser(path))


def _runtime_env() -> dict[str, Any] | None:
    env = {name: os.environ[name] for name in _FORWARDED_ENV if name in os.environ}
    return {"env_vars": env} if env else None
