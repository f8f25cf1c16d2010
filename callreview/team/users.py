"""Who may do what: the four roles, a user as the web app and the CLI see them, the refusals,
and the passwords (kept as argon2 hashes only; the store keeps the hash, never the password).

    reviewer   overrides items, marks calls reviewed           sees every call
    supervisor the same, and decides agents' appeals           sees every call
    agent      appeals items of their own calls                sees their own calls
    admin      manages users                                   sees every call
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from callreview.errors import CallreviewError

if TYPE_CHECKING:
    from callreview.store import StoredCall, StoredUser

Role = Literal["reviewer", "supervisor", "agent", "admin"]
ROLES: tuple[Role, ...] = ("reviewer", "supervisor", "agent", "admin")
MIN_PASSWORD = 8
MAX_NAME = 64
"""A log-in name's longest: a longer one is refused before any password is hashed."""
_NAME = re.compile(rf"^[\w.@-]{{1,{MAX_NAME}}}$")


class NotAllowed(CallreviewError):
    """The user's role (or the call's agent) does not allow what was asked; the web app answers
    403."""


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

    @classmethod
    def of(cls, stored: StoredUser) -> User:
        return cls(stored.id, stored.name, cast(Role, stored.role), stored.agent, stored.created_at)

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


def check_new_user(name: str, role: str, password: str, agent: str | None) -> None:
    """Refuse a user the team cannot work with: a bad name, an unknown role, an agent without
    the agent id their calls carry, a short password."""
    if not _NAME.match(name or ""):
        raise CallreviewError(
            f"user name {name!r}: use 1-64 letters, digits or . _ @ - (no spaces)"
        )
    check_role(name, role, agent)
    check_password(name, password)


def check_role(name: str, role: str, agent: str | None) -> None:
    """A known role; an agent with the agent id their calls carry."""
    if role not in ROLES:
        raise CallreviewError(f"user {name}: unknown role {role!r}; use one of {', '.join(ROLES)}")
    if role == "agent" and not agent:
        raise CallreviewError(
            f"user {name}: an agent needs --agent-id, the agent id their calls carry in the store"
        )


def check_password(name: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise CallreviewError(
            f"user {name}: the password is too short; use at least {MIN_PASSWORD} characters"
        )


# --- passwords ------------------------------------------------------------------------

_hasher: PasswordHasher | None = None


def _argon() -> PasswordHasher:
    global _hasher
    if _hasher is None:
        _hasher = PasswordHasher()
    return _hasher


def hash_password(password: str) -> str:
    return _argon().hash(password)


def verify_password(hashed: str, password: str) -> bool:
    try:
        return _argon().verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH: str | None = None


def burn_time(password: str) -> None:
    """Verify against a throwaway hash, so an unknown user name takes as long as a wrong
    password."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not a password of anyone")
    verify_password(_DUMMY_HASH, password)
