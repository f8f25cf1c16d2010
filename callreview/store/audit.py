"""The audit trail as stored: who did what to which call, user or file, and when.

Rows are only added, never changed. ``detail`` says what changed (an item's statuses, a role, a
row count), never transcript text, a note's words or a password.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from callreview.store.part import Part

AUDIT_ACTIONS: tuple[str, ...] = (
    "login",
    "login_failed",
    "logout",
    "override",
    "appeal",
    "decide",
    "confirm",
    "export",
    "user_add",
    "user_remove",
    "user_passwd",
    "user_role",
    "sessions_revoked",
    "unredacted",
    "purge",
    "acknowledge",
    "calibration_start",
    "calibration_submit",
)


@dataclass(frozen=True)
class AuditEntry:
    """One thing a person did."""

    id: int
    at: float
    actor: str
    """Who: a web app user's name, or ``cli:<login>`` for a command run in a shell."""
    action: str
    """One of :data:`AUDIT_ACTIONS`."""
    subject: str
    """What it was done to: ``call 7``, ``appeal 3``, ``user rita``, a file…"""
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "detail": self.detail,
        }


class AuditStore(Part):
    def add_audit(self, at: float, actor: str, action: str, subject: str, detail: str = "") -> None:
        """Add a row (inside the caller's transaction when there is one: it stands or falls with
        what it records)."""
        self.db.execute(
            "INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            (at, actor, action, subject, detail),
        )

    def audit(
        self,
        since: float | None = None,
        until: float | None = None,
        actor: str | None = None,
        action: str | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        """Rows at or after ``since`` and before ``until`` (Unix times), by one actor, of one
        action, newest first."""
        where: list[str] = []
        params: list[Any] = []
        for clause, value in (
            ("at >= ?", since),
            ("at < ?", until),
            ("actor = ?", actor),
            ("action = ?", action),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        sql = (
            "SELECT id, at, actor, action, subject, detail FROM audit"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY at DESC, id DESC"
            + (f" LIMIT {int(limit)}" if limit is not None else "")
        )
        return [AuditEntry(*r) for r in self.db.execute(sql, params).fetchall()]
