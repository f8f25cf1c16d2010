"""What the pages read from the store and every user sees alike (a queue page for a filter, the
agents' figures, agreement, the agent names), kept while the store's data is unchanged.

An entry holds the store's mark (:func:`callreview.store.version.data_version`) read before it
was computed; a later read at another mark computes it again, so a write by any process (an
override in another worker, a batch storing calls) is seen by the next request. Keys name
only what the value depends on: nothing user-specific may be cached here. One thread computes a
missing key while the others asking for it wait for its answer.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")

MAX_ENTRIES = 512
MAX_AGE_S = 300.0
"""An entry is computed again after this long whatever the mark says (a safety net)."""


class _Entry(NamedTuple):
    mark: Hashable
    at: float
    value: Any


class Fresh:
    """A bounded cache of store-derived values, checked against the store's mark on each read."""

    def __init__(
        self,
        mark: Callable[[], Hashable],
        max_entries: int = MAX_ENTRIES,
        max_age_s: float = MAX_AGE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.mark = mark
        self.max_entries = max_entries
        self.max_age_s = max_age_s
        self.clock = clock
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._computing = [threading.Lock() for _ in range(32)]

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value for ``key`` at the store's data now: kept, or computed (once) and kept."""
        mark = self.mark()
        found = self._fresh(key, mark)
        if found is not None:
            return found.value
        with self._computing[hash(key) % len(self._computing)]:
            found = self._fresh(key, mark)  # computed by another thread while this one waited
            if found is not None:
                return found.value
            value = compute()
            with self._lock:
                self._entries[key] = _Entry(mark, self.clock(), value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
            return value

    def _fresh(self, key: Hashable, mark: Hashable) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.mark != mark or self.clock() - entry.at > self.max_age_s:
                return None
            self._entries.move_to_end(key)
            return entry
