"""The one stop signal of a run: SIGINT and SIGTERM turned into a stop, in one of two ways.

    finish first (``batch``): 1st SIGINT ─▶ stop set (running calls finish, none start)
                              2nd SIGINT or SIGTERM ─▶ Interrupted raised (running calls given back)
    give back (``watch``):    SIGINT/SIGTERM ─▶ stop set, Interrupted raised inside the call being
                              scored ─▶ score_job gives the claim back
                              └─ wakeup fd thread ─▶ a call stuck in the model's C code is given
                                 back from outside (``on_stuck``) and the process ends

A Python signal handler runs only when the main thread next runs Python code, and a call
spends its time in the model (CTranslate2), where one step can take many seconds on a loaded
machine. So in the give-back way :class:`StopSignal` also watches a wakeup fd from a thread
of its own: when a stop comes during a call and the call has not given itself back within
``grace_s``, that thread calls ``on_stuck``.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
STOP_GRACE_S = 2.0
"""How long a call being scored may take to give itself back before ``on_stuck`` is called."""
_FINISHING = (
    "callreview: interrupted: finishing the calls in progress, starting no more "
    "(Ctrl-C again to stop now)\n"
)


class Interrupted(KeyboardInterrupt):
    """Stop now: the call being scored is given back unscored. The CLI exits 130."""


class StopSignal:
    """A stop request, set by a signal (once :meth:`installed`) or by :meth:`request`.

    ``finish_first``: the first SIGINT only sets it (the calls in progress finish); a second
    SIGINT or a SIGTERM raises :class:`Interrupted` wherever the main thread is. Otherwise
    either signal sets it, and raises :class:`Interrupted` only inside :meth:`while_scoring`
    (never inside a store transaction)."""

    def __init__(self, finish_first: bool = False, grace_s: float = STOP_GRACE_S) -> None:
        self.finish_first = finish_first
        self.grace_s = grace_s
        self.by: str | None = None
        """``SIGINT``/``SIGTERM`` (or whatever :meth:`request` was told) once stopping."""
        self.on_stuck: Callable[[], None] | None = None
        self._event = threading.Event()
        self._scoring = False
        self._idle = threading.Event()
        self._idle.set()

    # --- as a flag (threading.Event's interface) ---------------------------------------

    @property
    def stopping(self) -> bool:
        return self._event.is_set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._event.wait(timeout)

    def request(self, by: str) -> None:
        self.by = self.by or by
        self._event.set()

    def set(self) -> None:
        self.request("request")

    # --- signals -------------------------------------------------------------------------

    def _handle(self, signum: int, frame: object) -> None:
        name = signal.Signals(signum).name
        if self.finish_first:
            if signum == signal.SIGINT and not self.stopping:
                self.request(name)
                sys.stderr.write(_FINISHING)
                sys.stderr.flush()
                return
            self.request(name)
            raise Interrupted()
        self.request(name)
        if self._scoring:
            self._scoring = False
            raise Interrupted()

    @contextmanager
    def installed(self) -> Iterator[StopSignal]:
        """The signal handlers while the block runs (main thread only: elsewhere, as a test or an
        embedding app runs us, nothing is installed)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        old = {sig: signal.signal(sig, self._handle) for sig in STOP_SIGNALS}
        if self.finish_first:
            try:
                yield self
            finally:
                for sig, handler in old.items():
                    signal.signal(sig, handler)
            return
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
    def while_scoring(self) -> Iterator[None]:
        """The block (a call's scoring) may be interrupted by a stop; one already requested
        raises at once. In the finish-first way this only marks the block (nothing raises)."""
        if self.finish_first:
            yield
            return
        if self.stopping:
            raise Interrupted()
        self._idle.clear()
        self._scoring = True
        try:
            yield
        finally:
            self._scoring = False
            self._idle.set()


@contextmanager
def interruptible() -> Iterator[StopSignal]:
    """``batch``'s stop while the block runs: a finish-first :class:`StopSignal`, installed."""
    stop = StopSignal(finish_first=True)
    with stop.installed():
        yield stop
