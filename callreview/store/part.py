"""The base every part of :class:`~callreview.store.Store` builds on: one backend, one name."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from callreview.store.backends import Backend


class Part:
    """What each slice of the store's interface (calls, reviews, people, the queue…) shares."""

    db: Backend

    @property
    def where(self) -> str:
        """The store as named in messages (a path, or a URL without its password)."""
        return self.db.where

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One unit of work under the write lock: what :mod:`callreview.team` needs to read, decide
        and write atomically (an override, an appeal's decision)."""
        with self.db.transaction():
            yield
