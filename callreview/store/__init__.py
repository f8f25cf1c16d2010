"""The results store: the ledger every command, the web app and a cluster of workers share.

    open_store(url) ─▶ Store ── register · claim · complete / fail ──▶ calls, transcripts, reviews, errors
                             ── calls · reviews · transcript · errors ─▶ exports, summary, web app

One interface, two backends (:mod:`callreview.store.backends`): an SQLite file (the
default, ``./callreview.db``) or PostgreSQL (``postgresql://…``). The schema is
versioned (:mod:`callreview.store.schema`).

**Claiming is the store's job.** A call is keyed by the sha256 of its audio. A worker
:meth:`Store.claim`\\ s it (a token with a lease, renewed while it works), scores it,
and :meth:`Store.complete`\\ s it in one transaction that stores the transcript and a
new review version and releases the claim, but only while the token is still the
worker's: a call is stored once, however many batches, watchers or cluster actors
race for it. A killed worker's claim is taken over as soon as its lease runs out, or
at once on the same host when its process is gone.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from callreview.errors import StoreError
from callreview.store.backends import Backend, connect
from callreview.store.schema import MIGRATIONS, SCHEMA_VERSION

if TYPE_CHECKING:
    from callreview.results import CallReview
    from callreview.transcript import Transcript

DEFAULT_DB = "callreview.db"
ENV_DB = "CALLREVIEW_DB"
LEASE_S = 60.0
"""How long a claim lives without renewal; workers renew it every third of that."""

CallState = Literal["pending", "claimed", "scored", "failed"]
ClaimOutcome = Literal["claimed", "scored", "busy", "failed"]


def worker_id() -> str:
    """``host:pid``: who holds a claim. On the same host a dead pid frees its claims at once."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class CallMeta:
    """What is known about a call besides its audio: from a manifest, the file name or ``<recording>.toml``."""

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
    """``claimed``: yours to score (``claim`` is set); ``scored``/``failed``: done before; ``busy``: another worker has it."""
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


_CALL_COLUMNS = (
    "c.id, c.sha256, c.path, c.agent, c.call_id, c.call_date, c.direction, c.customer_name, c.duration_s, c.state, "
    "r.id, r.version, r.score, r.band, r.needs_review, r.body, r.created_at"
)
_CALL_FROM = "calls c LEFT JOIN reviews r ON r.id = c.current_review"


class Store:
    """Calls, transcripts, reviews, errors and runs behind one interface, on SQLite or PostgreSQL."""

    def __init__(self, backend: Backend) -> None:
        self.db = backend
        self._migrate()

    @property
    def where(self) -> str:
        """The store as named in messages (a path, or a URL without its password)."""
        return self.db.where

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- schema ---------------------------------------------------------------

    def schema_version(self) -> int:
        if not self._has_meta():
            return 0
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _has_meta(self) -> bool:
        if self.db.name == "sqlite":
            sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        else:
            sql = "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'meta'"
        return self.db.execute(sql).fetchone() is not None

    def _migrate(self) -> None:
        with (
            self.db.transaction()
        ):  # under the write lock: two processes opening a new store migrate once
            if (
                self.db.name != "sqlite"
            ):  # PostgreSQL takes no lock for a transaction: two CREATE TABLEs collide
                self.db.execute("SELECT pg_advisory_xact_lock(7242024)")
            version = self.schema_version()
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.where}: this store was written by a newer callreview (schema {version}, this one reads up to "
                    f"{SCHEMA_VERSION}); upgrade callreview, or use another --db"
                )
            for number in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[number - 1]:
                    self.db.execute(self.db.ddl(statement))
                if number == 1:
                    self.db.execute(
                        "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(number),)
                    )
                else:
                    self.db.execute(
                        "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(number),)
                    )

    # --- calls and claims -----------------------------------------------------

    def register(self, sha256: str, path: str | Path, meta: CallMeta = CallMeta()) -> int:
        """The call with this audio, created if new; ``path`` is added to the paths it was seen at.
        Metadata already stored is kept; what ``meta`` adds fills the gaps."""
        now = time.time()
        path = str(path)
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO calls (sha256, path, agent, call_id, call_date, direction, customer_name, metadata, created_at, updated_at) "
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
                "UPDATE calls SET agent = COALESCE(agent, ?), call_id = COALESCE(call_id, ?), call_date = COALESCE(call_date, ?), "
                "direction = COALESCE(direction, ?), customer_name = COALESCE(customer_name, ?) WHERE id = ?",
                (meta.agent, meta.call_id, meta.date, meta.direction, meta.customer_name, call),
            )
            self.db.execute(
                "INSERT INTO call_paths (call, path, first_seen) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
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
        """Take the call with this audio (registered before) for scoring, unless it is scored, failed
        (``retry_failed`` takes those again) or held by a live worker."""
        worker = worker or worker_id()
        row = self.db.execute(
            "SELECT id, state, claim_token, claimed_by, lease_until FROM calls WHERE sha256 = ?",
            (sha256,),
        ).fetchone()
        if row is None:
            raise StoreError(
                f"{self.where}: no call with audio {sha256[:12]}… is registered; register it before claiming"
            )
        call, state, token, holder, lease_until = row
        if state == "scored":
            return ClaimResult("scored", call=call)
        if state == "failed" and not retry_failed:
            return ClaimResult("failed", call=call)
        now = time.time()
        if state == "claimed" and token and (lease_until or 0) > now and _alive(holder):
            return ClaimResult("busy", call=call)
        new = uuid.uuid4().hex
        with self.db.transaction():
            cur = self.db.execute(
                f"UPDATE calls SET state = 'claimed', claim_token = ?, claimed_by = ?, lease_until = ?, attempts = attempts + 1, "
                f"updated_at = ? WHERE id = ? AND state = ? AND claim_token {self.db.null_safe_eq} ?",
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
            "UPDATE calls SET state = 'pending', claim_token = NULL, claimed_by = NULL, lease_until = NULL, updated_at = ? "
            "WHERE id = ? AND claim_token = ?",
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
                "UPDATE calls SET state = 'scored', claim_token = NULL, claimed_by = NULL, lease_until = NULL, duration_s = ?, "
                "updated_at = ? WHERE id = ? AND claim_token = ?",
                (review.duration_s, now, claim.call, claim.token),
            )
            if cur.rowcount != 1:
                return None
            if transcript is not None and transcript_key:
                self.db.execute(
                    "INSERT INTO transcripts (key, call, model, body, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                    (
                        transcript_key,
                        claim.call,
                        transcript.model,
                        transcript.to_json(indent=None),
                        now,
                    ),
                )
            return self._add_review(claim.call, review, transcript_key, engine, fingerprint, now)

    def fail(self, claim: Claim, message: str, exit_code: int = 2) -> bool:
        """Mark the call failed with its one-line error (kept in ``errors``); not retried until the audio changes."""
        now = time.time()
        with self.db.transaction():
            cur = self.db.execute(
                "UPDATE calls SET state = 'failed', claim_token = NULL, claimed_by = NULL, lease_until = NULL, updated_at = ? "
                "WHERE id = ? AND claim_token = ?",
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
            "INSERT INTO errors (call, sha256, path, message, exit_code, worker, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (call, sha256, path, message, exit_code, worker, now),
        )

    # --- reviews --------------------------------------------------------------

    def add_review(
        self,
        call: int,
        review: CallReview,
        transcript_key: str | None,
        engine: str,
        fingerprint: str,
    ) -> int:
        """A new review version of a scored call (``rescore``): the latest becomes current, history stays."""
        with self.db.transaction():
            return self._add_review(call, review, transcript_key, engine, fingerprint, time.time())

    def _add_review(
        self,
        call: int,
        review: CallReview,
        transcript_key: str | None,
        engine: str,
        fingerprint: str,
        now: float,
    ) -> int:
        version = int(
            self.db.execute(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM reviews WHERE call = ?", (call,)
            ).fetchone()[0]
        )
        body = review.to_dict()
        row = self.db.execute(
            "INSERT INTO reviews (call, version, transcript_key, engine, fingerprint, score, band, needs_review, body, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                call,
                version,
                transcript_key,
                engine,
                fingerprint,
                body["score"],
                review.band,
                int(review.needs_review),
                json.dumps(body, ensure_ascii=False),
                now,
            ),
        ).fetchone()
        self.db.execute(
            "UPDATE calls SET current_review = ?, updated_at = ? WHERE id = ?", (row[0], now, call)
        )
        items = [
            (row[0], call, name, item["status"], item["status"])
            for name, item in body["items"].items()
        ]
        if items:  # the item index the queue filters and agreement figures read (schema 3), kept as reviews are written
            self.db.execute(
                "INSERT INTO review_items (review, call, item, auto, final) VALUES "
                + ", ".join(["(?, ?, ?, ?, ?)"] * len(items)),
                [v for item in items for v in item],
            )
        return int(row[0])

    def history(self, call: int) -> list[ReviewVersion]:
        """Every automatic review of a call, oldest first."""
        rows = self.db.execute(
            f"SELECT {_VERSION_COLUMNS} FROM reviews WHERE call = ? ORDER BY version", (call,)
        ).fetchall()
        return [_version(r) for r in rows]

    def review_version(self, review: int) -> ReviewVersion | None:
        """One review version by its id (a call's current one: :attr:`StoredCall.review_id`)."""
        row = self.db.execute(
            f"SELECT {_VERSION_COLUMNS} FROM reviews WHERE id = ?", (review,)
        ).fetchone()
        return _version(row) if row else None

    def transcript(self, call: int) -> Transcript | None:
        """The transcript the current review was made from (else the newest one stored)."""
        from callreview.transcript import Transcript

        row = self.db.execute(
            "SELECT t.body FROM transcripts t JOIN calls c ON c.id = t.call LEFT JOIN reviews r ON r.id = c.current_review "
            "WHERE t.call = ? ORDER BY CASE WHEN t.key = r.transcript_key THEN 0 ELSE 1 END, t.created_at DESC LIMIT 1",
            (call,),
        ).fetchone()
        return (
            Transcript.from_dict(json.loads(row[0]), f"{self.where}: call {call}") if row else None
        )

    # --- reading --------------------------------------------------------------

    def call(self, call: int) -> StoredCall | None:
        row = self.db.execute(
            f"SELECT {_CALL_COLUMNS} FROM {_CALL_FROM} WHERE c.id = ?", (call,)
        ).fetchone()
        return _stored_call(row) if row else None

    def call_by_sha(self, sha256: str) -> StoredCall | None:
        row = self.db.execute(
            f"SELECT {_CALL_COLUMNS} FROM {_CALL_FROM} WHERE c.sha256 = ?", (sha256,)
        ).fetchone()
        return _stored_call(row) if row else None

    def paths(self, call: int) -> list[str]:
        """Every path this audio was seen at, first seen first."""
        rows = self.db.execute(
            "SELECT path FROM call_paths WHERE call = ? ORDER BY first_seen, path", (call,)
        ).fetchall()
        return [r[0] for r in rows]

    def calls(
        self,
        since: str | None = None,
        until: str | None = None,
        agent: str | None = None,
        state: CallState | None = None,
        ids: Sequence[int] | None = None,
    ) -> Iterator[StoredCall]:
        """Calls in (date, id) order, streamed: memory stays flat for any number of calls.
        ``since``/``until`` are inclusive ``YYYY-MM-DD`` dates (the call's date, else the day it was stored)."""
        where, params, day = self._call_filter(since, until, agent, state)
        if ids is not None:
            if not ids:
                return iter(())
            where += (" AND " if where else " WHERE ") + f"c.id IN ({', '.join('?' * len(ids))})"
            params.extend(ids)
        sql = f"SELECT {_CALL_COLUMNS} FROM {_CALL_FROM}{where} ORDER BY {day}, c.id"
        return (_stored_call(row) for row in self.db.stream(sql, params))

    def _day(self, column: str) -> str:
        if self.db.name == "sqlite":
            return f"date({column}, 'unixepoch', 'localtime')"
        return f"to_char(to_timestamp({column}), 'YYYY-MM-DD')"

    def errors(self, path: str | Path | None = None, limit: int | None = None) -> list[StoredError]:
        """Errors recorded, newest last (for one path, or all; the newest ``limit`` only, if given)."""
        sql = "SELECT path, message, exit_code, at, call, sha256, worker FROM errors"
        params: list = []
        if path is not None:
            sql += " WHERE path = ?"
            params.append(str(path))
        sql += " ORDER BY at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        rows = self.db.execute(sql, params).fetchall()
        return [StoredError(*r) for r in reversed(rows)]

    def last_error(self, call: int) -> StoredError | None:
        row = self.db.execute(
            "SELECT path, message, exit_code, at, call, sha256, worker FROM errors WHERE call = ? ORDER BY at DESC, id DESC LIMIT 1",
            (call,),
        ).fetchone()
        return StoredError(*row) if row else None

    def counts(self, day_start: float | None = None) -> QueueCounts:
        """The queue: calls pending, in progress (live claim), failed, scored, and scored since ``day_start``."""
        if day_start is None:
            t = time.localtime()
            day_start = time.mktime((t.tm_year, t.tm_mon, t.tm_mday, 0, 0, 0, 0, 0, -1))
        rows = dict(self.db.execute("SELECT state, COUNT(*) FROM calls GROUP BY state").fetchall())
        today = self.db.execute(
            "SELECT COUNT(*) FROM calls WHERE state = 'scored' AND updated_at >= ?", (day_start,)
        ).fetchone()[0]
        return QueueCounts(
            rows.get("pending", 0),
            rows.get("claimed", 0),
            rows.get("failed", 0),
            rows.get("scored", 0),
            int(today),
        )

    # --- runs -----------------------------------------------------------------

    def start_run(self, kind: str, args: Mapping[str, Any]) -> int:
        host, pid = worker_id().rsplit(":", 1)
        row = self.db.execute(
            "INSERT INTO runs (kind, host, pid, args, started_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
            (
                kind,
                host,
                int(pid),
                json.dumps(dict(args), ensure_ascii=False, default=str),
                time.time(),
            ),
        ).fetchone()
        return int(row[0])

    def finish_run(self, run: int, scored: int, skipped: int, failed: int) -> None:
        self.db.execute(
            "UPDATE runs SET finished_at = ?, scored = ?, skipped = ?, failed = ? WHERE id = ?",
            (time.time(), scored, skipped, failed, run),
        )

    # --- samples for human QC ---------------------------------------------------

    def save_sample(self, name: str, calls: Sequence[int], params: Mapping[str, Any]) -> int:
        """Record a named pick of calls (replacing one of the same name)."""
        with self.db.transaction():
            old = self.db.execute("SELECT id FROM samples WHERE name = ?", (name,)).fetchone()
            if old:
                self.db.execute("DELETE FROM sample_calls WHERE sample = ?", (old[0],))
                self.db.execute("DELETE FROM samples WHERE id = ?", (old[0],))
            sample = int(
                self.db.execute(
                    "INSERT INTO samples (name, params, created_at) VALUES (?, ?, ?) RETURNING id",
                    (name, json.dumps(dict(params), ensure_ascii=False, default=str), time.time()),
                ).fetchone()[0]
            )
            for call in calls:
                self.db.execute(
                    "INSERT INTO sample_calls (sample, call) VALUES (?, ?)", (sample, call)
                )
        return sample

    def sample(self, name: str) -> list[int]:
        """The calls of a named sample, in call order ([] if there is none)."""
        rows = self.db.execute(
            "SELECT sc.call FROM sample_calls sc JOIN samples s ON s.id = sc.sample WHERE s.name = ? ORDER BY sc.call",
            (name,),
        ).fetchall()
        return [r[0] for r in rows]

    def samples(self) -> list[str]:
        return [
            r[0]
            for r in self.db.execute("SELECT name FROM samples ORDER BY created_at, id").fetchall()
        ]

    # --- light reads for summary, sample and exports (callreview.team.summary, .sampling, .export) ---

    def briefs(
        self,
        since: str | None = None,
        until: str | None = None,
        agent: str | None = None,
        state: CallState | None = None,
    ) -> Iterator[CallBrief]:
        """Like :meth:`calls` (same filters, same order, streamed) without the review bodies: what a
        sample or a queue needs of each call, cheap for a whole week."""
        where, params, day = self._call_filter(since, until, agent, state)
        sql = (
            "SELECT c.id, c.path, c.agent, c.call_id, c.call_date, c.metadata, r.score, r.band, r.needs_review "
            f"FROM {_CALL_FROM}{where} ORDER BY {day}, c.id"
        )
        for row in self.db.stream(sql, params):
            yield CallBrief(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                row[6],
                row[7],
                bool(row[8]),
                json.loads(row[5]) if row[5] else {},
            )

    def last_day(self, state: CallState | None = "scored") -> str | None:
        """The latest call date (else the day it was stored) among calls in ``state``; ``None`` for none."""
        where, params, day = self._call_filter(None, None, None, state)
        row = self.db.execute(f"SELECT MAX({day}) FROM calls c{where}", params).fetchone()
        return row[0] if row else None

    def _call_filter(
        self, since: str | None, until: str | None, agent: str | None, state: CallState | None
    ) -> tuple[str, list, str]:
        """`` WHERE …`` (or ``""``), its parameters, and the day expression :meth:`calls` orders by."""
        day = "COALESCE(c.call_date, " + self._day("c.created_at") + ")"
        where, params = [], []
        for sql, value in (
            (f"{day} >= ?", since),
            (f"{day} <= ?", until),
            ("c.agent = ?", agent),
            ("c.state = ?", state),
        ):
            if value:
                where.append(sql)
                params.append(value)
        return (" WHERE " + " AND ".join(where) if where else ""), params, day


_VERSION_COLUMNS = "id, call, version, engine, fingerprint, score, band, needs_review, body, transcript_key, created_at"


def _version(r: Sequence[Any]) -> ReviewVersion:
    return ReviewVersion(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), json.loads(r[8]), r[9], r[10]
    )


def _stored_call(row: Sequence[Any]) -> StoredCall:
    return StoredCall(
        id=row[0],
        sha256=row[1],
        path=row[2],
        agent=row[3],
        call_id=row[4],
        date=row[5],
        direction=row[6],
        customer_name=row[7],
        duration_s=row[8],
        state=row[9],
        review_id=row[10],
        version=row[11],
        score=row[12],
        band=row[13],
        needs_review=bool(row[14]),
        review=json.loads(row[15]) if row[15] else None,
        scored_at=row[16],
    )


def _alive(holder: str | None) -> bool:
    """Whether the worker holding a claim may still be working: always, unless it ran on this host and its pid is gone."""
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


def store_url(db: str | Path | None = None, config_db: str | None = None) -> str:
    """``--db``, then ``$CALLREVIEW_DB``, then ``db`` in ``callreview.toml``, then ``./callreview.db``."""
    return str(db or os.environ.get(ENV_DB) or config_db or DEFAULT_DB)


def open_store(db: str | Path | None = None, config_db: str | None = None) -> Store:
    """Open (creating or upgrading) the store at ``db``: an SQLite path or a ``postgresql://`` URL."""
    return Store(connect(store_url(db, config_db)))
