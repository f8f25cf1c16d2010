"""Changes to the web app's users after they exist, each kept in the audit trail: add, remove,
a new password, a new role, and ending every session of a user.

Removing a user or changing their password ends their sessions at once (a cookie copied
before works no more); a new role takes effect on their next request, as the app reads the
user from the store on every one.
"""

from __future__ import annotations

import time

from callreview.errors import CallreviewError
from callreview.store import Store
from callreview.team.people import People, User
from callreview.team.users import check_password, check_role, hash_password


class Accounts:
    """User management on one store, done by ``actor`` (``cli:<login>`` from a shell)."""

    def __init__(self, store: Store, actor: str) -> None:
        self.store = store
        self.actor = actor
        self.people = People(store)

    def existing(self, name: str) -> User:
        user = self.people.user(name)
        if user is None:
            raise CallreviewError(
                f"no user {name} in {self.store.where}; see them with: callreview user list"
            )
        return user

    def add(self, name: str, role: str, password: str, agent: str | None = None) -> User:
        user = self.people.add_user(name, role, password, agent)
        self.store.add_audit(
            time.time(),
            self.actor,
            "user_add",
            f"user {user.name}",
            f"role {user.role}" + (f", agent {user.agent}" if user.agent else ""),
        )
        return user

    def remove(self, name: str) -> int:
        """Delete the user and end their sessions; returns how many sessions were live."""
        self.existing(name)
        now = time.time()
        with self.store.transaction():
            if not self.store.remove_user(name):
                raise CallreviewError(f"user {name} was removed by someone else meanwhile")
            ended = self.store.revoke_sessions(name, now)
            self.store.add_audit(now, self.actor, "user_remove", f"user {name}", _ended(ended))
        return ended

    def set_password(self, name: str, password: str) -> int:
        """A new password; every session of the user ends. Returns how many were live."""
        self.existing(name)
        check_password(name, password)
        hashed = hash_password(password)
        now = time.time()
        with self.store.transaction():
            self.store.set_password_hash(name, hashed)
            ended = self.store.revoke_sessions(name, now)
            self.store.add_audit(now, self.actor, "user_passwd", f"user {name}", _ended(ended))
        return ended

    def set_role(self, name: str, role: str, agent: str | None = None) -> User:
        """A new role (an agent needs the agent id their calls carry; other roles have none)."""
        before = self.existing(name)
        check_role(name, role, agent)
        agent = agent if role == "agent" else None
        with self.store.transaction():
            self.store.set_role(name, role, agent)
            self.store.add_audit(
                time.time(),
                self.actor,
                "user_role",
                f"user {name}",
                f"{before.role} → {role}" + (f", agent {agent}" if agent else ""),
            )
        return self.existing(name)

    def revoke(self, name: str) -> int:
        """End every session of the user (they log in again); returns how many were live."""
        self.existing(name)
        now = time.time()
        with self.store.transaction():
            ended = self.store.revoke_sessions(name, now)
            self.store.add_audit(now, self.actor, "sessions_revoked", f"user {name}", _ended(ended))
        return ended


def _ended(count: int) -> str:
    return f"{count} session{'' if count == 1 else 's'} ended"
