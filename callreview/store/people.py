"""People and their decisions as stored: users (with password hashes, made elsewhere), item
overrides on a review version, agents' appeals, and the final score kept for a reviewed version.

The store keeps these rows and nothing more: who may do what, and what the final result of a
call is, are :mod:`callreview.team`'s. Writes that belong together (an override and the final
score it leads to) are made inside one :meth:`Store.transaction`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

from callreview.store.part import Part

AppealStatus = Literal["open", "upheld", "overturned"]
APPEAL_STATUSES: tuple[AppealStatus, ...] = ("open", "upheld", "overturned")


@dataclass(frozen=True)
class StoredUser:
    id: int
    name: str
    role: str
    agent: str | None
    created_at: float


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
class KeptFinal:
    """A review version a person has reviewed, with the final score and band it was given."""

    review: int
    call: int
    score: float | None
    band: str | None
    reviewed_by: str
    reviewed_at: float


_USER = "id, name, role, agent, created_at"
_APPEAL = "id, call, item, reason, by_user, at, status, decided_by, decided_at, decision_note"


class PeopleStore(Part):
    # --- users ------------------------------------------------------------------------

    def add_user(self, name: str, role: str, agent: str | None, password_hash: str) -> None:
        """Store a user (a name taken already is left as it is)."""
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO users (name, role, agent, password_hash, created_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                (name, role, agent or None, password_hash, time.time()),
            )

    def user(self, name: str) -> StoredUser | None:
        row = self.db.execute(f"SELECT {_USER} FROM users WHERE name = ?", (name,)).fetchone()
        return StoredUser(*row) if row else None

    def users(self) -> list[StoredUser]:
        rows = self.db.execute(f"SELECT {_USER} FROM users ORDER BY name").fetchall()
        return [StoredUser(*r) for r in rows]

    def remove_user(self, name: str) -> bool:
        """Delete a user (their overrides, appeals and audit rows keep the name); ``False``:
        no such user."""
        cur = self.db.execute("DELETE FROM users WHERE name = ?", (name,))
        return bool(cur.rowcount == 1)

    def set_password_hash(self, name: str, password_hash: str) -> bool:
        cur = self.db.execute(
            "UPDATE users SET password_hash = ? WHERE name = ?", (password_hash, name)
        )
        return bool(cur.rowcount == 1)

    def set_role(self, name: str, role: str, agent: str | None) -> bool:
        cur = self.db.execute(
            "UPDATE users SET role = ?, agent = ? WHERE name = ?", (role, agent or None, name)
        )
        return bool(cur.rowcount == 1)

    def password_hash(self, name: str) -> str | None:
        """The stored hash of the user's password (``None``: no such user)."""
        row = self.db.execute("SELECT password_hash FROM users WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    def user_language(self, name: str) -> str | None:
        """The language the user chose for the app (``None``: none chosen, or no such user)."""
        row = self.db.execute("SELECT language FROM users WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row and row[0] else None

    def set_user_language(self, name: str, language: str | None) -> bool:
        cur = self.db.execute("UPDATE users SET language = ? WHERE name = ?", (language, name))
        return bool(cur.rowcount == 1)

    # --- overrides and final results -------------------------------------------------------

    def lock_call(self, call: int) -> None:
        """Take the call's row lock (PostgreSQL; SQLite's write lock is held already by the
        transaction): overrides of one call queue up."""
        self.db.execute("UPDATE calls SET updated_at = updated_at WHERE id = ?", (call,))

    def override_statuses(self, review: int) -> dict[str, str]:
        """The latest override of each item of a review version: item → status."""
        rows = self.db.execute(
            "SELECT item, to_status FROM overrides WHERE review = ? ORDER BY at, id", (review,)
        ).fetchall()
        return {item: status for item, status in rows}

    def add_override(
        self,
        call: int,
        review: int,
        item: str,
        from_status: str,
        to_status: str,
        note: str,
        by_user: str,
        at: float,
    ) -> int:
        """Record an override; returns its id."""
        row = self.db.execute(
            "INSERT INTO overrides (call, review, item, from_status, to_status, note, by_user, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (call, review, item, from_status, to_status, note, by_user, at),
        ).fetchone()
        return int(row[0])

    def set_final_status(self, review: int, item: str, status: str) -> None:
        """The item's final status in the item index (after an override)."""
        self.db.execute(
            "UPDATE review_items SET final = ? WHERE review = ? AND item = ?",
            (status, review, item),
        )

    def overrides(self, call: int) -> list[Override]:
        """Every override of the call, on any review version, oldest first."""
        rows = self.db.execute(
            "SELECT o.id, o.call, o.review, o.item, o.from_status, o.to_status, o.note, o.by_user, "
            "o.at, r.version FROM overrides o JOIN reviews r ON r.id = o.review "
            "WHERE o.call = ? ORDER BY o.at, o.id",
            (call,),
        ).fetchall()
        return [Override(*r) for r in rows]

    def keep_final(
        self,
        review: int,
        call: int,
        score: float | None,
        band: str | None,
        reviewed_by: str,
        reviewed_at: float,
    ) -> None:
        """Mark a review version reviewed, with its final score and band (replacing an earlier
        mark)."""
        self.db.execute(
            "INSERT INTO review_finals (review, call, score, band, reviewed_by, reviewed_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (review) DO UPDATE SET score = excluded.score, "
            "band = excluded.band, reviewed_by = excluded.reviewed_by, "
            "reviewed_at = excluded.reviewed_at",
            (review, call, score, band, reviewed_by, reviewed_at),
        )

    def kept_final(self, review: int) -> KeptFinal | None:
        """The reviewed mark of a review version (``None``: nobody has reviewed it)."""
        row = self.db.execute(
            "SELECT review, call, score, band, reviewed_by, reviewed_at FROM review_finals "
            "WHERE review = ?",
            (review,),
        ).fetchone()
        return KeptFinal(*row) if row else None

    # --- appeals ----------------------------------------------------------------------

    def open_appeal(self, call: int, item: str) -> int | None:
        """The id of the open appeal of this item of the call, if there is one."""
        row = self.db.execute(
            "SELECT id FROM appeals WHERE call = ? AND item = ? AND status = 'open'", (call, item)
        ).fetchone()
        return int(row[0]) if row else None

    def add_appeal(self, call: int, item: str, reason: str, by_user: str, at: float) -> int:
        """Record an open appeal; returns its id."""
        row = self.db.execute(
            "INSERT INTO appeals (call, item, reason, by_user, at, status) "
            "VALUES (?, ?, ?, ?, ?, 'open') RETURNING id",
            (call, item, reason, by_user, at),
        ).fetchone()
        return int(row[0])

    def decide_appeal(
        self, appeal: int, decision: str, decided_by: str, decided_at: float, note: str
    ) -> bool:
        """Close an open appeal with a decision; ``False`` when it was not open any more."""
        cur = self.db.execute(
            "UPDATE appeals SET status = ?, decided_by = ?, decided_at = ?, decision_note = ? "
            "WHERE id = ? AND status = 'open'",
            (decision, decided_by, decided_at, note, appeal),
        )
        return bool(cur.rowcount == 1)

    def appeal(self, appeal: int) -> Appeal | None:
        row = self.db.execute(f"SELECT {_APPEAL} FROM appeals WHERE id = ?", (appeal,)).fetchone()
        return Appeal(*row) if row else None

    def appeals(self, call: int | None = None, status: str | None = None) -> list[Appeal]:
        """Appeals of one call or all, in one status or any, oldest first."""
        where: list[str] = []
        params: list[Any] = []
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
