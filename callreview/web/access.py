"""``serve --access-log FILE``: one line per request, appended.

    2026-12-07T12:09:16Z 127.0.0.1 rita GET /calls/7 200 5ms

Time (UTC), client address (the proxy's ``X-Forwarded-For`` with ``--proxy-headers``), the
logged-in user (``-``: none), method, path, status, duration. Never the query string (a search
can quote what was said) nor any body: no transcript text reaches the log.
"""

from __future__ import annotations

import threading
import time
from typing import Any, TextIO
from urllib.parse import quote


class AccessLog:
    """ASGI middleware, inside the session middleware (it reads who is logged in)."""

    def __init__(self, app: Any, stream: TextIO) -> None:
        self.app = app
        self.stream = stream
        self._lock = threading.Lock()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        status = 0
        before = (scope.get("session") or {}).get("user")

        async def send_logged(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        finally:
            user = (scope.get("session") or {}).get("user") or before or "-"
            client = scope.get("client")
            line = " ".join(
                (
                    time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    _safe(client[0] if client else "-"),
                    _safe(str(user)),
                    _safe(scope.get("method", "-")),
                    quote(scope.get("path", ""), safe="/"),
                    str(status or 500),
                    f"{(time.monotonic() - started) * 1000:.0f}ms",
                )
            )
            with self._lock:
                self.stream.write(line + "\n")
                self.stream.flush()


def _safe(text: str) -> str:
    """One field: no spaces or control characters (a name cannot forge a log line)."""
    return quote(text, safe="@.:-_") or "-"
