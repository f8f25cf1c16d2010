"""The web app's sessions as stored: one row per log-in, keyed by a hash of the random id its
cookie carries (a copy of the store gives no live session), ended by a revocation.

Whether a session is still good (idle too long, too old) is the web app's rule
(:mod:`callreview.web.auth`); the store keeps the rows and revokes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from callreview.store.part import Part


@dataclass(frozen=True)
class StoredSession:
    """One log-in of a user of the web app."""

    id: int
    user: str
    created_at: float
    last_seen: float
    """When it was last used (written at most once a minute or so, not on every request)."""
    revoked_at: float | None


_SESSION = "id, user_name, created_at, last_seen, revoked_at"


class SessionStore(Part):
    def add_session(self, token_hash: str, user: str, now: float) -> None:
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO sessions (token_hash, user_name, created_at, last_seen) "
                "VALUES (?, ?, ?, ?)",
                (token_hash, user, now, now),
            )

    def session(self, token_hash: str) -> StoredSession | None:
        row = self.db.execute(
            f"SELECT {_SESSION} FROM sessions WHERE token_hash = ?", (token_hash,)
        ).fetchone()
        return StoredSession(*row) if row else None

    def touch_session(self, token_hash: str, now: float) -> None:
        """Note that the session was used now."""
        self.db.execute(
            "UPDATE sessions SET last_seen = ? WHERE token_hash = ? AND revoked_at IS NULL",
            (now, token_hash),
        )

    def revoke_session(self, token_hash: str, now: float) -> bool:
        """End one session; ``False`` when it was ended already (or never was)."""
        cur = self.db.execute(
            "UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
            (now, token_hash),
        )
        return bool(cur.rowcount == 1)

    def revoke_sessions(self, user: str, now: float) -> int:
        """End every session of the user; returns how many were live."""
        cur = self.db.execute(
            "UPDATE sessions SET revoked_at = ? WHERE user_name = ? AND revoked_at IS NULL",
            (now, user),
        )
        return int(cur.rowcount)

    def live_sessions(self, user: str) -> list[StoredSession]:
        """The user's sessions not revoked, newest first (some may be idle past the limit)."""
        rows = self.db.execute(
            f"SELECT {_SESSION} FROM sessions WHERE user_name = ? AND revoked_at IS NULL "
            "ORDER BY created_at DESC, id DESC",
            (user,),
        ).fetchall()
        return [StoredSession(*r) for r in rows]

    def forget_sessions(self, last_seen_before: float) -> int:
        """Delete the sessions nobody has used since then (revoked or not): the table stays
        small."""
        cur = self.db.execute("DELETE FROM sessions WHERE last_seen < ?", (last_seen_before,))
        return int(cur.rowcount)
