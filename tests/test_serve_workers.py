"""`callreview serve --workers 2` as a real subprocess, on SQLite and PostgreSQL: every worker
answers, sessions, log-out, CSRF, the log-in lockout and what a reviewer did hold whichever
worker a request reaches.

Which worker served a connection is read from Linux's /proc (the process holding the server's end
of that TCP connection), so the app carries nothing for the test."""

from __future__ import annotations

import http.client
import os
import re
import sys
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from fixtures.web_calls import PASSWORD, fill_store
from test_web_serve import start_server, stop_server

from callreview.store import open_store

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request, tmp_path_factory):
    """(url, worker pids) of `serve --workers 2` over a filled store on each backend."""
    folder = tmp_path_factory.mktemp("workers")
    if request.param == "sqlite":
        where = str(folder / "web.db")
    else:
        where = request.getfixturevalue("postgres_db")
    with open_store(where) as store:
        fill_store(store, folder)
    proc, url = start_server(where, "--workers", "2")  # type: ignore[arg-type]
    try:
        yield url, _children(proc.pid)
    finally:
        assert stop_server(proc) == 0


@pytest.fixture(scope="module")
def postgres_db():
    """A database of its own on the throwaway server for the module's one server."""
    import uuid

    import psycopg
    from conftest import postgres_admin_url

    admin = postgres_admin_url()
    name = "w_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield admin.rpartition("/")[0] + "/" + name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _children(pid: int) -> set[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return {int(p) for p in text.split()}


def _serving_pid(conn: http.client.HTTPConnection, candidates: set[int]) -> int:
    """The process holding the server's end of ``conn`` (after a request on it)."""
    mine = conn.sock.getsockname()[1]
    server_port = conn.sock.getpeername()[1]
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == mine:
            inode = fields[9]
    assert inode is not None
    for pid in candidates:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    raise AssertionError("no worker holds the connection")


class Browser:
    """One user's cookie jar, sending each request on the connection it is given."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.cookie = ""

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=30)

    def request(
        self,
        conn: http.client.HTTPConnection,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
    ) -> tuple[int, str, dict[str, str]]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        found = re.match(r"([^=]+=[^;]*)", response.getheader("set-cookie") or "")
        if found:
            self.cookie = found.group(1)
        return response.status, text, {k.lower(): v for k, v in response.getheaders()}

    def csrf(self, conn: http.client.HTTPConnection, path: str = "/login") -> str:
        page = self.request(conn, "GET", path)[1]
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)

    def login(self, conn: http.client.HTTPConnection, name: str = "rita") -> None:
        token = self.csrf(conn)
        status = self.request(
            conn, "POST", "/login", {"csrf": token, "name": name, "password": PASSWORD}
        )[0]
        assert status == 303


def per_worker(browser: Browser, workers: set[int]) -> dict[int, http.client.HTTPConnection]:
    """A kept-alive connection to each worker (new connections until every worker has one)."""
    found: dict[int, http.client.HTTPConnection] = {}
    for _ in range(64):
        conn = browser.connect()
        browser.request(conn, "GET", "/login")
        pid = _serving_pid(conn, workers)
        if pid in found:
            conn.close()
        else:
            found[pid] = conn
        if len(found) == 2:
            return found
    raise AssertionError(f"only workers {sorted(found)} answered 64 connections")


def test_serve_workers_answers_from_both_workers(served):
    url, children = served
    browser = Browser(url)
    answered: set[int] = set()
    for _ in range(24):
        conn = browser.connect()
        assert browser.request(conn, "GET", "/login")[0] == 200
        answered.add(_serving_pid(conn, children))
        conn.close()
    # the two workers answered; the third child (the log-in limiter) never does
    assert len(answered) == 2 and answered < children and len(children) == 3


def test_a_session_logged_out_in_one_worker_is_refused_by_the_other(served):
    url, children = served
    browser = Browser(url)
    first, second = per_worker(browser, children).values()
    browser.login(first)
    assert browser.request(second, "GET", "/queue")[0] == 200  # the session, from the store
    token = browser.csrf(second, "/queue")
    assert browser.request(first, "POST", "/logout", {"csrf": token})[0] == 303
    browser.cookie = re.sub(r";.*", "", browser.cookie)
    status, _, headers = browser.request(second, "GET", "/queue")
    assert (status, headers["location"]) == (303, "/login?next=%2Fqueue")


def test_csrf_is_enforced_by_every_worker(served):
    url, children = served
    browser = Browser(url)
    conns = per_worker(browser, children)
    browser.login(next(iter(conns.values())))
    for conn in conns.values():
        assert browser.request(conn, "POST", "/calls/1/confirm", {})[0] == 403
        assert browser.request(conn, "POST", "/calls/1/confirm", {"csrf": "forged"})[0] == 403
    for conn in conns.values():  # the session's own token is taken by either worker
        token = browser.csrf(conn, "/calls/1")
        assert browser.request(conn, "POST", "/calls/1/confirm", {"csrf": token})[0] == 303


def test_a_confirm_in_one_worker_shows_in_the_others_queue_at_once(served):
    url, children = served
    browser = Browser(url)
    first, second = per_worker(browser, children).values()
    browser.login(first)
    before = browser.request(second, "GET", "/queue?reviewed=yes")[1]  # cached in that worker
    assert '">#2</a>' not in before
    token = browser.csrf(first, "/calls/2")
    assert browser.request(first, "POST", "/calls/2/confirm", {"csrf": token})[0] == 303
    after = browser.request(second, "GET", "/queue?reviewed=yes")[1]
    assert '">#2</a>' in after


def test_the_log_in_lockout_holds_across_workers(served):
    url, children = served
    browser = Browser(url)
    conns = list(per_worker(browser, children).values())
    statuses = []
    for n in range(8):  # wrong passwords for sam, alternating between the workers
        conn = conns[n % 2]
        token = browser.csrf(conn)
        form = {"csrf": token, "name": "sam", "password": "wrong"}
        statuses.append(browser.request(conn, "POST", "/login", form)[0])
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}


def test_static_files_are_cached_by_browsers_and_pages_are_not(served):
    url, _ = served
    browser = Browser(url)
    conn = browser.connect()
    status, _, headers = browser.request(conn, "GET", "/static/app.js")
    assert (status, headers["cache-control"]) == (200, "public, max-age=86400")
    assert browser.request(conn, "GET", "/login")[2]["cache-control"] == "no-store"
