"""Specs of the web app's HTTP side through Starlette's TestClient: log-in, sessions, CSRF,
roles (403), the audio endpoint's Range requests, escaping, the agreement page, and the static
report written with the same templates. A real server and a real browser: test_web_serve.py,
test_web_browser.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fixtures.web_calls import PASSWORD, REPO, XSS, copy_store, drop_store

from callreview.qc.scorecard import load_scorecard
from callreview.store import open_store
from callreview.team.people import People

pytest_plugins = ["fixtures.web_app"]  # the templates fixture: one filled store per backend


@pytest.fixture
def backend() -> str:
    """The app's specs run on SQLite; the people specs (test_web_people.py) cover both backends,
    and test_the_app_on_postgresql runs the web flow on PostgreSQL."""
    return "sqlite"


@pytest.fixture
def web(templates, backend, tmp_path):
    """(TestClient factory, store, ids) over a fresh copy of the filled store."""
    from starlette.testclient import TestClient

    from callreview.web.app import create_app

    kind = backend
    url, ids = templates(kind)
    copy = copy_store(kind, url, tmp_path)
    with open_store(copy) as store:
        app = create_app(store, load_scorecard(None))
        clients: list[TestClient] = []

        def client() -> TestClient:
            c = TestClient(app, follow_redirects=False)
            clients.append(c)
            return c

        yield client, store, ids
        for c in clients:
            c.close()
    drop_store(kind, copy)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client, name: str, password: str = PASSWORD):
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login", data={"csrf": token, "name": name, "password": password, "next": ""}
    )


def logged_in(web, name: str):
    make, _, _ = web
    client = make()
    response = login(client, name)
    assert response.status_code == 303, response.text
    return client


def page_csrf(client, url: str) -> str:
    return csrf_of(client.get(url).text)


def rows(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<tr class="call-row" data-call="(\d+)"', html)]


# --- log-in and sessions -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/queue", "/calls/1", "/agents", "/agreement", "/my"])
def test_pages_send_a_visitor_to_the_login(web, path):
    make, _, _ = web
    response = make().get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_audio_needs_a_login(web):
    make, _, ids = web
    assert make().get(f"/audio/{ids['01_perfect']}").status_code == 401


def test_login_sets_a_signed_httponly_samesite_cookie(web):
    make, _, _ = web
    client = make()
    response = login(client, "rita")
    assert (response.status_code, response.headers["location"]) == (303, "/queue")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("callreview_session=")
    assert (
        "httponly" in cookie.lower()
        and "samesite=lax" in cookie.lower()
        and "secure" not in cookie.lower()
    )
    assert "Max-Age=43200" in cookie
    assert client.get("/queue").status_code == 200
    # a cookie changed by hand is not a session
    value = client.cookies["callreview_session"]
    forger = make()
    forger.cookies.set("callreview_session", value)
    assert forger.get("/queue").status_code == 200
    forger.cookies.clear()
    forger.cookies.set(
        "callreview_session", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    )
    assert forger.get("/queue").status_code == 303


def test_an_agent_lands_on_their_own_calls(web):
    make, _, ids = web
    client = make()
    assert login(client, "ann").headers["location"] == "/my"
    assert rows(client.get("/my").text) == [
        ids["06_hold_no_permission"],
        ids["07_forbidden"],
        ids["01_perfect"],
    ]


def test_login_with_a_wrong_password_is_refused(web):
    make, _, _ = web
    response = login(make(), "rita", "not the password")
    assert response.status_code == 401
    assert "Wrong name or password." in response.text


def test_login_is_rate_limited_per_name(web):
    make, _, _ = web
    client = make()
    for _ in range(5):
        assert login(client, "rita", "guess").status_code == 401
    locked = login(client, "rita")  # the right password, too late
    assert locked.status_code == 429
    assert "Too many failed log-ins for rita; try again in 30 s." in locked.text
    assert login(make(), "sam").status_code == 303  # another name is not locked


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(web):
    make, _, ids = web
    client = make()
    token = csrf_of(client.get("/login").text)
    ok = client.post(
        "/login",
        data={
            "csrf": token,
            "name": "rita",
            "password": PASSWORD,
            "next": f"/calls/{ids['07_forbidden']}",
        },
    )
    assert ok.headers["location"] == f"/calls/{ids['07_forbidden']}"
    other = make()
    token = csrf_of(other.get("/login").text)
    evil = other.post(
        "/login",
        data={"csrf": token, "name": "rita", "password": PASSWORD, "next": "//evil.example/x"},
    )
    assert evil.headers["location"] == "/queue"


# --- CSRF ----------------------------------------------------------------------------------


def test_a_post_without_the_csrf_token_is_refused(web):
    make, store, ids = web
    call = ids["02_no_greeting"]
    assert make().post("/login", data={"name": "rita", "password": PASSWORD}).status_code == 403
    client = logged_in(web, "rita")
    form = {"item": "greeting", "status": "pass", "note": "heard it"}
    refused = client.post(f"/calls/{call}/override", data=form)
    assert refused.status_code == 403
    assert "missing CSRF token" in refused.text
    assert (
        client.post(f"/calls/{call}/override", data={**form, "csrf": "forged"}).status_code == 403
    )
    assert client.post(f"/calls/{call}/confirm", data={}).status_code == 403
    assert client.post("/logout", data={}).status_code == 403
    assert People(store).history(call) == []
    # the same form with the session's token goes through
    ok = client.post(
        f"/calls/{call}/override", data={**form, "csrf": page_csrf(client, f"/calls/{call}")}
    )
    assert ok.status_code == 303


# --- roles -----------------------------------------------------------------------------------


def test_an_agent_gets_403_for_another_agents_call_and_for_the_override_form(web):
    make, store, ids = web
    client = logged_in(web, "ann")
    token = page_csrf(client, "/my")
    other, own = ids["02_no_greeting"], ids["07_forbidden"]
    assert client.get(f"/calls/{other}").status_code == 403
    assert "belongs to another agent" in client.get(f"/calls/{other}").text
    assert client.get(f"/audio/{other}").status_code == 403
    assert client.get(f"/calls/{own}/override?item=forbidden").status_code == 403
    assert (
        client.post(
            f"/calls/{own}/override",
            data={"csrf": token, "item": "forbidden", "status": "pass", "note": "mine"},
        ).status_code
        == 403
    )
    assert client.post(f"/calls/{own}/confirm", data={"csrf": token}).status_code == 403
    for path in ("/queue", "/agents", "/agreement"):
        assert client.get(path).status_code == 403
    assert client.get(f"/calls/{own}").status_code == 200
    assert client.get(f"/audio/{own}").status_code == 200
    assert People(store).history(own) == []


def test_only_a_supervisor_decides_an_appeal(web):
    make, store, ids = web
    call = ids["07_forbidden"]
    ann = logged_in(web, "ann")
    filed = ann.post(
        f"/calls/{call}/appeal",
        data={
            "csrf": page_csrf(ann, f"/calls/{call}"),
            "item": "forbidden",
            "reason": "said of the system",
        },
    )
    assert filed.status_code == 303
    appeal = People(store).appeals(call)[0]
    rita = logged_in(web, "rita")
    form = {
        "csrf": page_csrf(rita, f"/calls/{call}"),
        "decision": "overturned",
        "note": "ok",
        "status": "pass",
    }
    assert rita.post(f"/appeals/{appeal.id}/decide", data=form).status_code == 403
    assert 'name="decision"' not in rita.get(f"/calls/{call}").text
    sam = logged_in(web, "sam")
    page = sam.get(f"/calls/{call}").text
    assert 'name="decision"' in page
    decided = sam.post(f"/appeals/{appeal.id}/decide", data={**form, "csrf": csrf_of(page)})
    assert decided.status_code == 303
    assert People(store).appeal(appeal.id).status == "overturned"
    assert ">overturned<" in sam.get(f"/calls/{call}").text


# --- the call page and the override --------------------------------------------------------


def test_override_through_the_app_shows_both_results_and_the_history(web):
    make, store, ids = web
    call = ids["02_no_greeting"]
    client = logged_in(web, "rita")
    form = client.get(f"/calls/{call}/override?item=greeting")
    assert form.status_code == 200
    done = client.post(
        f"/calls/{call}/override",
        data={
            "csrf": csrf_of(form.text),
            "item": "greeting",
            "status": "pass",
            "note": "您好 heard <b>late</b>",
        },
    )
    assert done.headers["location"] == f"/calls/{call}#item-greeting"
    page = client.get(f"/calls/{call}").text
    assert '<span class="big" id="final-score">100.0</span>' in page
    assert "automatic 75.0 · 不合格" in page
    assert "Greeting 开头语: fail → pass; score 75.0 → 100.0" in page  # the flash
    assert "您好 heard &lt;b&gt;late&lt;/b&gt;" in page  # the note is text
    assert re.search(r'<tr class="change">.*?rita.*?FAIL.*?PASS.*?v1', page, re.S)
    assert store.kept_final(store.call(call).review_id).score == 100.0
    assert store.call(call).score == 75.0


def test_override_without_a_note_shows_the_form_again(web):
    _, store, ids = web
    call = ids["02_no_greeting"]
    client = logged_in(web, "rita")
    token = page_csrf(client, f"/calls/{call}")
    response = client.post(
        f"/calls/{call}/override",
        data={"csrf": token, "item": "greeting", "status": "pass", "note": " "},
    )
    assert response.status_code == 400
    assert "a note saying why is required for an override" in response.text
    assert People(store).history(call) == []


def test_the_call_page_shows_evidence_transcript_and_say_instead(web):
    _, _, ids = web
    client = logged_in(web, "rita")
    page = client.get(f"/calls/{ids['07_forbidden']}").text
    assert (
        '<audio id="player" controls preload="metadata" src="/audio/{}">'.format(
            ids["07_forbidden"]
        )
        in page
    )
    assert re.search(
        r'<li class="moment bad" data-start="22.57" data-end="24.89"[^>]*>.*?「这不可能，今天的车已经走了。」.*?forbidden: 这不可能',
        page,
        re.S,
    )
    assert "「这不可能」 → 我一定尽力" in page  # the lexicon's suggestion
    assert '<li class="line r-agent ev" data-start="22.575"' in page
    segments = json.loads(
        (REPO / "audio_samples" / "truth" / "07_forbidden.json").read_text(encoding="utf-8")
    )["segments"]
    assert page.count('class="line r-') == len(segments)


def test_a_transcript_with_a_script_tag_renders_as_text(web):
    _, _, ids = web
    client = logged_in(web, "rita")
    response = client.get(f"/calls/{ids['xss_01_perfect']}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert XSS not in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


def _score_sample(store, folder: Path, sample: str, name: str, change=None) -> int:
    """Score a sample's transcript into the store (``change`` edits its JSON first); returns the call id."""
    from fixtures.web_calls import transcript_file

    from callreview.jobs.batch import Job, score_job
    from callreview.review import Reviewer
    from callreview.store import CallMeta

    path = transcript_file(folder, sample, name)
    if change is not None:
        data = json.loads(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    outcome = score_job(Reviewer(), store, Job(path, CallMeta(agent="A003", date="2026-12-04")))
    assert outcome.status == "scored", outcome
    return outcome.call


def _article(page: str, name: str) -> str:
    return re.search(
        rf'<article class="item metric [^"]*" id="metric-{name}">(.*?)</article>', page, re.S
    ).group(1)


def test_the_call_page_shows_how_the_agent_spoke_with_each_fault_its_time_quotes_and_advice(
    web, tmp_path
):
    from callreview.cli.render import clock
    from callreview.web.report import write_report

    _, store, _ = web
    call = _score_sample(store, tmp_path, "14_interrupt_fast", "14_interrupt_fast")
    metrics = store.call(call).review["metrics"]
    [cut] = metrics["interruptions"]["faults"]
    customer, agent = cut["evidence"]
    [fast] = metrics["speech_rate"]["faults"]
    [silence] = metrics["dead_air"]["faults"]
    client = logged_in(web, "rita")
    page = client.get(f"/calls/{call}").text
    assert (
        page.index('aria-label="Checklist"')
        < page.index("How the agent spoke 表达")
        < page.index('aria-label="Transcript"')
    )
    assert re.findall(r'id="metric-(\w+)"', page) == [
        "speech_rate",
        "interruptions",
        "dead_air",
        "talk_ratio",
    ]
    interruptions = _article(page, "interruptions")
    assert (
        '<span class="pill s-info"' in interruptions
        and "<h3>Interruptions 抢话</h3>" in interruptions
    )
    assert metrics["interruptions"]["backchannels"] == 1  # 对对，好的 while the customer talked
    assert (
        f'<p class="summary">{metrics["interruptions"]["count"]} (1 back-channel while the customer talked, not counted)</p>'
        in interruptions
    )
    assert re.search(
        rf'<li class="moment bad fault" data-start="{cut["start"]}" data-end="{cut["end"]}"[^>]*>\s*'
        rf'<a class="t" href="#t={cut["start"]}" title="A link to this moment">{clock(cut["start"])}</a>'
        rf'\s*<span class="what">talked over the customer for {cut["seconds"]:.1f} s</span>.*?'
        rf'<span class="said" data-start="{customer["start"]}"[^>]*><span class="role r-customer">customer</span> <span class="quote">「{customer["text"]}」</span>.*?'
        rf'<span class="said" data-start="{agent["start"]}"[^>]*><span class="role r-agent">agent</span> <span class="quote">「{agent["text"]}」</span>',
        interruptions,
        re.S,
    )
    assert (
        "<b>Do instead 建议</b>" in interruptions and "<li>请等客户说完再回应</li>" in interruptions
    )
    rate = _article(page, "speech_rate")
    assert (
        f'data-start="{fast["start"]}"' in rate
        and f"「{fast['evidence'][0]['text']}」" in rate
        and "<li>请放慢语速</li>" in rate
    )
    dead = _article(page, "dead_air")
    assert (
        f'<a class="t" href="#t={silence["start"]}" title="A link to this moment">'
        f"{clock(silence['start'])}</a>"
        in dead
        and f"{silence['seconds']:.0f} s of silence after the customer" in dead
    )
    assert "Do instead" not in _article(page, "talk_ratio")  # no fault, no advice
    segments = json.loads(
        (REPO / "audio_samples" / "truth" / "14_interrupt_fast.json").read_text(encoding="utf-8")
    )["segments"]
    cut_into = next(seg for seg in segments if customer["text"] in seg["text"])
    assert (
        f'<li class="line r-customer ev" data-start="{cut_into["start"]}"' in page
    )  # the turn cut into is marked in the transcript
    # the static report shows the same panel
    folder = tmp_path / "report"
    write_report(store, load_scorecard(None), folder)
    static = (folder / f"call-{call}.html").read_text(encoding="utf-8")
    assert _article(static, "interruptions") == interruptions


def test_a_quote_with_a_script_tag_in_how_the_agent_spoke_renders_as_text(web, tmp_path):
    _, store, _ = web

    def inject(data):
        turn = next(s for s in data["segments"] if "运费都是商家出的" in s["text"])
        turn["text"] = turn["text"].replace("商家出的", "商家出的" + XSS)

    call = _score_sample(store, tmp_path, "14_interrupt_fast", "xss_14", inject)
    [cut] = store.call(call).review["metrics"]["interruptions"]["faults"]
    assert XSS in cut["evidence"][0]["text"]  # the review quotes it as heard
    page = logged_in(web, "rita").get(f"/calls/{call}").text
    assert (
        "「我之前在别家退货的时候，运费都是商家出的&lt;script&gt;alert(1)&lt;/script&gt;。」"
        in _article(page, "interruptions")
    )
    assert XSS not in page


# --- audio -----------------------------------------------------------------------------------


def test_audio_answers_range_requests_with_206_and_the_exact_bytes(web):
    _, _, ids = web
    client = logged_in(web, "rita")
    call = ids["01_perfect"]
    data = (REPO / "audio_samples" / "01_perfect.flac").read_bytes()
    whole = client.get(f"/audio/{call}")
    assert (whole.status_code, whole.headers["content-type"], whole.headers["accept-ranges"]) == (
        200,
        "audio/flac",
        "bytes",
    )
    assert whole.content == data
    part = client.get(f"/audio/{call}", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(data)}"
    assert part.content == data[1000:2000]
    tail = client.get(f"/audio/{call}", headers={"Range": "bytes=-100"})
    assert (tail.status_code, tail.content) == (206, data[-100:])
    beyond = client.get(f"/audio/{call}", headers={"Range": f"bytes={len(data) + 10}-"})
    assert beyond.status_code == 416


@pytest.mark.parametrize(
    "path", ["/audio/%2e%2e", "/audio/1.flac", "/audio/-1", "/audio/etc%2fpasswd", "/audio/9999"]
)
def test_audio_takes_a_known_call_id_only(web, path):
    """Raw ../ paths (which an HTTP client tidies away) go to a real server: test_web_serve.py."""
    client = logged_in(web, "rita")
    response = client.get(path)
    assert response.status_code == 404
    assert b"root:" not in response.content


# --- the queue, figures, agreement -----------------------------------------------------------


def test_queue_page_filters_sorts_and_refuses_bad_filters(web):
    _, _, ids = web
    client = logged_in(web, "rita")
    assert rows(client.get("/queue?agent=A002&sort=id&dir=asc").text) == [
        ids["02_no_greeting"],
        ids["04_name_zero"],
        ids["09_no_closing"],
    ]
    assert rows(client.get("/queue?failed=hold&sort=score&dir=asc").text) == [
        ids["06_hold_no_permission"],
        ids["12_hold_no_thanks"],
        ids["13_two_holds"],
    ]
    assert rows(client.get("/queue?since=2026-12-01&until=2026-12-02&sort=date&dir=asc").text) == [
        ids["06_hold_no_permission"],
        ids["09_no_closing"],
    ]
    bad = client.get("/queue?since=yesterday")
    assert (
        bad.status_code == 400
        and "since: &#39;yesterday&#39; is not a date; use YYYY-MM-DD" in bad.text
    )


def test_agents_page_lists_each_agent_with_a_trend_chart(web):
    client = logged_in(web, "sam")
    page = client.get("/agents").text
    assert page.count('<polyline class="series') == 3
    assert re.search(r'<a href="/queue\?agent=A001">A001</a></td>\s*<td class="num">3</td>', page)


def test_agreement_page_shows_the_hand_computed_figures(web):
    _, store, ids = web
    people = People(store)
    rita = people.user("rita")
    for name in (
        "01_perfect",
        "07_forbidden",
        "06_hold_no_permission",
        "04_name_zero",
        "12_hold_no_thanks",
        "02_no_greeting",
    ):
        people.confirm(ids[name], rita)
    for name in ("09_no_closing", "13_two_holds"):
        people.override(ids[name], "greeting", "fail", "no company name heard", rita)
    page = logged_in(web, "sam").get("/agreement").text
    row = re.search(r'<tr class="agree-row" data-item="greeting">(.*?)</table>', page, re.S).group(
        1
    )
    assert '<td class="num count">8</td>' in row
    assert "75.0 %" in row
    assert '<td class="num kappa">0.385</td>' in row  # 5/13
    assert '<td class="diag" data-auto="pass" data-final="pass">5</td>' in row
    assert '<td class="off" data-auto="pass" data-final="fail">2</td>' in row
    assert '<td class="diag" data-auto="fail" data-final="fail">1</td>' in row


# --- the static report -----------------------------------------------------------------------


def test_static_report_has_the_call_pages_read_only_with_relative_audio(web, tmp_path):
    from callreview.web.report import write_report

    _, store, ids = web
    folder = tmp_path / "report"
    assert write_report(store, load_scorecard(None), folder) == 9
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert rows(index) == sorted(ids.values(), key=lambda i: store.call(i).date)
    assert f'href="call-{ids["07_forbidden"]}.html"' in index
    page = (folder / f"call-{ids['xss_01_perfect']}.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and XSS not in page
    assert "<form" not in page and 'href="static/app.css"' in page
    src = re.search(r'<audio id="player" controls preload="metadata" src="([^"]+)"', page).group(1)
    assert not src.startswith(("/", "file:"))
    assert (folder / src).resolve() == (REPO / "audio_samples" / "01_perfect.flac").resolve()
    assert (folder / "static" / "app.js").is_file()


# --- the same web flow on PostgreSQL ----------------------------------------------------------


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_app_on_postgresql(web):
    """Log in, override, appeal and decide, and the session secret, on a PostgreSQL store."""
    _, store, ids = web
    call = ids["07_forbidden"]
    rita = logged_in(web, "rita")
    token = page_csrf(rita, f"/calls/{call}")
    assert (
        rita.post(
            f"/calls/{call}/override",
            data={"csrf": token, "item": "greeting", "status": "fail", "note": "no company"},
        ).status_code
        == 303
    )
    assert (
        '<span class="big" id="final-score">37.5</span>' in rita.get(f"/calls/{call}").text
    )  # 30/80
    ann = logged_in(web, "ann")
    ann.post(
        f"/calls/{call}/appeal",
        data={
            "csrf": page_csrf(ann, f"/calls/{call}"),
            "item": "greeting",
            "reason": "I said 您好",
        },
    )
    appeal = People(store).appeals(call)[0]
    sam = logged_in(web, "sam")
    form = {
        "csrf": page_csrf(sam, f"/calls/{call}"),
        "decision": "overturned",
        "note": "heard it",
        "status": "pass",
    }
    assert sam.post(f"/appeals/{appeal.id}/decide", data=form).status_code == 303
    assert People(store).appeal(appeal.id).status == "overturned"
    assert '<span class="big" id="final-score">62.5</span>' in sam.get(f"/calls/{call}").text
    assert [h.by_user for h in People(store).history(call)] == ["rita", "sam"]
    secret = store.meta_value("web_session_secret")
    assert len(secret) == 64


def test_the_call_pages_needs_review_flag_follows_the_final_result(web):
    make, store, ids = web
    flag = '<div class="flag warn">needs review</div>'
    call = ids["07_forbidden"]
    rita = People(store).user("rita")
    client = logged_in(web, "rita")
    assert flag not in client.get(f"/calls/{call}").text
    People(store).override(call, "closing", "review", "the line drops: listen again", rita)
    assert flag in client.get(f"/calls/{call}").text  # a person left an item for review
    People(store).override(call, "closing", "pass", "listened again: it was said", rita)
    assert flag not in client.get(f"/calls/{call}").text
