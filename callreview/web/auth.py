"""Sessions, CSRF tokens and login rate limiting for the web app.

* **Session**: Starlette's ``SessionMiddleware`` — a cookie signed with itsdangerous
  (HttpOnly, SameSite=Lax; ``Secure`` with ``--secure-cookies`` behind HTTPS) holding the user's
  name and a CSRF token. The user is read back from the store on every request, so a user
  removed from the store is logged out at once. The signing secret lives in the store's
  ``meta`` table (``web_session_secret``): every server on one store shares it, and a restart
  keeps people logged in.
* **CSRF**: one random token per session, a hidden field in every form, compared in constant
  time on every POST (login included); a POST without it is refused with 403.
* **Rate limit**: :data:`MAX_FAILURES` failed logins for one name from one address within
  :data:`WINDOW_S` seconds lock that pair out until the oldest failure is that old.
* **Headers and redirects**: a strict CSP and no framing on every response; after a login,
  only a path on this site is followed.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from callreview.store import Store

SECRET_KEY = "web_session_secret"
MAX_FAILURES = 5
WINDOW_S = 300.0
SESSION_COOKIE = "callreview_session"
SESSION_MAX_AGE_S = 12 * 3600
"""A working day: the cookie expires, and the reviewer logs in again."""


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


class LoginLimiter:
    """Failed logins per (name, address) in a sliding window, in this server's memory."""

    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = WINDOW_S) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def wait_s(self, name: str, address: str) -> float:
        """Seconds until this name may try again from this address (0: now)."""
        now = time.monotonic()
        with self._lock:
            times = self._recent((name.lower(), address), now)
            if len(times) < self.max_failures:
                return 0.0
            return max(0.0, times[0] + self.window_s - now)

    def failed(self, name: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent((name.lower(), address), now).append(now)
            if len(self._failures) > 10_000:  # a flood of names: forget the quiet ones
                for key in [k for k, v in self._failures.items() if not v]:
                    del self._failures[key]

    def succeeded(self, name: str, address: str) -> None:
        with self._lock:
            self._failures.pop((name.lower(), address), None)


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
