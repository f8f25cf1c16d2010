"""Calls and claims: registering a call, claiming it for scoring, completing or failing it.

A call is keyed by the sha256 of its audio. A worker claims it (a token with a lease, renewed
while it works) and completes it in one transaction that stores the transcript and a new review
version and releases the claim, but only while the token is still the worker's.

A path's newest audio is its call: once it is scored, an older call seen only at that path (a
recording scored while half written, then completed) is ``superseded``: kept with its history,
counted nowhere (every count, queue and export reads ``scored``).
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from callreview.errors import StoreError
from callreview.store.records import CallMeta, Claim, ClaimResult
from callreview.store.reviews import Reviews
from callreview.store.search import index_call, unindex_calls
from callreview.store.sql import marks

if TYPE_CHECKING:
    from callreview.results import CallReview
    from callreview.transcript import Transcript

LEASE_S = 60.0
"""How long a claim lives without renewal; workers renew it every third of that."""


def worker_id() -> str:
    """``host:pid``: who holds a claim. On the same host a dead pid frees its claims at once."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Calls(Reviews):
    def register(self, sha256: str, path: str | Path, meta: CallMeta = CallMeta()) -> int:
        """The call with this audio, created if new; ``path`` is added to the paths it was seen at.
        Metadata already stored is kept; what ``meta`` adds fills the gaps."""
        now = time.time()
        path = str(path)
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO calls (sha256, path, agent, call_id, call_date, direction, "
                "customer_name, metadata, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
                (
                    sha256,
                    path,
                    meta.agent,
                    meta.call_id,
                    meta.date,
                    meta.direction,
                    meta.customer_name,
                    json.dumps(dict(meta.extra), ensure_ascii=False) if meta.extra else None,
                    now,
                    now,
                ),
            )
            call = int(
                self.db.execute("SELECT id FROM calls WHERE sha256 = ?", (sha256,)).fetchone()[0]
            )
            self.db.execute(
                "UPDATE calls SET agent = COALESCE(agent, ?), call_id = COALESCE(call_id, ?), "
                "call_date = COALESCE(call_date, ?), direction = COALESCE(direction, ?), "
                "customer_name = COALESCE(customer_name, ?) WHERE id = ?",
                (meta.agent, meta.call_id, meta.date, meta.direction, meta.customer_name, call),
            )
            self.db.execute(
                "INSERT INTO call_paths (call, path, first_seen) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (call, path, now),
            )
        return call

    def claim(
        self,
        sha256: str,
        path: str | Path,
        worker: str | None = None,
        lease_s: float = LEASE_S,
        retry_failed: bool = False,
    ) -> ClaimResult:
        """Take the call with this audio (registered before) for scoring, unless it is scored,
        failed (``retry_failed`` takes those again) or held by a live worker."""
        worker = worker or worker_id()
        row = self.db.execute(
            "SELECT id, state, claim_token, claimed_by, lease_until FROM calls WHERE sha256 = ?",
            (sha256,),
        ).fetchone()
        if row is None:
            raise StoreError(
                f"{self.where}: no call with audio {sha256[:12]}… is registered; "
                "register it before claiming"
            )
        call, state, token, holder, lease_until = row
        if state in ("scored", "superseded"):  # a superseded version is not scored again
            return ClaimResult("scored", call=call)
        if state == "failed" and not retry_failed:
            return ClaimResult("failed", call=call)
        now = time.time()
        # A worker asking for a call it holds lost track of its claim (the store failed as it
        # gave it back): its own claim is no one else's to wait for.
        live = holder != worker and (lease_until or 0) > now and _alive(holder)
        if state == "claimed" and token and live:
            return ClaimResult("busy", call=call)
        new = uuid.uuid4().hex
        with self.db.transaction():
            cur = self.db.execute(
                "UPDATE calls SET state = 'claimed', claim_token = ?, claimed_by = ?, "
                "lease_until = ?, attempts = attempts + 1, updated_at = ? "
                f"WHERE id = ? AND state = ? AND claim_token {self.db.null_safe_eq} ?",
                (new, worker, now + lease_s, now, call, state, token),
            )
        if cur.rowcount != 1:  # somebody else's compare-and-set won
            return ClaimResult("busy", call=call)
        return ClaimResult("claimed", Claim(call, sha256, str(path), new, worker), call)

    def renew(self, claim: Claim, lease_s: float = LEASE_S) -> bool:
        """Extend the lease; ``False`` when the claim was lost (taken over after it expired)."""
        cur = self.db.execute(
            "UPDATE calls SET lease_until = ? WHERE id = ? AND claim_token = ?",
            (time.time() + lease_s, claim.call, claim.token),
        )
        return cur.rowcount == 1

    def release(self, claim: Claim) -> None:
        """Give the call back unscored (a worker shutting down): it is pending again."""
        self.db.execute(
            "UPDATE calls SET state = 'pending', claim_token = NULL, claimed_by = NULL, "
            "lease_until = NULL, updated_at = ? WHERE id = ? AND claim_token = ?",
            (time.time(), claim.call, claim.token),
        )

    def complete(
        self,
        claim: Claim,
        review: CallReview,
        transcript: Transcript | None,
        transcript_key: str | None,
        engine: str,
        fingerprint: str,
    ) -> int | None:
        """Store the transcript and a new review version and release the claim, in one transaction.
        Returns the review id, or ``None`` when the claim was lost (nothing is stored then)."""
        now = time.time()
        with self.db.transaction():
            cur = self.db.execute(
                "UPDATE calls SET state = 'scored', claim_token = NULL, claimed_by = NULL, "
                "lease_until = NULL, duration_s = ?, updated_at = ? "
                "WHERE id = ? AND claim_token = ?",
                (review.duration_s, now, claim.call, claim.token),
            )
            if cur.rowcount != 1:
                return None
            self._supersede(claim.path, now)
            if transcript is not None and transcript_key:
                self.db.execute(
                    "INSERT INTO transcripts (key, call, model, body, created_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                    (
                        transcript_key,
                        claim.call,
                        transcript.model,
                        transcript.to_json(indent=None),
                        now,
                    ),
                )
            added = self._add_review(claim.call, review, transcript_key, engine, fingerprint, now)
            # the call's turns, searchable in the same transaction as its transcript
            stored = transcript if transcript is not None and transcript_key else None
            index_call(self.db, claim.call, stored or self.transcript(claim.call))
            return added

    def _supersede(self, path: str, now: float) -> None:
        """Mark the calls seen only at ``path``, scored or failed, that are older there than its
        newest scored call ``superseded``."""
        newest = self.db.execute(
            "SELECT cp.call FROM call_paths cp JOIN calls c ON c.id = cp.call "
            "WHERE cp.path = ? AND c.state = 'scored' ORDER BY cp.first_seen DESC, cp.call DESC "
            "LIMIT 1",
            (path,),
        ).fetchone()
        if newest is None:
            return
        gone = [
            int(r[0])
            for r in self.db.execute(
                "SELECT id FROM calls WHERE state IN ('scored', 'failed') AND id <> ? "
                "AND id IN (SELECT call FROM call_paths WHERE path = ?) "
                "AND id NOT IN (SELECT call FROM call_paths WHERE path <> ?)",
                (newest[0], path, path),
            ).fetchall()
        ]
        if not gone:
            return
        self.db.execute(
            "UPDATE calls SET state = 'superseded', updated_at = ? "
            f"WHERE id IN ({marks(len(gone))})",
            (now, *gone),
        )
        unindex_calls(self.db, gone)  # a superseded call is found by no search

    def fail(self, claim: Claim, message: str, exit_code: int = 2) -> bool:
        """Mark the call failed with its one-line error (kept in ``errors``); not retried until the
        audio changes."""
        now = time.time()
        with self.db.transaction():
            cur = self.db.execute(
                "UPDATE calls SET state = 'failed', claim_token = NULL, claimed_by = NULL, "
                "lease_until = NULL, updated_at = ? WHERE id = ? AND claim_token = ?",
                (now, claim.call, claim.token),
            )
            if cur.rowcount != 1:
                return False
            self._error(claim.path, message, exit_code, claim.call, claim.sha256, claim.worker, now)
        return True

    def record_error(
        self,
        path: str | Path,
        message: str,
        exit_code: int = 2,
        sha256: str | None = None,
        worker: str | None = None,
    ) -> None:
        """An error about a file that never became a call (missing, empty, unreadable)."""
        with self.db.transaction():
            self._error(str(path), message, exit_code, None, sha256, worker, time.time())

    def _error(
        self,
        path: str,
        message: str,
        exit_code: int,
        call: int | None,
        sha256: str | None,
        worker: str | None,
        now: float,
    ) -> None:
        self.db.execute(
            "INSERT INTO errors (call, sha256, path, message, exit_code, worker, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (call, sha256, path, message, exit_code, worker, now),
        )


def _alive(holder: str | None) -> bool:
    """Whether the worker holding a claim may still be working: always, unless it ran on this host
    and its pid is gone."""
    if not holder or ":" not in holder:
        return True
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
