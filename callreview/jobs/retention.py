"""Retention: calls older than the site keeps them go, with their cached transcripts.

``callreview purge --before DAY`` and ``retention_days`` (applied by ``batch`` and ``watch`` as
they start) both come here: the store deletes a batch of calls a transaction
(:meth:`callreview.store.Store.purge_before`) and, before each batch commits, the transcript
cache forgets their transcripts.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from callreview.asr.cache import transcript_cache

if TYPE_CHECKING:
    from callreview.settings import Settings
    from callreview.store import Store


def purge_calls(
    store: Store,
    before: str,
    actor: str,
    cache_root: Path | None = None,
    progress: Callable[[int], None] = lambda done: None,
) -> int:
    """Delete the calls dated before ``before`` (``YYYY-MM-DD``) and their cached transcripts;
    the purge is in the audit trail, as ``actor``. Returns how many calls went."""
    cache = transcript_cache(cache_root)
    done = store.purge_before(before, forget=cache.forget, progress=progress)
    if not store.db.read_only:
        store.add_audit(time.time(), actor, "purge", f"calls before {before}", f"{done} calls")
    return done


def retention_cutoff(settings: Settings, today: datetime.date | None = None) -> str | None:
    """The first day ``retention_days`` keeps (calls before it go), or ``None``: keep all."""
    if settings.retention_days <= 0:
        return None
    today = today or datetime.date.today()
    return (today - datetime.timedelta(days=settings.retention_days)).isoformat()


def apply_retention(store: Store, settings: Settings, actor: str) -> int:
    """Purge what ``retention_days`` no longer keeps (a run's first step); returns how many."""
    cutoff = retention_cutoff(settings)
    if cutoff is None:
        return 0
    return purge_calls(store, cutoff, actor)
