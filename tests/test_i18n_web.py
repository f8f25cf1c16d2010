"""The web app in Chinese and in English (issue 32): with ``Accept-Language: zh-CN`` every page a
QC team opens — log-in, queue, a call, the override and appeal forms, agents, agreement, search
and each error page — shows no English UI word; with ``en-US`` the same pages are English; the
user's own language setting wins over the browser's. Real app (TestClient), real filled store."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from fixtures.web_calls import PASSWORD

pytest_plugins = ["fixtures.web_app"]

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en-US,en;q=0.9"}
DATA = {"callreview", "rita", "sam", "ann", "bob", "adm", "faster", "whisper", "space", "nothing"}
DATA |= {"greeting", "customer_name", "customer", "name", "hold", "forbidden", "closing"}
"""Names, ids, codes and keys, not UI words: users, the product, the engine, a key's name, the
item codes a refused URL is told to use and the code it gave (``?item=nothing``)."""
SKIPPED_CLASSES = {"file", "text", "quote", "reasontext", "notetext"}
"""Data: transcript text, quotes, file names, notes people typed. (The checks' finding lines,
``summary``, ``reason`` and ``note``, are translated where shown and checked like the rest.)"""


class Visible(HTMLParser):
    """The text a person reads: element text and title / placeholder / aria-label attributes,
    outside scripts, the language chooser (each language in its own words) and data spans."""

    VOID = {"input", "meta", "link", "br", "img", "hr", "source"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.words: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        hidden = bool(self.stack and self.stack[-1])
        classes = set((a.get("class") or "").split())
        hidden = hidden or tag in ("script", "style", "kbd") or a.get("id") == "language"
        hidden = hidden or bool(classes & SKIPPED_CLASSES)
        if not hidden:
            for key in ("title", "placeholder", "aria-label"):
                if a.get(key):
                    self.words.append(a[key])
        if tag not in self.VOID:
            self.stack.append(hidden)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.words.append(data)


def english_words(html: str) -> set[str]:
    parser = Visible()
    parser.feed(html)
    found = set(re.findall(r"[A-Za-z]{3,}", " ".join(parser.words)))
    return {w for w in found if w.lower() not in DATA}


def login(client, name: str, headers: dict[str, str]) -> None:
    page = client.get("/login", headers=headers).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    done = client.post(
        "/login", data={"csrf": csrf, "name": name, "password": PASSWORD}, headers=headers
    )
    assert done.status_code == 303, done.text


def pages(web, headers: dict[str, str]) -> dict[str, str]:
    """Every page of the issue's list, as the reviewer, the supervisor and an agent see it."""
    client_of, store, ids, _ = web
    out: dict[str, str] = {}
    anon = client_of("10.0.0.1")
    out["login"] = anon.get("/login", headers=headers).text
    out["login refused"] = anon.post(
        "/login", data={"csrf": "x", "name": "rita", "password": "no"}, headers=headers
    ).text  # 403: no CSRF token
    failing = ids["02_no_greeting"]
    rita = client_of("10.0.0.2")
    login(rita, "rita", headers)
    out["queue"] = rita.get("/queue", headers=headers).text
    out["call"] = rita.get(f"/calls/{failing}", headers=headers).text
    out["override form"] = rita.get(
        f"/calls/{failing}/override?item=greeting", headers=headers
    ).text
    out["agents"] = rita.get("/agents", headers=headers).text
    out["agreement"] = rita.get("/agreement", headers=headers).text
    out["search"] = rita.get("/search?q=您好", headers=headers).text
    out["404"] = rita.get("/calls/999999", headers=headers).text
    out["404 page"] = rita.get("/nowhere", headers=headers).text
    out["400"] = rita.get("/calls/1/override?item=nothing", headers=headers).text
    bob = client_of("10.0.0.3")
    login(bob, "bob", headers)
    out["appeal form"] = bob.get(f"/calls/{failing}", headers=headers).text
    out["403"] = bob.get("/agents", headers=headers).text
    return out


def test_with_accept_language_zh_cn_no_page_shows_an_english_ui_word(web):
    shown = pages(web, ZH)
    assert 'action="/calls/' in shown["appeal form"] and "提交申诉" in shown["appeal form"]
    assert "保存改判" in shown["override form"]
    for name, html in shown.items():
        assert '<html lang="zh-CN">' in html, name
        assert english_words(html) == set(), name


def test_with_accept_language_en_us_the_same_pages_are_english(web):
    shown = pages(web, EN)
    assert "Review queue" in shown["queue"]
    assert "File appeal" in shown["appeal form"]
    assert "Save override" in shown["override form"]
    assert "Wrong name or password" not in shown["login"]
    for name, html in shown.items():
        assert '<html lang="en">' in html, name
        assert not re.search(r"[\u4e00-\u9fff]", " ".join(_ui_text(html))), name


def _ui_text(html: str) -> list[str]:
    """The visible UI text without the bilingual labels (item and band names keep their
    Chinese beside the English by design) and data."""
    parser = Visible()
    parser.feed(re.sub(r'<span class="(band|pill|chip)[^"]*"[^>]*>.*?</span>', "", html))
    bilingual = re.compile(r"[A-Za-z'’ ]+ [\u4e00-\u9fff]+|[\u4e00-\u9fff]{2,}")
    return [bilingual.sub("", w) for w in parser.words if "「" not in w]


def test_the_users_own_language_wins_over_the_browsers_and_is_kept(web):
    client_of, store, ids, _ = web
    rita = client_of("10.0.0.4")
    login(rita, "rita", EN)
    queue = rita.get("/queue", headers=EN).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', queue).group(1)
    saved = rita.post(
        "/language", data={"csrf": csrf, "language": "zh_CN", "next": "/queue"}, headers=EN
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/queue"
    after = rita.get("/queue", headers=EN).text
    assert "语言已保存。" in after and "质检队列" in after  # the flash, in the chosen language
    assert store.user_language("rita") == "zh_CN"
    again = client_of("10.0.0.5")  # a new session on another machine, an English browser
    login(again, "rita", EN)
    assert "质检队列" in again.get("/queue", headers=EN).text


def test_a_language_callreview_does_not_speak_is_refused_with_the_choices(web):
    client_of, store, ids, _ = web
    rita = client_of("10.0.0.6")
    login(rita, "rita", EN)
    csrf = re.search(r'name="csrf" value="([^"]+)"', rita.get("/queue").text).group(1)
    refused = rita.post("/language", data={"csrf": csrf, "language": "fr"}, headers=EN)
    assert refused.status_code == 400
    assert "&#39;fr&#39; is not a language callreview speaks; choose zh-CN or en" in refused.text
    assert store.user_language("rita") is None


def test_dates_and_plurals_follow_the_language(web):
    client_of, store, ids, _ = web
    rita = client_of("10.0.0.7")
    login(rita, "rita", EN)
    call = ids["02_no_greeting"]
    csrf = re.search(r'name="csrf" value="([^"]+)"', rita.get(f"/calls/{call}").text).group(1)
    rita.post(f"/calls/{call}/confirm", data={"csrf": csrf}, headers=EN)
    en = rita.get(f"/calls/{call}", headers=EN).text
    zh = rita.get(f"/calls/{call}", headers=ZH).text
    assert re.search(r"reviewed by rita · [A-Z][a-z]{2} \d{1,2}, \d{4}", en)
    assert re.search(r"由 rita 复核 · \d{4}年\d{1,2}月\d{1,2}日", zh)
    queue = rita.get("/queue", headers=EN).text
    assert re.search(r'<span class="count">\d+ calls</span>', queue)
    assert re.search(r'<span class="count">\d+ 个通话</span>', rita.get("/queue", headers=ZH).text)
