"""What search shows is masked as the call page masks it: a hit on a turn with a phone number,
an ID or a card (or half of a number said across two turns) shows the labels, never the values,
in `callreview search` and on /search, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.personal import SITE_PATTERNS, VALUES, personal_call
from fixtures.web_client import logged_in
from test_privacy_outputs import config, run

from callreview.jobs.batch import Job, score_job
from callreview.qc.scorecard import load_scorecard
from callreview.review import Reviewer
from callreview.store import CallMeta, open_store
from callreview.team.people import People

QUERIES = ("张先生", "手机", "邮箱", "幺二三四", "保单号")
"""Words of the turns that hold the values (幺二三四 is the second half of a split number)."""


@pytest.fixture
def personal_store(store_url: str, tmp_path: Path) -> str:
    """The bank call scored into a store, with the site's pattern in ./callreview.toml."""
    call = tmp_path / "bank_call.json"
    call.write_text(json.dumps(personal_call(), ensure_ascii=False), encoding="utf-8")
    config(tmp_path)
    with open_store(store_url) as store:
        assert score_job(Reviewer(), store, Job(call, CallMeta(agent="A1"))).status == "scored"
        People(store).add_user("rita", "reviewer", "correct horse 9", None)
    return store_url


def test_search_prints_the_turns_masked(personal_store: str, tmp_path: Path) -> None:
    shown = []
    for query in QUERIES:
        done = run("search", query, "--json", "--db", personal_store, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        shown += [json.loads(line)["text"] for line in done.stdout.splitlines()]
    text = "\n".join(shown)
    assert len(shown) >= 6, text
    for value in VALUES:
        assert value not in text, f"{value!r} in search output"
    for label in ("[手机号]", "[座机号]", "[银行卡号]", "[邮箱]", "[车牌号]", "[保单号]"):
        assert label in text, f"{label} missing from search output"


@pytest.mark.parametrize(
    ("number", "label"), [("11010519491231002X", "[身份证号]"), ("139 1234 5678", "[手机号]")]
)
def test_a_turn_found_by_the_number_itself_shows_only_its_label(
    personal_store: str, tmp_path: Path, number: str, label: str
) -> None:
    done = run("search", number, "--db", personal_store, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert label in done.stdout
    for value in VALUES:
        assert value not in done.stdout


@pytest.mark.parametrize("query", QUERIES)
def test_the_search_page_shows_the_turns_masked(personal_store: str, query: str) -> None:
    from starlette.testclient import TestClient

    from callreview.privacy import site_patterns
    from callreview.web.app import create_app

    with open_store(personal_store) as store:
        app = create_app(store, load_scorecard(None), redaction=site_patterns(SITE_PATTERNS))
        with TestClient(app, follow_redirects=False) as client:
            web = logged_in(lambda _address: client, "rita")
            page = web.get("/search", params={"q": query})
            assert page.status_code == 200
            hits = page.text[page.text.index('<table class="queue hits">') :]
            text = hits.replace("<mark>", "").replace("</mark>", "")
            for value in VALUES:
                assert value not in text, f"{value!r} on /search?q={query}"
