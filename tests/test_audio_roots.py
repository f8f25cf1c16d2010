"""Specs of where ``/audio/<id>`` may read from (issue 29): only inside the recording folders the
store was filled from — the folder of each path the store saw the call at, the folders its
``batch``/``watch`` runs recorded, and ``recording_roots`` — resolved (``..`` and links followed)
before it is checked; anything else is 404 with one log line naming the call. Audio is never
cached; an agent is shown a recording's name, never the server's path."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from fixtures.web_calls import PASSWORD, SAMPLES

from callreview.jobs.batch import Job, score_job
from callreview.names import display
from callreview.qc.scorecard import load_scorecard
from callreview.review import Reviewer
from callreview.store import CallMeta, open_store
from callreview.team.people import People

FLAC = SAMPLES / "01_perfect.flac"


def transcript(folder: Path, name: str, file: str) -> Path:
    """The 01_perfect transcript under ``folder`` with its ``file`` set to ``file``."""
    data = json.loads((SAMPLES / "truth" / "01_perfect.json").read_text(encoding="utf-8"))
    data["file"] = file
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def site(tmp_path):
    """A store filled from ``share/transcripts``; ``elsewhere/`` holds a recording outside it."""
    share = tmp_path / "share" / "transcripts"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copyfile(FLAC, elsewhere / "x.flac")
    share.mkdir(parents=True)
    shutil.copyfile(FLAC, share / "beside.flac")
    store = open_store(tmp_path / "callreview.db")
    People(store).add_user("rita", "reviewer", PASSWORD)
    People(store).add_user("ann", "agent", PASSWORD, "A001")
    yield tmp_path, share, store
    store.close()


def score(store, path: Path) -> int:
    outcome = score_job(Reviewer(), store, Job(path, CallMeta(agent="A001", date="2026-11-16")))
    assert outcome.status == "scored", outcome
    return outcome.call


def client_for(store, name: str, **app_options):
    from starlette.testclient import TestClient

    from callreview.web.app import create_app

    client = TestClient(
        create_app(store, load_scorecard(None), **app_options), follow_redirects=False
    )
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    login = client.post("/login", data={"csrf": token, "name": name, "password": PASSWORD})
    assert login.status_code == 303
    return client


def test_a_transcript_file_that_climbs_out_of_the_recordings_is_404_and_logged(site, capsys):
    _, share, store = site
    call = score(store, transcript(share, "c1", "../../elsewhere/x.flac"))
    client = client_for(store, "ann")
    response = client.get(f"/audio/{call}")
    assert response.status_code == 404
    assert f"The recording of call {call} is not on this machine" in response.text
    assert b"fLaC" not in response.content
    assert "The recording is not on this machine" in client.get(f"/calls/{call}").text
    err = capsys.readouterr().err
    assert (
        f"callreview: the recording of call {call} is outside the recording folders; "
        "not served (add its folder to recording_roots in callreview.toml)"
    ) in err
    assert "elsewhere" not in err


def test_an_absolute_transcript_file_outside_the_recordings_is_404(site):
    root, share, store = site
    call = score(store, transcript(share, "c2", str(root / "elsewhere" / "x.flac")))
    assert client_for(store, "rita").get(f"/audio/{call}").status_code == 404


def test_a_link_inside_the_recordings_that_points_outside_is_404(site):
    root, share, store = site
    os.symlink(root / "elsewhere" / "x.flac", share / "link.flac")
    call = score(store, transcript(share, "c3", "link.flac"))
    assert client_for(store, "rita").get(f"/audio/{call}").status_code == 404


def test_a_recording_beside_its_transcript_is_served_never_cached(site):
    _, share, store = site
    call = score(store, transcript(share, "c4", "beside.flac"))
    response = client_for(store, "ann").get(f"/audio/{call}")
    assert response.status_code == 200
    assert response.content == FLAC.read_bytes()
    assert response.headers["cache-control"] == "no-store"


def test_a_recording_in_a_folder_a_batch_run_recorded_is_served(site):
    root, share, store = site
    call = score(store, transcript(share, "c5", "../../elsewhere/x.flac"))
    run = store.start_run("batch", {"recordings": [str(root / "elsewhere")]})
    store.finish_run(run, 1, 0, 0)
    assert client_for(store, "rita").get(f"/audio/{call}").status_code == 200


def test_a_recording_under_recording_roots_is_served(site):
    root, share, store = site
    call = score(store, transcript(share, "c6", "../../elsewhere/x.flac"))
    client = client_for(store, "rita", recording_roots=[root / "elsewhere"])
    assert client.get(f"/audio/{call}").status_code == 200


def test_the_store_lists_the_recording_folders_its_runs_recorded(fresh_store):
    fresh_store.start_run("batch", {"recordings": ["/srv/a", "/srv/b/one.flac"]})
    fresh_store.start_run("watch", {"recordings": ["/srv/a", "/srv/c"]})
    fresh_store.start_run("rescore", {"since": None, "recordings": ["/not/a/recording/run"]})
    assert fresh_store.recording_folders() == ["/srv/a", "/srv/b/one.flac", "/srv/c"]


def test_an_agent_sees_the_recordings_name_not_the_servers_path(site):
    root, share, store = site
    call = score(store, transcript(share, "c7", "beside.flac"))
    page = client_for(store, "ann").get(f"/calls/{call}").text
    assert "c7.json" in page
    assert str(root) not in page
    assert str(root) in client_for(store, "rita").get(f"/calls/{call}").text


def test_serve_takes_recording_roots_from_callreview_toml(site):
    import httpx
    from test_web_serve import start_server, stop_server

    root, share, store = site
    call = score(store, transcript(share, "c9", "../../elsewhere/x.flac"))
    store.close()
    config = root / "callreview.toml"
    config.write_text(f'recording_roots = ["{root / "elsewhere"}"]\n', encoding="utf-8")
    outcomes = {}
    for name, args in (("without", ()), ("with", ("--config", str(config)))):
        proc, url = start_server(root / "callreview.db", *args)
        try:
            with httpx.Client(base_url=url, follow_redirects=False) as web:
                token = re.search(r'name="csrf" value="([^"]+)"', web.get("/login").text).group(1)
                web.post("/login", data={"csrf": token, "name": "rita", "password": PASSWORD})
                outcomes[name] = web.get(f"/audio/{call}").status_code
        finally:
            stop_server(proc)
    assert outcomes == {"without": 404, "with": 200}


def test_a_recording_with_a_gbk_name_is_served(site):
    root, share, store = site
    call = score(store, transcript(share, "gbk", "gone.flac"))
    gbk = os.path.join(os.fsencode(share), "客户张三".encode("gbk") + b".flac")
    shutil.copyfile(FLAC, gbk)
    store.register(store.call(call).sha256, display(os.fsdecode(gbk)))  # as batch stores it
    response = client_for(store, "rita").get(f"/audio/{call}")
    assert response.status_code == 200
    assert response.content == FLAC.read_bytes()
