"""Specs of `callreview serve`, `callreview user` and `callreview export --html` as real
subprocesses: a real uvicorn on loopback, raw HTTP for the paths a client would tidy away."""

from __future__ import annotations

import http.client
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fixtures.web_calls import PASSWORD, REPO, XSS, fill_store

from callreview.store import open_store

CLI = [sys.executable, "-m", "callreview"]


def start_server(db: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """`callreview serve --port 0` as a subprocess; returns it and the URL it printed."""
    proc = subprocess.Popen(
        [*CLI, "serve", "--db", str(db), "--port", "0", *args],
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    deadline = time.monotonic() + 60
    lines = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        found = re.search(r"serving .* at (http://\S+) \(Ctrl-C stops\)", line)
        if found:
            return proc, found.group(1)
    proc.kill()
    raise AssertionError("callreview serve did not start: " + "".join(lines))


def stop_server(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    db = folder / "callreview.db"
    with open_store(db) as store:
        ids = fill_store(store, folder)
    proc, url = start_server(db)
    yield url, ids, db
    assert stop_server(proc) == 0


def login(url: str, name: str = "rita") -> httpx.Client:
    client = httpx.Client(base_url=url, follow_redirects=False, timeout=30)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post("/login", data={"csrf": token, "name": name, "password": PASSWORD})
    assert response.status_code == 303, response.text
    return client


def raw_get(url: str, path: str, cookie: str) -> tuple[int, bytes]:
    """GET exactly ``path``, byte for byte (no dot-segment clean-up)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.putrequest("GET", path, skip_accept_encoding=True)
    conn.putheader("Cookie", cookie)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def test_serve_listens_on_loopback_by_default(server):
    url, _, _ = server
    assert url.startswith("http://127.0.0.1:")
    response = httpx.get(url + "/login")
    assert response.status_code == 200
    assert response.headers["x-frame-options"] == "DENY"
    assert "server" not in response.headers


TRAVERSALS = [
    "/audio/../../../../etc/passwd",
    "/audio/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/audio/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/audio/%2e%2e",
    "/audio/1/../../../etc/passwd",
    "/audio/%2fetc%2fpasswd",
    "/static/../../../../etc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_paths_on_the_audio_and_static_endpoints_are_refused(server, path):
    url, _, _ = server
    client = login(url)
    cookie = f"callreview_session={client.cookies['callreview_session']}"
    status, body = raw_get(url, path, cookie)
    assert status == 404
    assert b"root:" not in body


def test_audio_range_over_a_real_server(server):
    url, ids, _ = server
    client = login(url)
    data = (REPO / "audio_samples" / "07_forbidden.flac").read_bytes()
    response = client.get(f"/audio/{ids['07_forbidden']}", headers={"Range": "bytes=500000-"})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes 500000-{len(data) - 1}/{len(data)}"
    assert response.content == data[500000:]


def test_served_call_page_escapes_transcript_text(server):
    url, ids, _ = server
    page = login(url).get(f"/calls/{ids['xss_01_perfect']}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and XSS not in page


def test_serve_refuses_a_port_in_use(server):
    url, _, db = server
    port = urlsplit(url).port
    result = subprocess.run(
        [*CLI, "serve", "--db", str(db), "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"callreview: error: cannot listen on 127.0.0.1:{port} (Address already in use); choose another --port, or stop what uses it"
    )


# --- users ---------------------------------------------------------------------------------


def test_user_add_with_the_password_on_stdin(tmp_path):
    db = tmp_path / "qc.db"
    added = subprocess.run(
        [
            *CLI,
            "user",
            "add",
            "wang",
            "--role",
            "agent",
            "--agent-id",
            "A017",
            "--password-stdin",
            "--db",
            str(db),
        ],
        input="long enough pw\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (added.returncode, added.stdout, added.stderr) == (
        0,
        f"added agent wang (agent A017) to {db}\n",
        "",
    )
    again = subprocess.run(
        [*CLI, "user", "add", "wang", "--role", "reviewer", "--password-stdin", "--db", str(db)],
        input="long enough pw\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (again.returncode, again.stderr) == (
        1,
        f"callreview: error: user wang exists already in {db}; choose another name\n",
    )
    short = subprocess.run(
        [*CLI, "user", "add", "li", "--role", "reviewer", "--password-stdin", "--db", str(db)],
        input="short\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (short.returncode, short.stderr) == (
        1,
        "callreview: error: user li: the password is too short; use at least 8 characters\n",
    )
    listed = subprocess.run(
        [*CLI, "user", "list", "--db", str(db)], capture_output=True, text=True, timeout=60
    )
    assert listed.stdout == "wang\tagent\tA017\n"
    with open_store(db) as store:
        from callreview.team.people import People

        assert People(store).authenticate("wang", "long enough pw").agent == "A017"


def test_user_add_refuses_an_unknown_role(tmp_path):
    result = subprocess.run(
        [
            *CLI,
            "user",
            "add",
            "x",
            "--role",
            "boss",
            "--password-stdin",
            "--db",
            str(tmp_path / "qc.db"),
        ],
        input="long enough pw\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (
        1,
        "callreview: error: user x: unknown role 'boss'; use one of reviewer, supervisor, agent, admin\n",
    )


# --- the static report ---------------------------------------------------------------------


def test_export_html_writes_the_report(server, tmp_path):
    _, ids, db = server
    out = tmp_path / "report"
    result = subprocess.run(
        [*CLI, "export", "--html", str(out), "--db", str(db), "--agent", "A001"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stdout) == (0, f"wrote 3 call pages and an index to {out}\n")
    assert sorted(p.name for p in out.glob("*.html")) == sorted(
        ["index.html"]
        + [f"call-{ids[n]}.html" for n in ("01_perfect", "07_forbidden", "06_hold_no_permission")]
    )


def test_export_html_refuses_a_file_as_the_folder(server, tmp_path):
    _, _, db = server
    target = tmp_path / "report.html"
    target.write_text("x")
    result = subprocess.run(
        [*CLI, "export", "--html", str(target), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stderr) == (
        1,
        f"callreview: error: {target}: is a file; --html takes a folder to write the report into\n",
    )


# --- proxies, the lockout and the access log -----------------------------------------------


@pytest.fixture
def users_only(tmp_path):
    """A store with one reviewer (rita) and no calls."""
    db = tmp_path / "users.db"
    with open_store(db) as store:
        from callreview.team.people import People

        People(store).add_user("rita", "reviewer", PASSWORD)
    return db


def post_login(client: httpx.Client, password: str, forwarded: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    page = client.get("/login", headers=headers).text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"csrf": token, "name": "rita", "password": password}, headers=headers
    )
    return response.status_code


def test_a_forged_x_forwarded_for_does_not_reset_the_lockout(users_only):
    proc, url = start_server(users_only)
    try:
        with httpx.Client(base_url=url, follow_redirects=False, timeout=30) as client:
            for n in range(5):
                assert post_login(client, "guess", forwarded=f"10.0.0.{n}") == 401
            assert post_login(client, PASSWORD, forwarded="10.9.8.7") == 429
    finally:
        assert stop_server(proc) == 0


def access_lines(db: Path, log: Path, *args: str) -> list[str]:
    """Log in as rita through a server started with ``args``, open a search, log out; the
    access log's lines."""
    proc, url = start_server(db, "--access-log", str(log), *args)
    try:
        with httpx.Client(base_url=url, follow_redirects=False, timeout=30) as client:
            forwarded = {"X-Forwarded-For": "10.1.2.3"}
            assert post_login(client, PASSWORD, forwarded="10.1.2.3") == 303
            assert client.get("/queue?q=您好请问", headers=forwarded).status_code == 200
    finally:
        assert stop_server(proc) == 0
    return log.read_text(encoding="utf-8").splitlines()


def fields(line: str) -> list[str]:
    """An access-log line without its time and duration."""
    when, *middle, took = line.split(" ")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", when) and re.fullmatch(r"\d+ms", took)
    return middle


def test_the_access_log_has_a_line_per_request_and_no_query_string(users_only, tmp_path):
    lines = access_lines(users_only, tmp_path / "access.log")
    assert [fields(line) for line in lines] == [
        ["127.0.0.1", "-", "GET", "/login", "200"],
        ["127.0.0.1", "rita", "POST", "/login", "303"],
        ["127.0.0.1", "rita", "GET", "/queue", "200"],
    ]
    assert "您好" not in "".join(lines) and "%E6" not in "".join(lines)


def test_serve_trusts_x_forwarded_for_only_with_proxy_headers(users_only, tmp_path):
    lines = access_lines(users_only, tmp_path / "access.log", "--proxy-headers")
    assert [fields(line)[0] for line in lines] == ["10.1.2.3"] * 3
    other = access_lines(
        users_only,
        tmp_path / "other.log",
        "--proxy-headers",
        "--forwarded-allow-ips",
        "192.0.2.1",
    )
    assert [fields(line)[0] for line in other] == ["127.0.0.1"] * 3  # not a trusted proxy


def test_serve_refuses_forwarded_allow_ips_without_proxy_headers(users_only):
    result = subprocess.run(
        [*CLI, "serve", "--db", str(users_only), "--forwarded-allow-ips", "10.0.0.1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (
        4,
        "callreview: error: --forwarded-allow-ips: trusted only with --proxy-headers; "
        "add it, or drop --forwarded-allow-ips\n",
    )
