"""``/search`` in the real web app (TestClient) on SQLite and PostgreSQL: hits link to the call at
that moment, an agent finds only their own calls, a bad query is a message (never a 500), and
what was said is escaped."""

from __future__ import annotations

import re

import pytest
from conftest import postgres_admin_url
from fixtures.web_app import from_address
from fixtures.web_calls import XSS, copy_store, drop_store
from fixtures.web_client import logged_in

from callreview.qc.scorecard import load_scorecard
from callreview.store import open_store

pytest_plugins = ["fixtures.web_app"]  # the templates fixture: one filled store per backend


@pytest.fixture(params=["sqlite", "postgresql"])
def web(request, templates, tmp_path):
    """(a client factory, the open store, the calls' ids) over a copy of the filled store."""
    from starlette.testclient import TestClient

    from callreview.web.app import create_app

    if request.param == "postgresql":
        postgres_admin_url()  # skips without the throwaway server (fails in CI)
    url, ids = templates(request.param)
    copy = copy_store(request.param, url, tmp_path)
    with open_store(copy) as store:
        app = create_app(store, load_scorecard(None))
        clients: list[TestClient] = []

        def client(address: str = "testclient") -> TestClient:
            c = TestClient(from_address(app, address), follow_redirects=False)
            clients.append(c)
            return c

        yield client, store, ids
        for c in clients:
            c.close()
    drop_store(request.param, copy)


def hit_rows(html: str) -> list[tuple[int, str]]:
    """(call id, the t= of its link) of each hit on a search page."""
    return [(int(c), t) for c, t in re.findall(r'<a href="/calls/(\d+)\?t=([0-9.]+)">#', html)]


def test_search_page_lists_hits_linking_to_the_call_at_that_moment(web):
    make, store, ids = web
    page = logged_in(make, "rita").get("/search", params={"q": "请问"})
    assert page.status_code == 200
    rows = hit_rows(page.text)
    assert rows and "<mark>请问</mark>" in page.text
    call, t = rows[0]
    opened = logged_in(make, "rita").get(f"/calls/{call}", params={"t": t})
    assert opened.status_code == 200
    assert f'src="/audio/{call}#t={t}"' in opened.text  # the player starts there
    marked = re.search(r'<li class="line[^"]*linked[^"]*" data-start="([0-9.]+)"', opened.text)
    assert marked and float(marked.group(1)) == float(t)  # and the turn is marked
    assert 'id="at"' in opened.text
    plain = logged_in(make, "rita").get(f"/calls/{call}")
    assert "linked" not in plain.text.split('<ol class="lines">')[1]


def test_every_page_has_the_search_box(web):
    make, _, _ = web
    client = logged_in(make, "ann")
    for path in ("/my", "/search"):
        assert 'action="/search" role="search"' in client.get(path).text


def test_an_agent_finds_only_their_own_calls_whatever_the_query_says(web):
    make, store, ids = web
    agent_of = {c.id: c.agent for c in store.calls()}
    everyone = hit_rows(logged_in(make, "rita").get("/search", params={"q": "您好"}).text)
    assert {agent_of[c] for c, _ in everyone} >= {"A001", "A002"}
    ann = logged_in(make, "ann")  # agent A001
    for params in ({"q": "您好"}, {"q": "您好", "agent": "A002"}, {"q": "您好", "agent": ""}):
        rows = hit_rows(ann.get("/search", params=params).text)
        assert rows and {agent_of[c] for c, _ in rows} == {"A001"}, params


def test_search_page_filters_by_role_and_date(web):
    make, store, _ = web
    client = logged_in(make, "rita")
    every = hit_rows(client.get("/search", params={"q": "请问"}).text)
    customer = client.get("/search", params={"q": "请问", "role": "customer"}).text
    assert len(hit_rows(customer)) < len(every)
    assert 'class="role r-agent"' not in customer
    late = hit_rows(client.get("/search", params={"q": "请问", "since": "2026-12-01"}).text)
    days = {c.id: c.date for c in store.calls()}
    assert late and all(days[c] >= "2026-12-01" for c, _ in late)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "，。"},
        {"q": '"请问'},
        {"q": "请*"},
        {"q": "a:b"},
        {"q": "(请问)"},
        {"q": "请问 NEAR 您好"},
        {"q": "请问", "since": "2026-13-01"},
        {"q": "请问", "until": "soon"},
        {"q": "请问", "role": "boss"},
    ],
)
def test_a_query_that_cannot_run_is_a_message_on_the_page(web, params):
    make, _, _ = web
    page = logged_in(make, "rita").get("/search", params=params)
    assert page.status_code == 400
    assert '<p class="error" role="alert">' in page.text
    assert not hit_rows(page.text)


def test_hit_text_is_escaped_and_the_match_marked_safely(web):
    make, _, ids = web
    page = logged_in(make, "rita").get("/search", params={"q": "alert"})
    assert page.status_code == 200
    assert XSS not in page.text
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in page.text
