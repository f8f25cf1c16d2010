"""Where a process's time goes before and during transcription, for ``--debug``.

Each stage adds its seconds to one process-wide table (:func:`timed`); the CLI prints the
table after a command (:func:`lines`). Stages that run in a thread beside others (the model
load) are marked so, since their seconds overlap the rest.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_spans: dict[str, float] = {}
_first: dict[str, float] = {}
_lock = threading.Lock()


@contextmanager
def timed(stage: str) -> Iterator[None]:
    """Add the seconds the ``with`` body takes to ``stage``."""
    t0 = time.perf_counter()
    try:
        yield
    finally:
        add(stage, time.perf_counter() - t0)


def add(stage: str, seconds: float) -> None:
    with _lock:
        _spans[stage] = _spans.get(stage, 0.0) + seconds


def mark(event: str) -> None:
    """Note the process's age the first time ``event`` happens (e.g. the first encoder pass)."""
    with _lock:
        _first.setdefault(event, process_age())


def process_age() -> float:
    """Seconds since this process started (interpreter start-up included), where Linux says;
    else since this module was imported."""
    try:
        with open("/proc/self/stat", "rb") as fh:
            start_ticks = int(fh.read().rsplit(b")", 1)[1].split()[19])
        with open("/proc/uptime", "rb") as fh:
            uptime = float(fh.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _IMPORTED


_IMPORTED = time.perf_counter()


def lines() -> list[str]:
    """The table as ``time: STAGE SECONDS s`` lines, in the order the stages first ran."""
    with _lock:
        spans, first = dict(_spans), dict(_first)
    out = [f"time: {stage} {seconds:.2f} s" for stage, seconds in spans.items()]
    out += [f"time: {event} at {age:.2f} s" for event, age in first.items()]
    return out
