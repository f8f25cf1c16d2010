"""Specs of the web app's edges (issue 29): ids too big for the store, impossible dates, a page
past the last, an appeal reason over the limit, which items may be appealed, a moment's link,
the narrow screen, the agents chart and the agreement page. Through Starlette's TestClient over
the real app and a real SQLite store (the fixtures of test_web_app.py)."""

from __future__ import annotations

import re

import pytest
import test_web_app
from test_web_app import csrf_of, logged_in

from callreview.team.people import MAX_NOTE, People
from callreview.web import views

# the app specs' fixtures: a fresh copy of the filled store for each test
backend, web = test_web_app.backend, test_web_app.web
pytest_plugins = ["fixtures.web_app"]  # the templates fixture the web fixture reads

HUGE = "99999999999999999999"


# --- ids and numbers too big for the store ---------------------------------------------------


@pytest.mark.parametrize(
    "path, status",
    [
        (f"/calls/{HUGE}", 404),
        (f"/calls/{HUGE}/override?item=greeting", 404),
        (f"/audio/{HUGE}", 404),
        (f"/queue?page={HUGE}", 400),
    ],
)
def test_an_id_or_page_too_big_for_the_store_is_404_or_400_not_500(web, path, status):
    client = logged_in(web, "rita")
    response = client.get(path)
    assert response.status_code == status, response.text


def test_a_huge_call_id_says_there_is_no_such_call(web):
    response = logged_in(web, "rita").get(f"/calls/{HUGE}")
    assert f"There is no call {HUGE} in this store." in response.text


def test_a_huge_page_number_says_how_to_write_one(web):
    response = logged_in(web, "rita").get(f"/queue?page={HUGE}")
    assert f"page: {HUGE} is not a page number; use a whole number from 1" in response.text


def test_deciding_a_huge_appeal_id_is_404(web):
    client = logged_in(web, "sam")
    token = csrf_of(client.get("/queue").text)
    response = client.post(
        f"/appeals/{HUGE}/decide", data={"csrf": token, "decision": "upheld", "note": "x"}
    )
    assert response.status_code == 404


# --- dates and pages ---------------------------------------------------------------------------


def test_an_impossible_day_in_the_queue_filter_is_400_with_the_clis_message(web):
    response = logged_in(web, "rita").get("/queue?since=2026-13-01")
    assert response.status_code == 400
    assert (
        "since 2026-13-01: no such day; write a real date as YYYY-MM-DD, e.g. 2026-11-23"
        in response.text
    )


def test_a_page_past_the_last_says_so_and_links_to_the_last(web):
    response = logged_in(web, "rita").get("/queue?agent=A001&page=3")
    assert response.status_code == 200
    assert "No calls match these filters" not in response.text
    assert "Page 3 is past the last page (1)." in response.text
    assert 'href="/queue?agent=A001&amp;page=1"' in response.text


def test_filters_that_match_nothing_still_say_no_calls_match(web):
    response = logged_in(web, "rita").get("/queue?agent=NOBODY")
    assert "No calls match these filters." in response.text


# --- appeals -----------------------------------------------------------------------------------


def test_an_appeal_reason_over_the_limit_shows_the_form_again_with_the_text_and_the_limit(web):
    _, store, ids = web
    call = ids["07_forbidden"]
    ann = logged_in(web, "ann")
    reason = "这不可能 was about the parcel system. " * 80  # over MAX_NOTE characters
    assert len(reason.strip()) > MAX_NOTE
    token = csrf_of(ann.get(f"/calls/{call}").text)
    response = ann.post(
        f"/calls/{call}/appeal", data={"csrf": token, "item": "forbidden", "reason": reason}
    )
    assert response.status_code == 400
    opened = r'<details class="appeal-form" open>.*?</details>'
    form = re.search(opened, response.text, re.S).group(0)
    assert 'value="forbidden"' in form
    assert f"keep it under {MAX_NOTE}" in form
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", form, re.S).group(1)
    assert textarea == reason
    assert People(store).appeals(call) == []


def appeal_buttons(html: str) -> list[str]:
    """The items whose card has an Appeal button."""
    return re.findall(
        r'<article class="item st-\w+" id="item-(\w+)">(?:(?!</article>).)*?Appeal…', html, re.S
    )


def test_the_appeal_button_is_only_on_fail_and_review_items_without_an_open_appeal(web):
    _, store, ids = web
    call = ids["07_forbidden"]  # forbidden fails, the other items pass
    ann = logged_in(web, "ann")
    assert appeal_buttons(ann.get(f"/calls/{call}").text) == ["forbidden"]
    People(store).file_appeal(call, "forbidden", "said of the system", People(store).user("ann"))
    page = ann.get(f"/calls/{call}").text
    assert appeal_buttons(page) == []
    assert "An appeal of this item is open (#" in page


def test_a_refused_appeal_shows_the_servers_message_on_the_call_page(web):
    _, store, ids = web
    call = ids["07_forbidden"]
    People(store).file_appeal(call, "forbidden", "said of the system", People(store).user("ann"))
    ann = logged_in(web, "ann")
    token = csrf_of(ann.get(f"/calls/{call}").text)
    response = ann.post(
        f"/calls/{call}/appeal", data={"csrf": token, "item": "forbidden", "reason": "again"}
    )
    assert response.status_code == 400
    assert "an appeal of forbidden is open already" in response.text
    assert f"<h1>Call #{call}" in response.text


# --- a moment's link ---------------------------------------------------------------------------


def test_each_moment_and_turn_links_to_its_time(web):
    _, _, ids = web
    page = logged_in(web, "rita").get(f"/calls/{ids['07_forbidden']}").text
    first = re.search(
        r'id="item-forbidden".*?<li class="moment[^"]*" data-start="([\d.]+)"', page, re.S
    )
    start = first.group(1)
    assert start == "22.57"
    assert f'<a class="t" href="#t={start}"' in page
    lines = re.findall(r'<li class="line[^"]*" data-start="([\d.]+)"', page)
    assert lines and all(f'href="#t={s}"' in page for s in lines)


def test_the_script_opens_a_moments_link_and_writes_it_on_click():
    """What the browser test exercises, checked in the script itself: the hash is read on load
    and written on a click."""
    script = (views.STATIC / "app.js").read_text(encoding="utf-8")
    assert "location.hash" in script and "#t=" in script
    assert "history.replaceState" in script


# --- the narrow screen, the chart, the agreement page --------------------------------------------


def test_the_top_bar_wraps_on_a_narrow_screen():
    css = (views.STATIC / "app.css").read_text(encoding="utf-8")
    narrow = re.search(r"@media \(max-width: 640px\) \{(.*?)\n\}", css, re.S)
    assert narrow, "no narrow-screen rules"
    assert re.search(r"\.topbar \{[^}]*flex-wrap: wrap", narrow.group(1))
    assert re.search(r"\.topbar \{[^}]*height: auto", narrow.group(1))


def _summary(agent: str, weeks: list[tuple[str, int, float]]):
    from callreview.team.figures import AgentSummary

    return AgentSummary(agent, sum(n for _, n, _ in weeks), 80.0, 70.0, {}, {}, weeks)


WEEKS = [("2026-W47", 2, 80.0), ("2026-W48", 1, 90.0), ("2026-W49", 3, 85.0)]


def test_the_agents_chart_keeps_its_last_week_label_inside_the_picture():
    chart = views.trend_chart([_summary("A001", WEEKS), _summary("A002", WEEKS)])
    char_w = 11 * 0.62  # the axis font (11 px); digits are about 0.6 em wide
    for x, label, anchor in chart.x_labels:
        width = len(label) * char_w
        left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
        assert 0 <= left and left + width <= chart.width, (x, label, anchor)
    assert chart.x_labels[-1][1] == "2026-W49"


def test_each_agent_keeps_its_colour_when_an_agent_is_added():
    agents = [_summary(a, WEEKS) for a in ("A001", "A002", "A003")]
    before = {s["name"]: s["css"] for s in views.trend_chart(agents).series}
    for added in ("A000", "A0015", "Z9", "B7"):
        chart = views.trend_chart([_summary(added, WEEKS), *agents])
        after = {s["name"]: s["css"] for s in chart.series}
        assert {a: after[a] for a in before} == before, added
        assert len(set(after.values())) == len(after)


def test_the_agreement_pages_reviewed_calls_cell_is_not_drawn_as_a_badge():
    css = (views.STATIC / "app.css").read_text(encoding="utf-8")
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        for selector in selectors.split(","):
            if selector.strip() in (".count", "td.count", ".num.count"):
                assert "background" not in body and "border-radius" not in body, selector


def test_the_agreement_page_still_marks_the_count_cell(web):
    page = logged_in(web, "sam").get("/agreement").text
    assert re.search(r'<td class="num count">\d+</td>', page)
    assert '<span class="count">' not in page.split("<table", 1)[1]
