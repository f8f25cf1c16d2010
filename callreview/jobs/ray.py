"""``batch --ray``: the engine's executor on a Ray cluster, one model per actor.

    RayExecutor ─ray.init─▶ actors × workers: Reviewer + Store, score_job(job) ─poll─▶ [Outcome]
    run_on_ray(jobs, …) = run_jobs(jobs, RayExecutor(…)) ─▶ Iterator[Outcome]

Each actor (:class:`ScoringActor`) holds one :class:`~callreview.review.Reviewer` (its model
loads on the first recording) and one :class:`~callreview.store.Store`, and runs
:func:`callreview.jobs.engine.score_job` for every job it is sent: claiming, scoring and storing
stay the store's and ``score_job``'s, so a call is stored once however many actors, batches or
watchers race for it. The driver only hands out jobs and collects outcomes:

* **Bounded work**: one job per actor is in flight (:data:`PER_ACTOR`), so the driver's memory
  does not grow with the number of files; outcomes come as they finish.
* **An actor that dies** (``RayActorError``: killed, out of memory, its node lost) is replaced
  and its jobs are sent again. Its claim is held by a dead worker (``host:pid`` of the actor
  process): on the same host the store takes it over at once; from another host it expires
  after ``lease_s``, so a job that comes back ``busy`` after its actor died is sent once more
  when that lease has run out. A job whose actor died :data:`MAX_DEATHS` times while scoring
  it fails (a recording that crashes the decoder must not take the cluster down with it).
* **The driver can be restarted**: what was stored comes back ``already``; claims of actors that
  died with the old driver expire (or are freed at once on the same host).
* **Stopping**: ``close(cancel_pending=True)`` starts no job more, the running ones finish and
  are returned; leaving ``with`` on ``GeneratorExit`` (an iterator closed early) waits up to
  ``lease_s`` for them without returning them; on another exception the actors are killed at
  once (their calls' claims are freed as a killed worker's are).

Recordings are read by path on the actors' nodes: every node must see the same paths (a shared
file system). A loop over ``ray.wait`` rather than ``ray.util.ActorPool``, which does not say
which job a dead actor lost.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from callreview.errors import CallreviewError
from callreview.jobs import engine
from callreview.jobs.engine import BUG_EXIT, Job, Outcome, RunOptions, StopFlag, score_or_report
from callreview.jobs.ray_cluster import (
    LOCAL,
    RayErrorsToLog,
    absolute,
    absolute_path,
    check_room,
    connect,
    import_ray,
    runtime_env,
)
from callreview.review import Reviewer
from callreview.store import open_store, worker_id

if TYPE_CHECKING:
    from callreview.settings import Settings

__all__ = ["LOCAL", "MAX_DEATHS", "PER_ACTOR", "RayExecutor", "ScoringActor", "run_on_ray"]

PER_ACTOR = 1
"""Jobs in flight per actor: a job queued on a busy actor cannot be taken back reliably
(``ray.cancel`` of a queued actor call may run it all the same), so a stop would wait for it."""
MAX_DEATHS = 3
"""Actors that may die while scoring one job before that job is failed."""
_log = logging.getLogger("callreview.ray")


def run_on_ray(
    jobs: Iterable[Job],
    settings: Settings,
    db: str,
    options: RunOptions = RunOptions(),
    address: str | None = None,
    *,
    stop: StopFlag | None = None,
) -> Iterator[Outcome]:
    """:func:`callreview.jobs.engine.run_jobs` on a :class:`RayExecutor`: each job's
    :class:`Outcome` as it finishes. Closing the iterator early lets the running calls finish
    (up to ``lease_s``) without yielding them."""
    with RayExecutor(settings, db, options, address) as executor:
        yield from engine.run_jobs(jobs, executor, stop)


class RayExecutor:
    """``options.workers`` Ray actors of ``options.threads`` CPUs each (one GPU each with
    ``device = "cuda"``) scoring into the store at ``db``; the engine's :class:`Executor`.

    ``address``: ``None`` or ``"local"`` starts a cluster on this machine (stopped on leaving
    ``with``); ``"auto"`` joins the cluster ``ray start`` runs here; ``host:port`` or
    ``ray://host:port`` another one. When Ray is already initialised in this process, that
    connection is used."""

    def __init__(
        self,
        settings: Settings,
        db: str,
        options: RunOptions = RunOptions(),
        address: str | None = None,
    ) -> None:
        options = options.check()
        self.ray = ray = import_ray()
        cpus = options.threads or 1
        gpus = 1 if settings.device == "cuda" else 0
        # a GPU only where one is reserved: Ray shows every GPU of a node to actors asking none
        settings = replace(absolute(settings), cpu_threads=cpus, device="cuda" if gpus else "cpu")
        self.db = (
            absolute_path(str(db)) if "://" not in str(db) else str(db)
        )  # actors run elsewhere
        self.lease_s = options.lease_s
        self.ahead = options.workers * PER_ACTOR
        self.slots: list[_Slot] = []
        self.tasks: dict[Any, tuple[_Slot, _Task]] = {}
        self.queue: deque[_Task] = deque()
        """Submitted, not sent: jobs whose actor died first, then new ones."""
        self.later: list[tuple[float, _Task]] = []
        """Jobs to send again once a dead actor's lease has run out."""
        self.ready: list[Outcome] = []
        self.deaths_in_a_row = 0
        self.stopping = False
        self.started = connect(ray, address, options.workers * cpus, options.workers * gpus)
        self.quiet = RayErrorsToLog(ray)
        try:
            check_room(ray, address, options.workers, cpus, gpus)
            actor_class = ray.remote(ScoringActor).options(
                num_cpus=cpus,
                num_gpus=gpus,
                max_restarts=0,
                max_concurrency=1,
                runtime_env=runtime_env(),
            )
            self.new_actor = lambda: actor_class.remote(settings, self.db, options)
            self.slots = [_Slot(self.new_actor()) for _ in range(options.workers)]
            self._start()
        except BaseException:
            self._shutdown()
            raise

    # --- the executor -------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        return len(self.queue) + len(self.tasks) + len(self.later) + len(self.ready)

    @property
    def running(self) -> list[Job]:
        return [task.job for _, task in self.tasks.values()]

    def submit(self, job: Job) -> None:
        self.queue.append(_Task(job))
        self._dispatch()

    def poll(self, timeout: float) -> list[Outcome]:
        out, self.ready = self.ready, []
        self._dispatch()
        if out or not self.tasks:
            if not out and self.later and not self.stopping:
                time.sleep(max(0.0, min(timeout, self._next_due() - time.monotonic())))
                self._dispatch()
            return out
        if self.later:
            timeout = max(0.0, min(timeout, self._next_due() - time.monotonic()))
        done, _ = self.ray.wait(list(self.tasks), num_returns=1, timeout=timeout)
        for ref in done:
            if ref in self.tasks:  # not already handled with its dead actor's other jobs
                out += self._finished(ref)
        self._dispatch()
        return out

    def close(self, cancel_pending: bool = False, wait: bool = True) -> None:
        """Start no job more (queued ones are dropped either way: Ray actors are not reused);
        ``wait``: the running ones finish and their outcomes come from :meth:`poll`."""
        self._stop_starting()
        if wait:
            while self.tasks:
                done, _ = self.ray.wait(list(self.tasks), num_returns=1, timeout=1.0)
                for ref in done:
                    if ref in self.tasks:
                        self.ready += self._finished(ref)
        else:
            self._kill_all()

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        try:
            if kind is GeneratorExit:  # the run was stopped: let the running calls finish
                self._stop_starting()
                if self.tasks:
                    self.ray.wait(
                        list(self.tasks), num_returns=len(self.tasks), timeout=self.lease_s
                    )
        finally:
            self._shutdown()

    # --- inside ---------------------------------------------------------------------------

    def _start(self) -> None:
        """Wait until every actor is up, and stop here if one cannot work (bad rules, no store)."""
        try:
            answers = self.ray.get([slot.actor.ready.remote() for slot in self.slots])
        except self.ray.exceptions.RayActorError as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise CallreviewError(
                f"a Ray actor died while starting ({first}); check `ray status`, the nodes' "
                "memory and that callreview is installed on every node"
            ) from None
        for answer in answers:
            if isinstance(answer, Fatal):
                raise answer.error()

    def _stop_starting(self) -> None:
        self.stopping = True
        self.queue.clear()
        self.later.clear()

    def _next_due(self) -> float:
        return min(due for due, _ in self.later)

    def _dispatch(self) -> None:
        if self.stopping:
            return
        now = time.monotonic()
        for i in reversed(range(len(self.later))):
            due, task = self.later[i]
            if due <= now:
                del self.later[i]
                self.queue.appendleft(task)
        for slot in self.slots:
            while len(slot.inflight) < PER_ACTOR and self.queue:
                task = self.queue.popleft()
                ref = slot.actor.score.remote(task.job)
                slot.inflight.append(ref)
                self.tasks[ref] = (slot, task)

    def _finished(self, ref: Any) -> list[Outcome]:
        slot, task = self.tasks[ref]
        try:
            answer = self.ray.get(ref)
        except self.ray.exceptions.RayActorError:
            return self._actor_died(slot)
        del self.tasks[ref]
        slot.inflight.remove(ref)
        return self._answer(task, answer)

    def _answer(self, task: _Task, answer: Outcome | Fatal) -> list[Outcome]:
        if isinstance(answer, Fatal):
            raise answer.error()
        self.deaths_in_a_row = 0
        if answer.status == "busy" and task.orphaned_at is not None and not task.retried_busy:
            # the claim is a dead actor's from another host: free once its lease runs out
            task.retried_busy = True
            self.later.append((task.orphaned_at + self.lease_s + 1.0, task))
            return []
        return [answer]

    def _actor_died(self, slot: _Slot) -> list[Outcome]:
        """Replace a dead actor; what it finished before dying is kept, the rest is sent again.
        Actor calls run in the order sent, so the first unfinished one is the one it was scoring."""
        now = time.monotonic()
        blamed = False
        out: list[Outcome] = []
        again: list[_Task] = []
        for ref in list(slot.inflight):
            _, task = self.tasks.pop(ref)
            answer = self._result_if_any(ref)
            if answer is not None:
                out += self._answer(task, answer)
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
                    out.append(self._given_up(task))
                    continue
            again.append(task)
        if not self.stopping:
            self.queue.extendleft(reversed(again))
        slot.inflight.clear()
        self.deaths_in_a_row += 1
        if self.deaths_in_a_row > MAX_DEATHS * len(self.slots) + 1:
            raise CallreviewError(
                f"Ray actors keep dying ({self.deaths_in_a_row} in a row, none finishing a call); "
                "check `ray status`, the nodes' memory and the Ray session logs, "
                "then run the batch again"
            )
        self._kill(slot.actor)
        slot.actor = self.new_actor()
        return out

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
        message = (
            f"{path}: {task.deaths} Ray actors died while scoring it (out of memory, or a crash); "
            "check the file, then run the batch again"
        )
        try:
            with open_store(self.db) as store:
                store.record_error(path, message, BUG_EXIT)
        except CallreviewError:
            pass  # the outcome still says it; the store may be what is failing
        return Outcome(str(path), "failed", error=message, exit_code=BUG_EXIT)

    def _kill_all(self) -> None:
        for slot in self.slots:
            self._kill(slot.actor)
        self.tasks.clear()

    def _kill(self, actor: Any) -> None:
        try:
            self.ray.kill(actor, no_restart=True)
        except Exception:  # already gone, or the cluster with it
            pass

    def _shutdown(self) -> None:
        self._kill_all()
        if self.started:
            self.ray.shutdown()
            self.started = False
        self.quiet.restore()


class ScoringActor:
    """One Ray actor: a :class:`Reviewer` and a :class:`Store` of its own, kept for its life.
    Its methods return values, never raise: a setup or store failure comes back as
    :class:`Fatal` (the driver stops the batch with it), a bug as a ``failed`` outcome."""

    def __init__(self, settings: Settings, db: str, options: RunOptions) -> None:
        self.options = options
        self.fatal: Fatal | None = None
        try:
            self.reviewer = Reviewer(settings)
            _ = self.reviewer.lexicon, self.reviewer.scorecard  # bad rules refused before any call
            self.store = open_store(db)
        except CallreviewError as err:
            self.fatal = Fatal(str(err), err.exit_code)

    def ready(self) -> str | Fatal:
        """Who this actor is, as its claims name it (``host:pid``), or why it cannot work."""
        return self.fatal or worker_id()

    def score(self, job: Job) -> Outcome | Fatal:
        if self.fatal:
            return self.fatal
        try:
            # the claim is named by this process's host:pid, which lets the store free it at once
            # when this actor is killed and a replacement runs on this host
            return score_or_report(self.reviewer, self.store, job, self.options)
        except CallreviewError as err:  # the model or the store, not this call: all would fail
            return Fatal(str(err), err.exit_code)


@dataclass(frozen=True)
class Fatal:
    """An actor cannot score at all (no model, no store, bad rules): the batch stops with this."""

    message: str
    exit_code: int

    def error(self) -> CallreviewError:
        err = CallreviewError(self.message)
        err.exit_code = self.exit_code
        return err


# --- the driver's bookkeeping --------------------------------------------------------------


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
