"""The human side of the store: users, reviewers' overrides, agents' appeals, and the
reviewer's queue, agent figures and agreement rates built on them.

    People(store, scorecard) ── add_user · authenticate ──────────────▶ users
                             ── override · confirm ─▶ overrides, review_finals (score by the scorecard)
                             ── file_appeal · decide ─▶ appeals (open → upheld | overturned)
                             ── queue · agents · agreement · final ─▶ the web app and the static report

**The automatic result is never changed.** A review version (``reviews``) is what the
checklist said; a person's override is a row of ``overrides`` on that version (who, when,
from, to, note), and the final result is the version with its overrides applied. Only the
scorecard turns final statuses into points and a score (:meth:`Scorecard.overridden`,
:meth:`Scorecard.total`); the score is kept in ``review_finals`` so the queue can sort and
filter by it. A ``rescore`` adds a new version: overrides stay with the version they were
made on (in the history), and the call is unreviewed again until a person looks at it.

**Appeals**: an agent disputes one item of their own call with a reason. A supervisor
``upheld`` it (the result stands) or ``overturned`` it (the item is overridden in the
agent's favour, through the same override path, with the supervisor's note).

``review_items`` holds each version's item statuses, automatic and final, so filters
and figures are SQL. The store writes it with each review; :meth:`People.sync` fills it
for reviews stored before schema 3 (a version's automatic statuses never change).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from callreview.errors import CallreviewError
from callreview.results import ITEMS, STATUSES, ItemResult

if TYPE_CHECKING:
    from callreview.qc.scorecard import Scorecard
    from callreview.store import Store, StoredCall
    from callreview.team.agreement import Agreement

Role = Literal["reviewer", "supervisor", "agent", "admin"]
ROLES: tuple[Role, ...] = ("reviewer", "supervisor", "agent", "admin")
AppealStatus = Literal["open", "upheld", "overturned"]
APPEAL_STATUSES: tuple[AppealStatus, ...] = ("open", "upheld", "overturned")
MIN_PASSWORD = 8
MAX_NOTE = 2000
_NAME = re.compile(r"^[\w.@-]{1,64}$")


class NotAllowed(CallreviewError):
    """The user's role (or the call's agent) does not allow what was asked; the web app answers 403."""


class NotFound(CallreviewError):
    """No such call, appeal or user; the web app answers 404."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role
    agent: str | None
    """For ``agent`` users: the agent id their calls carry (``calls.agent``)."""
    created_at: float

    @property
    def can_override(self) -> bool:
        return self.role in ("reviewer", "supervisor")

    @property
    def can_decide(self) -> bool:
        """Decide appeals: supervisors (seed 004: the agent disputes, a supervisor rechecks)."""
        return self.role == "supervisor"

    @property
    def sees_all(self) -> bool:
        """Everyone but an agent sees every call; an agent sees their own only."""
        return self.role != "agent"

    def may_open(self, call: StoredCall) -> bool:
        return self.sees_all or (self.agent is not None and call.agent == self.agent)


@dataclass(frozen=True)
class Override:
    """One change a person made to an item of a review version."""

    id: int
    call: int
    review: int
    item: str
    from_status: str
    to_status: str
    note: str
    by_user: str
    at: float
    version: int | None = None
    """The review version it was made on."""


@dataclass(frozen=True)
class Appeal:
    id: int
    call: int
    item: str
    reason: str
    by_user: str
    at: float
    status: AppealStatus
    decided_by: str | None = None
    decided_at: float | None = None
    decision_note: str | None = None


@dataclass(frozen=True)
class FinalItem:
    """One item of a call: what the automation said and what stands after people's overrides."""

    name: str
    auto: str
    status: str
    """The final status (the automatic one unless overridden)."""
    points: float
    max_points: float
    auto_points: float
    auto_max_points: float
    data: Mapping[str, Any]
    """The automatic item as stored (evidence, details): the JSON contract of :class:`ItemResult`."""

    @property
    def overridden(self) -> bool:
        return self.status != self.auto


@dataclass(frozen=True)
class FinalReview:
    """A call's current review version with its overrides applied."""

    call: StoredCall
    items: dict[str, FinalItem]
    score: float | None
    band: str | None
    band_label: str | None
    auto_score: float | None
    auto_band: str | None
    auto_band_label: str | None
    reviewed_by: str | None = None
    reviewed_at: float | None = None

    @property
    def reviewed(self) -> bool:
        return self.reviewed_by is not None


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows; ``None`` is no filter."""

    agent: str | None = None
    since: str | None = None
    """Inclusive ``YYYY-MM-DD`` (the call's date, else the day it was stored)."""
    until: str | None = None
    band: str | None = None
    """The final band."""
    failed: str | None = None
    """An item whose final status is ``fail``."""
    needs_review: bool | None = None
    """The automation's flag: some item needs a person."""
    sample: str | None = None
    """A named sample (``callreview sample``)."""
    reviewed: bool | None = None
    appeals: Literal["open", "any"] | None = None


SORTS = ("date", "score", "agent", "duration", "id")


@dataclass(frozen=True)
class QueueRow:
    id: int
    call_id: str | None
    agent: str | None
    date: str | None
    direction: str | None
    duration_s: float | None
    path: str
    score: float | None
    band: str | None
    auto_score: float | None
    needs_review: bool
    reviewed: bool
    sampled: bool
    open_appeals: int
    problems: tuple[tuple[str, str], ...] = ()
    """(item, final status) of the items that failed or need review."""


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class AgentSummary:
    """One agent's figures over their scored calls (final results)."""

    agent: str | None
    calls: int
    mean: float | None
    minimum: float | None
    bands: dict[str, int]
    failures: dict[str, tuple[int, int]]
    """item → (calls failed, calls the item was judged pass or fail)."""
    weeks: list[tuple[str, int, float | None]] = field(default_factory=list)
    """(ISO week ``2026-W48``, calls, mean score), oldest first."""
    reviewed: int = 0
    open_appeals: int = 0

    def failure_rate(self, item: str) -> float | None:
        failed, judged = self.failures.get(item, (0, 0))
        return 100.0 * failed / judged if judged else None


# --- passwords ------------------------------------------------------------------------

_hasher = None


def _argon():
    global _hasher
    if _hasher is None:
        from argon2 import PasswordHasher

        _hasher = PasswordHasher()
    return _hasher


def hash_password(password: str) -> str:
    return _argon().hash(password)


def verify_password(hashed: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _argon().verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH: str | None = None


def _burn_time(password: str) -> None:
    """Verify against a throwaway hash, so an unknown user name takes as long as a wrong password."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not a password of anyone")
    verify_password(_DUMMY_HASH, password)


# --- the people store -------------------------------------------------------------------


class People:
    """Users, overrides, appeals and the queue, on one :class:`~callreview.store.Store`."""

    def __init__(self, store: Store, scorecard: Scorecard | None = None) -> None:
        self.store = store
        self.db = store.db
        self._scorecard = scorecard
        self._synced: tuple[Any, Any] | None = None

    @property
    def scorecard(self) -> Scorecard:
        if self._scorecard is None:
            from callreview.qc.scorecard import load_scorecard

            self._scorecard = load_scorecard(None)
        return self._scorecard

    # --- users ------------------------------------------------------------------------

    def add_user(self, name: str, role: str, password: str, agent: str | None = None) -> User:
        """A new user; the password is kept as an argon2 hash only."""
        if not _NAME.match(name or ""):
            raise CallreviewError(
                f"user name {name!r}: use 1-64 letters, digits or . _ @ - (no spaces)"
            )
        if role not in ROLES:
            raise CallreviewError(
                f"user {name}: unknown role {role!r}; use one of {', '.join(ROLES)}"
            )
        if role == "agent" and not agent:
            raise CallreviewError(
                f"user {name}: an agent needs --agent-id, the agent id their calls carry in the store"
            )
        if len(password) < MIN_PASSWORD:
            raise CallreviewError(
                f"user {name}: the password is too short; use at least {MIN_PASSWORD} characters"
            )
        if self.user(name) is not None:
            raise CallreviewError(
                f"user {name} exists already in {self.store.where}; choose another name"
            )
        hashed = hash_password(password)
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO users (name, role, agent, password_hash, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                (name, role, agent or None, hashed, time.time()),
            )
        user = self.user(name)
        assert user is not None
        return user

    def user(self, name: str) -> User | None:
        row = self.db.execute(
            "SELECT id, name, role, agent, created_at FROM users WHERE name = ?", (name,)
        ).fetchone()
        return User(*row) if row else None

    def users(self) -> list[User]:
        return [
            User(*r)
            for r in self.db.execute(
                "SELECT id, name, role, agent, created_at FROM users ORDER BY name"
            ).fetchall()
        ]

    def authenticate(self, name: str, password: str) -> User | None:
        """The user if the password is theirs; ``None`` otherwise (as slowly for an unknown name)."""
        row = self.db.execute("SELECT password_hash FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            _burn_time(password)
            return None
        return self.user(name) if verify_password(row[0], password) else None

    # --- the item index -----------------------------------------------------------------

    def sync(self) -> int:
        """Index the item statuses of reviews not indexed yet; returns how many were added."""
        mark = self.db.execute("SELECT COUNT(*), MAX(id) FROM reviews").fetchone()
        if self._synced == tuple(mark):
            return 0
        added = 0
        batch: list[tuple[int, int, str]] = []
        sql = "SELECT r.id, r.call, r.body FROM reviews r WHERE NOT EXISTS (SELECT 1 FROM review_items ri WHERE ri.review = r.id)"
        for review, call, body in self.db.stream(sql):
            batch.append((review, call, body))
            if len(batch) >= 500:
                added += self._index(batch)
                batch = []
        if batch:
            added += self._index(batch)
        self._synced = tuple(mark)
        return added

    def _index(self, reviews: Sequence[tuple[int, int, str]]) -> int:
        import json

        rows = [
            (review, call, name, item.get("status", "review"), item.get("status", "review"))
            for review, call, body in reviews
            for name, item in json.loads(body).get("items", {}).items()
        ]
        with self.db.transaction():
            for lo in range(
                0, len(rows), 200
            ):  # a few multi-row INSERTs: one round trip each on PostgreSQL
                chunk = rows[lo : lo + 200]
                self.db.execute(
                    "INSERT INTO review_items (review, call, item, auto, final) VALUES "
                    + ", ".join(["(?, ?, ?, ?, ?)"] * len(chunk))
                    + " ON CONFLICT (review, item) DO NOTHING",
                    [v for row in chunk for v in row],
                )
        return len(reviews)

    def _index_one(self, review: int, call: int, items: Mapping[str, Any]) -> None:
        for name, item in items.items():
            status = item.get("status", "review")
            self.db.execute(
                "INSERT INTO review_items (review, call, item, auto, final) VALUES (?, ?, ?, ?, ?) ON CONFLICT (review, item) DO NOTHING",
                (review, call, name, status, status),
            )

    # --- a call's final result ------------------------------------------------------------

    def final(self, call: StoredCall) -> FinalReview:
        """The call's current review with the overrides made on it, scored by the scorecard."""
        if call.review is None or call.review_id is None:
            raise NotFound(f"call {call.id} is not scored yet; there is nothing to review")
        statuses = self._statuses(call.review_id)
        row = self.db.execute(
            "SELECT reviewed_by, reviewed_at FROM review_finals WHERE review = ?", (call.review_id,)
        ).fetchone()
        return self._final(call, statuses, row[0] if row else None, row[1] if row else None)

    def _statuses(self, review: int) -> dict[str, str]:
        """The latest override of each item of a review version."""
        rows = self.db.execute(
            "SELECT item, to_status FROM overrides WHERE review = ? ORDER BY at, id", (review,)
        ).fetchall()
        return {item: status for item, status in rows}

    def _final(
        self, call: StoredCall, statuses: Mapping[str, str], by: str | None, at: float | None
    ) -> FinalReview:
        body = call.review or {}
        auto = {name: _item_result(name, data) for name, data in body.get("items", {}).items()}
        final = dict(auto)
        for name, status in statuses.items():
            if name in final and status != auto[name].status:
                final[name] = self.scorecard.overridden(auto[name], status)
        # weighted delivery metrics (``delivery`` in the review body) count in the score as they are
        counted = {
            **final,
            **{
                f"delivery:{n}": _item_result(n, d) for n, d in (body.get("delivery") or {}).items()
            },
        }
        score = self.scorecard.total(counted) if statuses else body.get("score")
        band = self.scorecard.band(score) if statuses else None
        auto_band = self.scorecard.band(body.get("score"))
        items = {
            name: FinalItem(
                name,
                auto[name].status,
                final[name].status,
                final[name].points,
                final[name].max_points,
                auto[name].points,
                auto[name].max_points,
                body["items"][name],
            )
            for name in auto
        }
        return FinalReview(
            call=call,
            items=items,
            score=score,
            band=band.name if band else call.band,
            band_label=band.label if band else body.get("band_label"),
            auto_score=body.get("score"),
            auto_band=call.band,
            auto_band_label=body.get("band_label") or (auto_band.label if auto_band else None),
            reviewed_by=by,
            reviewed_at=at,
        )

    # --- overrides --------------------------------------------------------------------

    def override(
        self, call: int, item: str, status: str, note: str, by: User, *, appeal: int | None = None
    ) -> Override:
        """Set an item's final status on the call's current review, with a required note."""
        if not by.can_override:
            raise NotAllowed(
                f"user {by.name} ({by.role}) cannot override results; reviewers and supervisors can"
            )
        with self.db.transaction():
            return self._override(call, item, status, note, by)

    def _override(self, call: int, item: str, status: str, note: str, by: User) -> Override:
        if item not in ITEMS:
            raise CallreviewError(f"unknown checklist item {item!r}; items are {', '.join(ITEMS)}")
        if status not in STATUSES:
            raise CallreviewError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
        note = _note(note, "a note saying why is required for an override")
        self._lock(call)
        stored = self._scored(call)
        statuses = self._statuses(stored.review_id)  # type: ignore[arg-type]
        auto = (stored.review or {})["items"][item]["status"]
        before = statuses.get(item, auto)
        if before == status:
            raise CallreviewError(f"call {call}: {item} is {status} already; choose another status")
        now = time.time()
        row = self.db.execute(
            "INSERT INTO overrides (call, review, item, from_status, to_status, note, by_user, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (call, stored.review_id, item, before, status, note, by.name, now),
        ).fetchone()
        statuses[item] = status
        self._index_one(stored.review_id, call, (stored.review or {})["items"])  # type: ignore[arg-type]
        self.db.execute(
            "UPDATE review_items SET final = ? WHERE review = ? AND item = ?",
            (status, stored.review_id, item),
        )
        self._keep_final(stored, statuses, by, now)
        return Override(
            int(row[0]),
            call,
            stored.review_id,
            item,
            before,
            status,
            note,
            by.name,
            now,
            stored.version,
        )  # type: ignore[arg-type]

    def confirm(self, call: int, by: User) -> FinalReview:
        """A reviewer has listened and the result stands as it is now: the call counts as reviewed."""
        if not by.can_override:
            raise NotAllowed(
                f"user {by.name} ({by.role}) cannot review results; reviewers and supervisors can"
            )
        with self.db.transaction():
            self._lock(call)
            stored = self._scored(call)
            self._index_one(stored.review_id, call, (stored.review or {})["items"])  # type: ignore[arg-type]
            self._keep_final(stored, self._statuses(stored.review_id), by, time.time())  # type: ignore[arg-type]
        return self.final(self._scored(call))

    def _keep_final(
        self, stored: StoredCall, statuses: Mapping[str, str], by: User, now: float
    ) -> None:
        final = self._final(stored, statuses, None, None)
        self.db.execute(
            "INSERT INTO review_finals (review, call, score, band, reviewed_by, reviewed_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (review) DO UPDATE SET score = excluded.score, band = excluded.band, "
            "reviewed_by = excluded.reviewed_by, reviewed_at = excluded.reviewed_at",
            (stored.review_id, stored.id, final.score, final.band, by.name, now),
        )

    def _lock(self, call: int) -> None:
        """Take the call's row lock (PostgreSQL; SQLite's write lock is already held): overrides of one call queue up."""
        self.db.execute("UPDATE calls SET updated_at = updated_at WHERE id = ?", (call,))

    def _scored(self, call: int) -> StoredCall:
        stored = self.store.call(call)
        if stored is None:
            raise NotFound(f"no call {call} in {self.store.where}")
        if stored.review is None or stored.review_id is None:
            raise NotFound(f"call {call} is not scored yet; there is nothing to review")
        return stored

    def history(self, call: int) -> list[Override]:
        """Every override of the call, on any review version, oldest first."""
        rows = self.db.execute(
            "SELECT o.id, o.call, o.review, o.item, o.from_status, o.to_status, o.note, o.by_user, o.at, r.version "
            "FROM overrides o JOIN reviews r ON r.id = o.review WHERE o.call = ? ORDER BY o.at, o.id",
            (call,),
        ).fetchall()
        return [Override(*r) for r in rows]

    # --- appeals ----------------------------------------------------------------------

    def file_appeal(self, call: int, item: str, reason: str, by: User) -> Appeal:
        """An agent disputes one item of their own call."""
        stored = self._scored(call)
        if by.role != "agent" or by.agent is None or stored.agent != by.agent:
            raise NotAllowed(
                f"user {by.name} cannot appeal call {call}: agents appeal their own calls"
            )
        if item not in ITEMS:
            raise CallreviewError(f"unknown checklist item {item!r}; items are {', '.join(ITEMS)}")
        reason = _note(reason, "a reason is required for an appeal")
        with self.db.transaction():
            open_ = self.db.execute(
                "SELECT id FROM appeals WHERE call = ? AND item = ? AND status = 'open'",
                (call, item),
            ).fetchone()
            if open_:
                raise CallreviewError(
                    f"call {call}: an appeal of {item} is open already (#{open_[0]}); wait for its decision"
                )
            row = self.db.execute(
                "INSERT INTO appeals (call, item, reason, by_user, at, status) VALUES (?, ?, ?, ?, ?, 'open') RETURNING id",
                (call, item, reason, by.name, time.time()),
            ).fetchone()
        return self.appeal(int(row[0]))  # type: ignore[return-value]

    def decide(
        self, appeal: int, decision: str, note: str, by: User, status: str = "pass"
    ) -> Appeal:
        """``upheld``: the result stands. ``overturned``: the item becomes ``status`` (an override with the note)."""
        if not by.can_decide:
            raise NotAllowed(f"user {by.name} ({by.role}) cannot decide appeals; supervisors can")
        if decision not in ("upheld", "overturned"):
            raise CallreviewError(f"unknown decision {decision!r}; use upheld or overturned")
        note = _note(note, "a note explaining the decision is required")
        with self.db.transaction():
            found = self.appeal(appeal)
            if found is None:
                raise NotFound(f"no appeal {appeal} in {self.store.where}")
            if found.status != "open":
                raise CallreviewError(
                    f"appeal {appeal} was {found.status} already by {found.decided_by}"
                )
            if decision == "overturned":
                stored = self._scored(found.call)
                current = self._statuses(stored.review_id).get(
                    found.item, (stored.review or {})["items"][found.item]["status"]
                )  # type: ignore[arg-type]
                if current != status:
                    self._override(
                        found.call, found.item, status, f"appeal #{appeal} overturned: {note}", by
                    )
            cur = self.db.execute(
                "UPDATE appeals SET status = ?, decided_by = ?, decided_at = ?, decision_note = ? WHERE id = ? AND status = 'open'",
                (decision, by.name, time.time(), note, appeal),
            )
            if cur.rowcount != 1:
                raise CallreviewError(
                    f"appeal {appeal} was decided by someone else meanwhile; reload the call"
                )
        return self.appeal(appeal)  # type: ignore[return-value]

    def appeal(self, appeal: int) -> Appeal | None:
        row = self.db.execute(f"SELECT {_APPEAL} FROM appeals WHERE id = ?", (appeal,)).fetchone()
        return Appeal(*row) if row else None

    def appeals(self, call: int | None = None, status: str | None = None) -> list[Appeal]:
        where, params = [], []
        if call is not None:
            where.append("call = ?")
            params.append(call)
        if status is not None:
            where.append("status = ?")
            params.append(status)
        sql = (
            f"SELECT {_APPEAL} FROM appeals"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY at, id"
        )
        return [Appeal(*r) for r in self.db.execute(sql, params).fetchall()]

    # --- the queue ------------------------------------------------------------------------

    def queue(
        self,
        filters: QueueFilter = QueueFilter(),
        sort: str = "date",
        descending: bool = True,
        page: int = 1,
        per_page: int = 50,
    ) -> QueuePage:
        """A page of scored calls with their final score, filtered and sorted."""
        self.sync()
        where, params = self._where(filters)
        order = {
            "date": f"{self._day()}",
            "score": _SCORE,
            "agent": "c.agent",
            "duration": "c.duration_s",
            "id": "c.id",
        }.get(sort, self._day())
        direction = "DESC" if descending else "ASC"
        # NULLs last either way, and the same on both backends
        order_by = (
            f"CASE WHEN {order} IS NULL THEN 1 ELSE 0 END, {order} {direction}, c.id {direction}"
        )
        slim = _slim(filters, sort)
        total = int(
            self.db.execute(f"SELECT COUNT(*) FROM {slim} WHERE {where}", params).fetchone()[0]
        )
        page = max(1, page)
        # the page's ids first (sorting every call), then their columns (only those calls)
        ids = [
            r[0]
            for r in self.db.execute(
                f"SELECT c.id FROM {slim} WHERE {where} ORDER BY {order_by} LIMIT ? OFFSET ?",
                [*params, per_page, (page - 1) * per_page],
            ).fetchall()
        ]
        found = {
            r[0]: r
            for r in self.db.execute(
                f"SELECT c.id, c.call_id, c.agent, c.call_date, c.direction, c.duration_s, c.path, {_SCORE}, {_BAND}, r.score, "
                "r.needs_review, CASE WHEN f.review IS NULL THEN 0 ELSE 1 END, "
                "CASE WHEN EXISTS (SELECT 1 FROM sample_calls sc WHERE sc.call = c.id) THEN 1 ELSE 0 END, "
                "(SELECT COUNT(*) FROM appeals a WHERE a.call = c.id AND a.status = 'open'), c.current_review "
                f"FROM {_QUEUE_FROM} WHERE c.id IN ({', '.join('?' * len(ids)) or 'NULL'})",
                ids,
            ).fetchall()
        }
        rows = [found[i] for i in ids if i in found]
        problems = self._problems([r[14] for r in rows])
        out = [
            QueueRow(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                r[7],
                r[8],
                r[9],
                bool(r[10]),
                bool(r[11]),
                bool(r[12]),
                int(r[13]),
                problems.get(r[14], ()),
            )
            for r in rows
        ]
        return QueuePage(out, total, page, per_page)

    def queue_rows(self, filters: QueueFilter = QueueFilter()) -> Iterator[QueueRow]:
        """Every call of the queue (date order), streamed: the static report's index."""
        page = 1
        while True:
            chunk = self.queue(filters, sort="date", descending=False, page=page, per_page=500)
            yield from chunk.rows
            if page >= chunk.pages:
                return
            page += 1

    def _problems(self, reviews: Sequence[int]) -> dict[int, tuple[tuple[str, str], ...]]:
        if not reviews:
            return {}
        rows = self.db.execute(
            f"SELECT review, item, final FROM review_items WHERE review IN ({', '.join('?' * len(reviews))}) AND final IN ('fail', 'review')",
            list(reviews),
        ).fetchall()
        found: dict[int, list[tuple[str, str]]] = {}
        for review, item, status in rows:
            found.setdefault(review, []).append((item, status))
        return {
            k: tuple(sorted(v, key=lambda p: ITEMS.index(p[0]) if p[0] in ITEMS else 99))
            for k, v in found.items()
        }

    def _day(self) -> str:
        if self.db.name == "sqlite":
            return "COALESCE(c.call_date, date(c.created_at, 'unixepoch', 'localtime'))"
        return "COALESCE(c.call_date, to_char(to_timestamp(c.created_at), 'YYYY-MM-DD'))"

    def _where(self, f: QueueFilter) -> tuple[str, list[Any]]:
        where, params = ["c.state = 'scored'"], []
        if f.agent:
            where.append("c.agent = ?")
            params.append(f.agent)
        if f.since:
            where.append(f"{self._day()} >= ?")
            params.append(f.since)
        if f.until:
            where.append(f"{self._day()} <= ?")
            params.append(f.until)
        if f.band:
            where.append(f"{_BAND} = ?")
            params.append(f.band)
        if f.failed:
            where.append(
                "EXISTS (SELECT 1 FROM review_items ri WHERE ri.review = c.current_review AND ri.item = ? AND ri.final = 'fail')"
            )
            params.append(f.failed)
        if f.needs_review is not None:
            where.append("r.needs_review = ?")
            params.append(int(f.needs_review))
        if f.sample:
            where.append(
                "c.id IN (SELECT sc.call FROM sample_calls sc JOIN samples s ON s.id = sc.sample WHERE s.name = ?)"
            )
            params.append(f.sample)
        if f.reviewed is not None:
            where.append("f.review IS NOT NULL" if f.reviewed else "f.review IS NULL")
        if f.appeals == "open":
            where.append(
                "EXISTS (SELECT 1 FROM appeals a WHERE a.call = c.id AND a.status = 'open')"
            )
        elif f.appeals == "any":
            where.append("EXISTS (SELECT 1 FROM appeals a WHERE a.call = c.id)")
        return " AND ".join(where), params

    def agents_list(self) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT agent FROM calls WHERE agent IS NOT NULL ORDER BY agent"
            ).fetchall()
        ]

    # --- figures ----------------------------------------------------------------------

    def agents(self, filters: QueueFilter = QueueFilter()) -> list[AgentSummary]:
        """Per agent: calls, mean and minimum final score, band counts, failure rate per item, weekly trend."""
        self.sync()
        where, params = self._where(filters)
        acc: dict[str | None, dict[str, Any]] = {}

        def agent(name: str | None) -> dict[str, Any]:
            return acc.setdefault(
                name,
                {
                    "calls": 0,
                    "sum": 0.0,
                    "scored": 0,
                    "min": None,
                    "bands": {},
                    "weeks": {},
                    "reviewed": 0,
                    "appeals": 0,
                },
            )

        # per agent and day (a few thousand rows for a quarter), folded into ISO weeks here
        for name, day, calls, total, scored, low, reviewed in self.db.execute(
            f"SELECT c.agent, {self._day()}, COUNT(*), SUM({_SCORE}), COUNT({_SCORE}), MIN({_SCORE}), "
            f"SUM(CASE WHEN f.review IS NULL THEN 0 ELSE 1 END) FROM {_QUEUE_FROM} WHERE {where} GROUP BY c.agent, {self._day()}",
            params,
        ).fetchall():
            a = agent(name)
            a["calls"] += int(calls)
            a["sum"] += float(total or 0.0)
            a["scored"] += int(scored)
            a["reviewed"] += int(reviewed or 0)
            if low is not None:
                a["min"] = low if a["min"] is None else min(a["min"], low)
            w = a["weeks"].setdefault(iso_week(day), [0, 0.0, 0])
            w[0] += int(calls)
            w[1] += float(total or 0.0)
            w[2] += int(scored)
        for name, band, n in self.db.execute(
            f"SELECT c.agent, {_BAND}, COUNT(*) FROM {_QUEUE_FROM} WHERE {where} AND {_BAND} IS NOT NULL GROUP BY c.agent, {_BAND}",
            params,
        ).fetchall():
            agent(name)["bands"][band] = int(n)
        for name, n in self.db.execute(
            f"SELECT c.agent, COUNT(*) FROM {_QUEUE_FROM} JOIN appeals a ON a.call = c.id WHERE {where} AND a.status = 'open' GROUP BY c.agent",
            params,
        ).fetchall():
            agent(name)["appeals"] = int(n)
        failures: dict[str | None, dict[str, tuple[int, int]]] = {}
        for name, item, failed, judged in self.db.execute(
            "SELECT c.agent, ri.item, SUM(CASE WHEN ri.final = 'fail' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN ri.final IN ('pass', 'fail') THEN 1 ELSE 0 END) "
            f"FROM {_slim(filters)} JOIN review_items ri ON ri.review = c.current_review WHERE {where} GROUP BY c.agent, ri.item",
            params,
        ).fetchall():
            failures.setdefault(name, {})[item] = (int(failed or 0), int(judged or 0))
        out = []
        for name in sorted(acc, key=lambda a: (a is None, a or "")):
            a = acc[name]
            weeks = [
                (wk, n, round(total / scored, 1) if scored else None)
                for wk, (n, total, scored) in sorted(a["weeks"].items())
            ]
            out.append(
                AgentSummary(
                    name,
                    a["calls"],
                    round(a["sum"] / a["scored"], 1) if a["scored"] else None,
                    a["min"],
                    a["bands"],
                    failures.get(name, {}),
                    weeks,
                    a["reviewed"],
                    a["appeals"],
                )
            )
        return out

    def agreement(self) -> list[Agreement]:
        """Per item, over calls whose current review a person has reviewed: automatic vs final."""
        from callreview.team.agreement import agreement

        self.sync()
        rows = self.db.execute(
            # from the few reviewed calls outwards (CROSS JOIN: SQLite keeps this order; PostgreSQL plans it freely)
            "SELECT ri.item, ri.auto, ri.final, COUNT(*) FROM review_finals f CROSS JOIN review_items ri CROSS JOIN calls c "
            "WHERE ri.review = f.review AND c.current_review = f.review GROUP BY ri.item, ri.auto, ri.final"
        ).fetchall()
        counts: dict[str, dict[tuple[str, str], int]] = {item: {} for item in ITEMS}
        for item, auto, final, n in rows:
            counts.setdefault(item, {})[(auto, final)] = int(n)
        return [agreement(item, c) for item, c in counts.items()]


_SCORE = "CASE WHEN f.review IS NULL THEN r.score ELSE f.score END"
_BAND = "CASE WHEN f.review IS NULL THEN r.band ELSE f.band END"
_QUEUE_FROM = "calls c JOIN reviews r ON r.id = c.current_review LEFT JOIN review_finals f ON f.review = c.current_review"
_QUEUE_FROM_SLIM = "calls c LEFT JOIN review_finals f ON f.review = c.current_review"


def _slim(filters: QueueFilter, sort: str = "date") -> str:
    """The queue's FROM without the reviews table when neither the filters nor the sort read it:
    a review row holds its whole body, and skipping 10,000 of them is most of a page's time."""
    if filters.band or filters.needs_review is not None or sort == "score":
        return _QUEUE_FROM
    return _QUEUE_FROM_SLIM


_APPEAL = "id, call, item, reason, by_user, at, status, decided_by, decided_at, decision_note"


def _item_result(name: str, data: Mapping[str, Any]) -> ItemResult:
    """A stored item as an :class:`ItemResult` the scorecard can count (evidence stays in ``data``)."""
    details = {
        k: v for k, v in data.items() if k not in ("status", "points", "max_points", "evidence")
    }
    return ItemResult(
        name,
        data["status"],
        float(data.get("points", 0.0)),
        float(data.get("max_points", 0.0)),
        (),
        details,
    )


def _note(text: str | None, missing: str) -> str:
    text = (text or "").strip()
    if not text:
        raise CallreviewError(missing)
    if len(text) > MAX_NOTE:
        raise CallreviewError(f"the note is {len(text)} characters long; keep it under {MAX_NOTE}")
    return text


def iso_week(day: str | None) -> str:
    """``2026-11-30`` → ``2026-W49`` (:func:`callreview.dates.iso_week`); an unreadable date → ``?``."""
    from callreview.dates import iso_week as week_of

    try:
        return week_of(str(day)[:10])
    except ValueError:
        return "?"
