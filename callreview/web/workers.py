"""``serve --workers N``: the app in N processes on one port, so one request's SQL and rendering
do not queue behind another's.

    serve ─┬─ worker 1: its own store connection, the app, uvicorn ─┐
           ├─ worker 2 …                                            ├─ one port (SO_REUSEPORT:
           ├─ the log-in limiter, one for all workers               │  the kernel shares the
           └─ waits; restarts a worker that dies, stops them all    ┘  connections out)

Everything a request needs is in the store (sessions, the session secret, the item index), so
any worker answers any request; the log-in limiter is one object in a process of its own, so a
name or an address is locked out whichever worker it reaches. Workers are forked after the
parent has closed its own connection.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from multiprocessing import connection, get_context
from multiprocessing.managers import BaseManager
from typing import TYPE_CHECKING, Any

from callreview.errors import CallreviewError
from callreview.web import ServeOptions, access_log_stream, app_for, listen, url_of, uvicorn_server
from callreview.web.auth import LoginLimiter

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from callreview.qc.scorecard import Scorecard
    from callreview.store import Store

START_S = 60.0
"""How long a worker may take to open the store and listen."""
STOP_S = 10.0
"""How long a worker may take to finish its requests once told to stop."""
EARLY_S = 10.0
"""A worker that dies this soon after it started is not restarted: serve stops, exit 1."""

_fork = get_context("fork")


class _Limiters(BaseManager):
    pass


_LIMITER = LoginLimiter()
_Limiters.register("limiter", callable=lambda: _LIMITER)


class SharedLimiter(LoginLimiter):
    """A worker's side of the one limiter: it asks the limiter's process, and words the answer
    in the request's language here (:meth:`LoginLimiter.refusal`)."""

    def __init__(self, remote: Any) -> None:
        super().__init__()
        self.remote = remote

    def wait(self, name: str, address: str) -> tuple[str, float] | None:
        found = self.remote.wait(name, address)
        return None if found is None else (str(found[0]), float(found[1]))

    def failed(self, name: str, address: str) -> None:
        self.remote.failed(name, address)

    def succeeded(self, name: str, address: str) -> None:
        self.remote.succeeded(name, address)

    def tracked(self) -> tuple[int, int]:
        return self.remote.tracked()


def serve_workers(
    open_store: Callable[[], AbstractContextManager[Store]],
    scorecard: Scorecard,
    host: str,
    port: int,
    options: ServeOptions,
    workers: int,
    ready: Callable[[str], None] | None = None,
    debug: bool = False,
) -> None:
    """Run ``workers`` processes serving the app until SIGINT or SIGTERM; ``ready`` gets the URL
    once every one listens. ``open_store`` opens the store in each worker."""
    if not hasattr(socket, "SO_REUSEPORT"):
        raise CallreviewError(
            "--workers: this system cannot share a port between processes; use --workers 1"
        )
    # first alone, so a port another server holds is refused (SO_REUSEPORT would join it), then
    # shared: bound, not listening, it keeps the port (0: any free one) each worker listens on
    probe = listen(host, port, backlog=None)
    port = probe.getsockname()[1]
    probe.close()
    holder = listen(host, port, reuse_port=True, backlog=None)
    bound = holder.getsockname()[1]
    url = url_of(host, holder)
    manager = _Limiters(ctx=_fork)
    manager.start(_quiet)
    limiter = SharedLimiter(manager.limiter())  # type: ignore[attr-defined]

    def work(started: Any) -> None:
        _worker(open_store, scorecard, host, bound, options, limiter, debug, started)

    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    procs: list[BaseProcess] = []
    try:
        procs = [_start(work) for _ in range(workers)]
        if ready:
            ready(url)
        born = {p.pid: time.monotonic() for p in procs}
        while not stopping:
            connection.wait([p.sentinel for p in procs], timeout=0.5)
            for i, proc in enumerate(procs):
                if proc.exitcode is None or stopping:
                    continue
                if time.monotonic() - born[proc.pid] < EARLY_S:
                    raise CallreviewError(
                        f"a worker stopped at once (exit {proc.exitcode}); "
                        "see its message above, or serve with --workers 1"
                    )
                print(
                    f"callreview: worker {proc.pid} stopped (exit {proc.exitcode}); "
                    "starting another",
                    file=sys.stderr,
                )
                procs[i] = _start(work)
                born[procs[i].pid] = time.monotonic()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _stop(procs)
        manager.shutdown()
        holder.close()


def _quiet() -> None:
    """The limiter's process leaves Ctrl-C to serve: it stops when serve is done with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start(work: Callable[[Any], None]) -> BaseProcess:
    """A worker process, once it listens."""
    started = _fork.Event()
    proc = _fork.Process(target=work, args=(started,), daemon=False)
    proc.start()
    deadline = time.monotonic() + START_S
    while not started.wait(0.1):
        if proc.exitcode is not None or time.monotonic() > deadline:
            proc.kill()
            raise CallreviewError(
                f"a worker did not start (exit {proc.exitcode}); "
                "see its message above, or serve with --workers 1"
            )
    return proc


def _stop(procs: list[BaseProcess]) -> None:
    for proc in procs:
        if proc.exitcode is None:
            proc.terminate()  # SIGTERM: uvicorn finishes the requests it has, then exits
    deadline = time.monotonic() + STOP_S
    for proc in procs:
        proc.join(max(0.0, deadline - time.monotonic()))
        if proc.exitcode is None:
            proc.kill()
            proc.join()


def _worker(
    open_store: Callable[[], AbstractContextManager[Store]],
    scorecard: Scorecard,
    host: str,
    port: int,
    options: ServeOptions,
    limiter: SharedLimiter,
    debug: bool,
    started: Any,
) -> None:
    """One worker: the store, the app, its socket on the shared port; exits when signalled."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # not the parent's handlers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        with open_store() as store, access_log_stream(options.access_log) as log:
            app = app_for(store, scorecard, options, debug, log, limiter)
            sock = listen(host, port, reuse_port=True)
            started.set()
            uvicorn_server(app, options).run(sockets=[sock])
    except CallreviewError as err:  # one line, as the CLI says it (no traceback: no data)
        print(f"callreview: error: worker {os.getpid()}: {err}", file=sys.stderr)
        sys.exit(4)
    except Exception as err:  # a bug: one line (a traceback with --debug)
        if debug:
            raise
        print(f"callreview: worker {os.getpid()} failed: {type(err).__name__}", file=sys.stderr)
        sys.exit(1)
