"""``callreview serve``: the reviewer's web app, a view over the results store.

    store ─People─▶ queue · call (player, transcript, evidence, say instead) · override · appeal
                    agents (weekly trend) · agreement (kappa) · my calls        ─Jinja2─▶ HTML

Server-rendered (Starlette + Jinja2 with autoescape, on uvicorn), a few lines of vanilla
JavaScript (``static/app.js``: click a line to hear it, space, j/k), no front-end build:
``pip install`` is the whole install. Nothing here scores a call: the final score after
an override is the scorecard's (:mod:`callreview.team.people`). The same templates write the
static report (:mod:`callreview.web.report`).
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from callreview.errors import CallreviewError
from callreview.privacy import Rules

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from callreview.qc.scorecard import Scorecard
    from callreview.store import Store
    from callreview.web.auth import LoginLimiter

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


@dataclass(frozen=True)
class ServeOptions:
    """How ``serve`` meets the network: cookies, the proxy in front of it, sessions, its log."""

    secure_cookies: bool = False
    proxy_headers: bool = False
    """Trust ``X-Forwarded-For`` (the client's address) from :attr:`forwarded_allow_ips`; off,
    the address is the connection's, so a forged header changes nothing."""
    forwarded_allow_ips: str = "127.0.0.1"
    """The proxies (comma-separated addresses or networks, ``*`` for any) trusted with it."""
    idle_minutes: int = 30
    access_log: Path | None = None
    """Append one line per request here (no query strings, no transcript text)."""
    recording_roots: tuple[str, ...] = ()
    """Folders audio may be served from besides those the store was filled from."""
    redaction: Rules = Rules()
    """The site's own patterns to mask besides the built-in kinds (``redact_patterns``)."""
    redact_audio: bool = False
    """Play recordings with their masked stretches silenced (``web_redact_audio``)."""
    language: str = "en"
    """The site's language (``ui_language``, else the lexicon's) where neither the user nor the
    browser chose one."""


def serve(
    store: Store,
    scorecard: Scorecard,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    options: ServeOptions = ServeOptions(),
    ready: Callable[[str], None] | None = None,
    debug: bool = False,
) -> None:
    """Run the app in this process until interrupted; ``ready`` gets the URL once the socket
    listens (several processes: :func:`callreview.web.workers.serve_workers`)."""
    with access_log_stream(options.access_log) as log:
        app = app_for(store, scorecard, options, debug, log)
        sock = listen(host, port)
        if ready:
            ready(url_of(host, sock))
        uvicorn_server(app, options).run(sockets=[sock])


def app_for(
    store: Store,
    scorecard: Scorecard,
    options: ServeOptions,
    debug: bool,
    log: TextIO | None,
    limiter: LoginLimiter | None = None,
) -> Starlette:
    """The ASGI app ``serve`` runs over ``store`` (``limiter``: one shared by several workers)."""
    # the server and the app load only to serve: importing callreview.web (the report) stays light
    from callreview.web.app import create_app

    return create_app(
        store,
        scorecard,
        options.secure_cookies,
        debug,
        options.idle_minutes,
        log,
        recording_roots=options.recording_roots,
        redaction=options.redaction,
        redact_audio=options.redact_audio,
        language=options.language,
        limiter=limiter,
    )


def listen(
    host: str, port: int, reuse_port: bool = False, backlog: int | None = 2048
) -> socket.socket:
    """A socket listening on ``host:port`` (port 0: any free one); ``reuse_port``: one of several
    processes' sockets on the same port, the kernel sharing the connections out among them;
    ``backlog`` ``None``: bound only."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on such sockets; without it a kept-alive
    # connection waits on each response (Nagle against the client's delayed ACK)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise CallreviewError(
            f"cannot listen on {host}:{port} ({err.strerror}); "
            "choose another --port, or stop what uses it"
        ) from None
    if backlog is not None:
        sock.listen(backlog)  # before ``ready``: a client told the URL is queued, never refused
    return sock


def url_of(host: str, sock: socket.socket) -> str:
    return f"http://{'[' + host + ']' if ':' in host else host}:{sock.getsockname()[1]}"


def uvicorn_server(app: Starlette, options: ServeOptions):
    """uvicorn's server for the app, configured as ``serve`` meets the network."""
    import uvicorn  # as in app_for(): only to serve

    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,  # ours (--access-log) leaves out query strings
        lifespan="off",
        server_header=False,
        # uvicorn trusts X-Forwarded-For from loopback by default: only when told here
        proxy_headers=options.proxy_headers,
        forwarded_allow_ips=options.forwarded_allow_ips,
    )
    return _server_class()(config)


@contextlib.contextmanager
def access_log_stream(path: Path | None) -> Iterator[TextIO | None]:
    """``--access-log``'s file, opened for appending (``None``: no log)."""
    if path is None:
        yield None
        return
    try:
        stream = open(path, "a", encoding="utf-8")  # appended: a log, not an output file
    except OSError as err:
        raise CallreviewError(
            f"{path}: cannot open the access log ({err.strerror}); "
            "check the folder exists and may be written"
        ) from None
    with stream:
        yield stream


def _server_class():
    import uvicorn  # as in serve(): only to serve

    class Server(uvicorn.Server):
        """uvicorn's server, stopped by SIGINT or SIGTERM with exit 0 (as ``watch`` is), not
        re-raising the signal."""

        @contextlib.contextmanager
        def capture_signals(self):
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            previous = {
                sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)
            }
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return Server
