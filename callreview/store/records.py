"""What the store hands out: calls, claims, review versions, errors, runs and the ledger's rows.

Plain frozen dataclasses, no behaviour: what a QC team makes of them (final results, who may
do what) is :mod:`callreview.team`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

CallState = Literal["pending", "claimed", "scored", "failed", "superseded"]
ClaimOutcome = Literal["claimed", "scored", "busy", "failed"]


@dataclass(frozen=True)
class CallMeta:
    """What is known about a call besides its audio: from a manifest, the file name or
    ``<recording>.toml``."""

    agent: str | None = None
    call_id: str | None = None
    date: str | None = None
    """``YYYY-MM-DD``."""
    direction: str | None = None
    customer_name: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Claim:
    """A worker's hold on one call until it completes, fails or releases it."""

    call: int
    sha256: str
    path: str
    token: str
    worker: str


@dataclass(frozen=True)
class ClaimResult:
    outcome: ClaimOutcome
    """``claimed``: yours to score (``claim`` is set); ``scored``/``failed``: done before;
    ``busy``: another worker has it."""
    claim: Claim | None = None
    call: int | None = None


@dataclass(frozen=True)
class StoredCall:
    """A call as the store knows it, with its current review (``None`` until scored)."""

    id: int
    sha256: str
    path: str
    agent: str | None
    call_id: str | None
    date: str | None
    direction: str | None
    customer_name: str | None
    duration_s: float | None
    state: CallState
    review_id: int | None = None
    version: int | None = None
    score: float | None = None
    band: str | None = None
    needs_review: bool = False
    review: Mapping[str, Any] | None = None
    """The current review: the JSON contract of :meth:`CallReview.to_dict`."""
    scored_at: float | None = None


@dataclass(frozen=True)
class ReviewVersion:
    """One automatic review of a call; re-scoring adds a version, the highest is current."""

    id: int
    call: int
    version: int
    engine: str
    fingerprint: str
    score: float | None
    band: str | None
    needs_review: bool
    review: Mapping[str, Any]
    transcript_key: str | None
    created_at: float


@dataclass(frozen=True)
class StoredError:
    path: str
    message: str
    exit_code: int
    at: float
    call: int | None = None
    sha256: str | None = None
    worker: str | None = None


@dataclass(frozen=True)
class QueueCounts:
    pending: int
    in_progress: int
    failed: int
    scored: int
    scored_today: int


@dataclass(frozen=True)
class CallBrief:
    """A call without its review body (:meth:`Store.briefs`): enough to sample it or list it."""

    id: int
    path: str
    agent: str | None
    call_id: str | None
    date: str | None
    score: float | None
    band: str | None
    needs_review: bool
    metadata: Mapping[str, Any]
    """The call's extra metadata (a manifest's other columns), e.g. ``time``."""


@dataclass(frozen=True)
class Run:
    """One ``batch``, ``watch`` or ``rescore`` run as recorded in ``runs``."""

    id: int
    kind: str
    host: str
    pid: int
    args: Mapping[str, Any]
    started_at: float
    finished_at: float | None
    scored: int
    skipped: int
    failed: int

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


@dataclass(frozen=True)
class LedgerRow:
    """A call's place in the claiming ledger: its state, its claim (if any) and how often it was
    claimed."""

    id: int
    sha256: str
    path: str
    state: CallState
    claim_token: str | None
    claimed_by: str | None
    lease_until: float | None
    attempts: int
