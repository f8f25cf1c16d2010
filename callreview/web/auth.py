"""Sessions, CSRF tokens and login rate limiting for the web app.

* **Session**: Starlette's ``SessionMiddleware`` — a cookie signed with itsdangerous
  (HttpOnly, SameSite=Lax; ``Secure`` with ``--secure-cookies`` behind HTTPS) holding the user's
  name, a random session id and a CSRF token. The store keeps a hash of the id
  (:mod:`callreview.store.sessions`), and every request checks it: a session logged out,
  revoked (a new password, a removed user, ``callreview user revoke``), idle longer than the
  idle timeout or older than :data:`SESSION_MAX_AGE_S` is over, whatever cookie the browser
  still holds. The signing secret lives in the store's ``meta`` table
  (``web_session_secret``): every server on one store shares it, and a restart keeps people
  logged in.
* **CSRF**: one random token per session, a hidden field in every form, compared in constant
  time on every POST (login included); a POST without it is refused with 403.
* **Rate limit**: per log-in name, whatever address it comes from: after :data:`MAX_FAILURES`
  failures the name waits :data:`BASE_WAIT_S`, doubling with each further failure up to
  :data:`MAX_WAIT_S`. One address may fail :data:`ADDRESS_FAILURES` times in
  :data:`WINDOW_S` (across names) before it waits too, so it cannot lock out every name. The
  address is the connection's unless ``serve --proxy-headers`` says to trust a proxy's
  ``X-Forwarded-For``. Memory is bounded: the least recently failed are forgotten first.
* **Headers and redirects**: a strict CSP and no framing on every response; after a login,
  only a path on this site is followed.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
import unicodedata
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from callreview.i18n import gettext as _
from callreview.team.users import MAX_NAME

if TYPE_CHECKING:
    from callreview.store import Store

SECRET_KEY = "web_session_secret"
SESSION_COOKIE = "callreview_session"
SESSION_MAX_AGE_S = 12 * 3600
"""A working day: the session ends, and the reviewer logs in again."""
IDLE_MINUTES = 30
"""A session unused this long is over (``web_idle_minutes`` in callreview.toml, ``serve
--idle-minutes``)."""
TOUCH_S = 60.0
"""A session's last use is written at most this often, not on every request."""

MAX_FAILURES = 5
BASE_WAIT_S = 30.0
MAX_WAIT_S = 900.0
FORGET_S = 3600.0
"""A name that has not failed for this long starts again from no failures."""
ADDRESS_FAILURES = 50
WINDOW_S = 300.0
MAX_TRACKED = 10_000
"""Names (and addresses) the limiter remembers at most."""


def session_secret(store: Store) -> str:
    """The store's session-signing secret, made on first use (the first server to ask wins)."""
    return store.meta_value(SECRET_KEY) or store.meta_default(SECRET_KEY, secrets.token_hex(32))


def csrf_token(session: dict[str, Any]) -> str:
    """The session's CSRF token (made on first use)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def csrf_ok(session: dict[str, Any], sent: Any) -> bool:
    expected = session.get("csrf")
    return bool(expected) and isinstance(sent, str) and hmac.compare_digest(str(expected), sent)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    """The sessions of one app, kept in the store: started at log-in, checked on every request,
    ended at log-out."""

    def __init__(
        self,
        store: Store,
        idle_s: float = IDLE_MINUTES * 60,
        max_age_s: float = SESSION_MAX_AGE_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.idle_s = idle_s
        self.max_age_s = max_age_s
        self.clock = clock

    def start(self, session: dict[str, Any], user: str) -> None:
        """A new session for ``user``: a fresh id and CSRF token in the cookie, its hash in the
        store."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        self.store.forget_sessions(now - self.max_age_s)  # no table that only grows
        self.store.add_session(_digest(token), user, now)
        session.clear()
        session["user"] = user
        session["sid"] = token
        csrf_token(session)

    def check(self, session: dict[str, Any]) -> str | None:
        """The user of a live session; a session that is over is cleared (``None``)."""
        token, user = session.get("sid"), session.get("user")
        if not token and not user:
            return None
        stored = self.store.session(_digest(str(token))) if token else None
        now = self.clock()
        if (
            stored is None
            or stored.user != user
            or stored.revoked_at is not None
            or now - stored.last_seen > self.idle_s
            or now - stored.created_at > self.max_age_s
        ):
            session.clear()
            return None
        if now - stored.last_seen >= TOUCH_S:
            self.store.touch_session(_digest(str(token)), now)
        return stored.user

    def end(self, session: dict[str, Any]) -> str | None:
        """Log out: the stored session is revoked (a copy of the cookie is worthless); returns
        whose it was."""
        token, user = session.get("sid"), session.get("user")
        if token:
            self.store.revoke_session(_digest(str(token)), self.clock())
        session.clear()
        return str(user) if user else None


def login_name(name: str) -> str:
    """The name as the limiter counts it: ``Rita``, ``rita `` and fullwidth ``ｒｉｔａ`` are one."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def name_too_long(name: str) -> bool:
    """Longer than any user's name can be: refused before any password is hashed."""
    return len(name) > MAX_NAME


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    until: float = 0.0


def refusal_text(name: str, wait: tuple[str, float] | None) -> str | None:
    """:meth:`LoginLimiter.wait`'s answer as the one line the log-in page shows."""
    if wait is None:
        return None
    if wait[0] == "address":
        return _("Too many failed log-ins from this address; try again in %(wait)s.") % {
            "wait": _human(wait[1])
        }
    return _("Too many failed log-ins for %(name)s; try again in %(wait)s.") % {
        "name": name,
        "wait": _human(wait[1]),
    }


class LoginLimiter:
    """Failed log-ins per name, with exponential backoff, and per address, in this server's
    memory (at most :data:`MAX_TRACKED` of each; one for all workers: :mod:`.workers`)."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        base_wait_s: float = BASE_WAIT_S,
        max_wait_s: float = MAX_WAIT_S,
        address_failures: int = ADDRESS_FAILURES,
        window_s: float = WINDOW_S,
        max_tracked: int = MAX_TRACKED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.base_wait_s = base_wait_s
        self.max_wait_s = max_wait_s
        self.address_failures = address_failures
        self.window_s = window_s
        self.max_tracked = max_tracked
        self.clock = clock
        self._names: OrderedDict[str, _Failures] = OrderedDict()
        self._addresses: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _name(self, name: str, now: float) -> _Failures | None:
        found = self._names.get(login_name(name))
        if found is not None and now - found.last > FORGET_S and now >= found.until:
            del self._names[login_name(name)]
            return None
        return found

    def _address(self, address: str, now: float) -> deque[float]:
        times = self._addresses.get(address) or deque()
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def refusal(self, name: str, address: str) -> str | None:
        """Why this attempt must wait, in one line (``None``: it may try now)."""
        return refusal_text(name, self.wait(name, address))

    def wait(self, name: str, address: str) -> tuple[str, float] | None:
        """What this attempt waits for (``address`` or ``name``) and how many seconds more."""
        now = self.clock()
        with self._lock:
            times = self._address(address, now)
            if len(times) >= self.address_failures:
                return "address", times[-self.address_failures] + self.window_s - now
            found = self._name(name, now)
            if found is not None and found.until > now:
                return "name", found.until - now
        return None

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            key = login_name(name)
            found = self._name(name, now) or _Failures()
            found.count += 1
            found.last = now
            if found.count >= self.max_failures:
                wait = self.base_wait_s * 2 ** (found.count - self.max_failures)
                found.until = now + min(wait, self.max_wait_s)
            _remember(self._names, key, found, self.max_tracked)
            times = self._address(address, now)
            times.append(now)
            _remember(self._addresses, address, times, self.max_tracked)

    def succeeded(self, name: str, address: str) -> None:
        with self._lock:
            self._names.pop(login_name(name), None)

    def tracked(self) -> tuple[int, int]:
        """How many names and addresses it remembers now."""
        with self._lock:
            return len(self._names), len(self._addresses)


def _remember(table: OrderedDict[str, Any], key: str, value: Any, limit: int) -> None:
    """Keep ``value`` as the most recent entry; forget the least recent beyond ``limit``."""
    table[key] = value
    table.move_to_end(key)
    while len(table) > limit:
        table.popitem(last=False)


def _human(seconds: float) -> str:
    if seconds < 60:
        return _("%(num)d s") % {"num": max(1, math.ceil(seconds))}
    return _("%(num)d min") % {"num": math.ceil(seconds / 60)}


def safe_next(target: str | None) -> str:
    """Only a path on this site: ``/calls/5``, never ``//evil.example`` or ``https://…``."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class SecurityHeaders:
    """CSP (no inline script: transcript text can never run), no sniffing, no framing, no
    referrer leaks."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
