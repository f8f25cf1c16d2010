"""Snapshot what callreview shows, through its CLI only, to compare two trees byte for byte.

Writes into OUT:
* ``score/<set>/<name>.json``: ``callreview score <truth>.json --json`` for every truth
  transcript of ``audio_samples/truth`` and ``eval/truth``;
* ``web/<page>.html``: the reviewer's web app over a store that ``callreview batch`` filled
  with the sample truths, as an admin, a reviewer and an agent see it. What differs between two
  runs by design (CSRF tokens, the times of this run) is replaced by a placeholder.

    python tools/behaviour_snapshot.py /tmp/before      # on the old tree
    python tools/behaviour_snapshot.py /tmp/after       # on the new tree
    diff -r /tmp/before /tmp/after && echo identical
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
USERS = (("admin1", "admin", None), ("rita", "reviewer", None), ("wang", "agent", "A017"))
PASSWORD = "snapshot-password-1"
VOLATILE = [
    (re.compile(r'name="csrf" value="[^"]+"'), 'name="csrf" value="…"'),
    (re.compile(r'(name="csrf-token" content=")[^"]+'), r"\1…"),
    (
        re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"),
        "<time>",
    ),
]


def callreview(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "callreview", *args],
        cwd=cwd,
        input=stdin,
        text=True,
        capture_output=True,
        check=False,
    )


def snapshot_scores(out: Path, work: Path) -> None:
    for folder in (REPO / "audio_samples" / "truth", REPO / "eval" / "truth"):
        target = out / "score" / folder.parent.name
        target.mkdir(parents=True)
        for truth in sorted(folder.glob("*.json")):
            done = callreview("score", str(truth), "--json", str(target / truth.name), cwd=work)
            (target / f"{truth.stem}.exit").write_text(f"{done.returncode}\n{done.stderr}")


def snapshot_web(out: Path, work: Path) -> None:
    db = work / "web.db"
    calls = work / "calls"
    calls.mkdir()
    rows = ["file,agent,call_id,date,direction"]
    for n, truth in enumerate(sorted((REPO / "audio_samples" / "truth").glob("*.json"))):
        shutil.copyfile(truth, calls / truth.name)
        direction = "outbound" if "outbound" in truth.name else "inbound"
        rows.append(
            f"{truth.name},{('A017', 'A020')[n % 2]},C{n:03d},2026-11-{10 + n % 5:02d},{direction}"
        )
    (calls / "manifest.csv").write_text("\n".join(rows) + "\n")
    done = callreview(
        "batch",
        *sorted(str(p) for p in calls.glob("*.json")),
        "--manifest",
        str(calls / "manifest.csv"),
        "--db",
        str(db),
        cwd=work,
    )
    if done.returncode != 0:
        raise SystemExit(f"batch failed: {done.stderr}")
    for name, role, agent in USERS:
        extra = ["--agent-id", agent] if agent else []
        done = callreview(
            "user",
            "add",
            name,
            "--role",
            role,
            *extra,
            "--password-stdin",
            "--db",
            str(db),
            cwd=work,
            stdin=PASSWORD + "\n",
        )
        if done.returncode != 0:
            raise SystemExit(f"user add failed: {done.stderr}")
    server = subprocess.Popen(
        [sys.executable, "-m", "callreview", "serve", "--db", str(db), "--port", "0"],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = _wait_for_address(server)
        (out / "web").mkdir(parents=True)
        for name, _, _ in USERS:
            with httpx.Client(base_url=base, follow_redirects=True, timeout=30) as client:
                _login(client, name)
                pages = ["/queue", "/my", "/agents", "/agreement", "/queue?sort=score&dir=asc"]
                pages += [f"/calls/{n}" for n in range(1, 15)] + [
                    f"/calls/{n}/override" for n in (1, 6)
                ]
                for page in pages:
                    response = client.get(page)
                    _save(out / "web" / f"{name}{_slug(page)}.html", response, work)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for_address(server: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + 60
    assert server.stdout is not None
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        if found := re.search(r"http://127\.0\.0\.1:\d+", line):
            return found.group(0)
        if server.poll() is not None:
            raise SystemExit("serve exited before listening")
    raise SystemExit("serve did not print its address within 60 s")


def _login(client: httpx.Client, name: str) -> None:
    page = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    response = client.post(
        "/login", data={"name": name, "password": PASSWORD, "csrf": token.group(1)}
    )
    assert response.status_code == 200, response.status_code


def _slug(page: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", page)


def _save(path: Path, response: httpx.Response, work: Path) -> None:
    text = f"{response.status_code}\n{response.text}".replace(str(work), "<work>")
    for pattern, placeholder in VOLATILE:
        text = pattern.sub(placeholder, text)
    path.write_text(text)


def main() -> None:
    out = Path(sys.argv[1])
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ["CALLREVIEW_CACHE"] = str(work / "cache")
        snapshot_scores(out, work)
        snapshot_web(out, work)
    print(f"{sum(1 for p in out.rglob('*') if p.is_file())} files in {out}")


if __name__ == "__main__":
    main()
