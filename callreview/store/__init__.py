"""The results store: the ledger every command, the web app and a cluster of workers share.

    open_store(url) ─▶ Store ── register · claim · complete / fail ─▶ calls, transcripts, reviews
                             ── calls · reviews · transcript · errors ─▶ exports, summary, web
                             ── users · overrides · appeals · queue ─▶ callreview.team, web

One interface, two backends (:mod:`callreview.store.backends`): an SQLite file (the
default, ``./callreview.db``) or PostgreSQL (``postgresql://…``). The schema is
versioned (:mod:`callreview.store.schema`). Every line of SQL lives here, one module per
part of the interface: :mod:`.calls` (registering and claiming), :mod:`.reviews` (versions,
transcripts, the item index), :mod:`.reading`, :mod:`.runs` (runs and samples),
:mod:`.people` (users, overrides, appeals, kept final scores), :mod:`.sessions` (the web
app's log-ins), :mod:`.audit` (who did what), :mod:`.queue` (the
reviewer's queue and the team's tallies), :mod:`.aggregates` (the summary's counts),
:mod:`.ledger` (read-only checks), :mod:`.meta`,
:mod:`.calibration` (blind calibration rounds), :mod:`.feedback` (agents' acknowledgements).

**Claiming is the store's job.** A call is keyed by the sha256 of its audio. A worker
:meth:`Store.claim`\\ s it (a token with a lease, renewed while it works), scores it,
and :meth:`Store.complete`\\ s it in one transaction that stores the transcript and a
new review version and releases the claim, but only while the token is still the
worker's: a call is stored once, however many batches, watchers or cluster actors
race for it. A killed worker's claim is taken over as soon as its lease runs out, or
at once on the same host when its process is gone.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from callreview.store.aggregates import CallRange, GroupRow, SummaryCounts, WaitingRow
from callreview.store.audit import AUDIT_ACTIONS, AuditEntry, AuditStore
from callreview.store.backends import Backend, connect
from callreview.store.calibration import BlindMark, CalibrationStore, Round
from callreview.store.calls import LEASE_S, Calls, worker_id
from callreview.store.feedback import Acknowledgement, FeedbackStore, Unacknowledged
from callreview.store.ledger import Ledger
from callreview.store.meta import Meta
from callreview.store.people import (
    APPEAL_STATUSES,
    Appeal,
    AppealStatus,
    KeptFinal,
    Override,
    PeopleStore,
    StoredUser,
)
from callreview.store.purge import PURGE_BATCH, Purge, PurgePlan
from callreview.store.queue import SORTS, AgentTallies, Queue, QueueFilter, QueuePage, QueueRow
from callreview.store.reading import Reading
from callreview.store.records import (
    CallBrief,
    CallMeta,
    CallState,
    Claim,
    ClaimOutcome,
    ClaimResult,
    LedgerRow,
    QueueCounts,
    ReviewVersion,
    Run,
    StoredCall,
    StoredError,
)
from callreview.store.redactions import RedactionLists
from callreview.store.runs import Runs
from callreview.store.search import (
    Hit,
    Phrase,
    Search,
    SearchQuery,
    TurnIndex,
    unindex_calls,
    use_indexer,
)
from callreview.store.sessions import SessionStore, StoredSession

__all__ = [
    "APPEAL_STATUSES",
    "AUDIT_ACTIONS",
    "Acknowledgement",
    "BlindMark",
    "DEFAULT_DB",
    "ENV_DB",
    "LEASE_S",
    "SORTS",
    "AgentTallies",
    "Appeal",
    "AppealStatus",
    "AuditEntry",
    "CallBrief",
    "CallRange",
    "CallMeta",
    "CallState",
    "Claim",
    "GroupRow",
    "ClaimOutcome",
    "ClaimResult",
    "KeptFinal",
    "LedgerRow",
    "PURGE_BATCH",
    "PurgePlan",
    "Override",
    "QueueCounts",
    "QueueFilter",
    "QueuePage",
    "QueueRow",
    "ReviewVersion",
    "Round",
    "Run",
    "SearchQuery",
    "Hit",
    "Phrase",
    "Store",
    "StoredCall",
    "StoredError",
    "StoredSession",
    "StoredUser",
    "SummaryCounts",
    "TurnIndex",
    "Unacknowledged",
    "WaitingRow",
    "open_store",
    "store_url",
    "unindex_calls",
    "use_indexer",
    "worker_id",
]

DEFAULT_DB = "callreview.db"
ENV_DB = "CALLREVIEW_DB"


class Store(
    Meta,
    Calls,
    Reading,
    Runs,
    PeopleStore,
    SessionStore,
    AuditStore,
    Queue,
    Search,
    Ledger,
    Purge,
    CalibrationStore,
    FeedbackStore,
    RedactionLists,
):
    """Calls, transcripts, reviews, errors, runs, people's decisions and the queue behind one
    interface, on SQLite or PostgreSQL."""

    def __init__(self, backend: Backend) -> None:
        self.db = backend
        self._migrate()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def store_url(db: str | Path | None = None, config_db: str | None = None) -> str:
    """``--db``, then ``$CALLREVIEW_DB``, then ``db`` in ``callreview.toml``, then
    ``./callreview.db``."""
    return str(db or os.environ.get(ENV_DB) or config_db or DEFAULT_DB)


def open_store(db: str | Path | None = None, config_db: str | None = None) -> Store:
    """Open (creating or upgrading) the store at ``db``: an SQLite path or a ``postgresql://``
    URL."""
    return Store(connect(store_url(db, config_db)))
