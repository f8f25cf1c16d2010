"""The web app in a real headless Chromium (Playwright's library, npm playwright-core, driving
Debian's /usr/bin/chromium): tests/browser/review_flow.mjs runs the reviewer's, the agent's and
the supervisor's steps against a real `callreview serve` and prints what it saw; this asserts it.

Needs: `apt-get install chromium nodejs npm` and `npm ci --prefix tests/browser` (what .ci/run
does). In CI (``$CI`` set) a missing browser fails the test; elsewhere it is skipped.
The screenshots in docs/ come from this test:
``CALLREVIEW_SCREENSHOTS=docs pytest tests/test_web_browser.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import in_ci
from fixtures.web_calls import PASSWORD, REPO, XSS, fill_store
from test_web_serve import CLI, start_server, stop_server

from callreview.i18n import gettext, use
from callreview.i18n.choose import normalize
from callreview.store import open_store
from callreview.team.people import People

BROWSER_DIR = REPO / "tests" / "browser"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def browser_or_skip() -> str:
    """The node binary, when Chromium, node and playwright-core are all here."""
    node = shutil.which("node")
    missing = [
        what
        for what, ok in (
            (f"Chromium at {CHROMIUM} (apt-get install chromium)", Path(CHROMIUM).exists()),
            ("node (apt-get install nodejs npm)", node is not None),
            (
                "playwright-core (npm ci --prefix tests/browser)",
                (BROWSER_DIR / "node_modules" / "playwright-core").is_dir(),
            ),
        )
        if not ok
    ]
    if missing:
        message = "the browser test needs " + ", ".join(missing)
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return node  # type: ignore[return-value]


LOCALES = {"en-US": "", "zh-CN": "-zh"}
"""The browser's language and its screenshots' suffix (docs/screenshot-queue-zh.png)."""


def button_words(locale: str) -> dict[str, str]:
    """The words the flow clicks, in the page's language, from the catalogs."""
    with use(normalize(locale) or "en"):
        return {
            "override": gettext("Override…").rstrip("…"),
            "save": gettext("Save override"),
            "appeal": gettext("Appeal…").rstrip("…"),
            "file": gettext("File appeal"),
            "decide": gettext("Decide"),
            "logout": gettext("Log out"),
        }


def english(seen) -> bool:
    return seen["locale"] == "en-US"


@pytest.fixture(scope="module", params=list(LOCALES))
def flow(request, tmp_path_factory):
    """Run the browser once over a fresh store; yields (what it saw, store path, call ids, screenshot folder)."""
    node = browser_or_skip()
    folder = tmp_path_factory.mktemp("browser")
    db = folder / "callreview.db"
    with open_store(db) as store:
        ids = fill_store(store, folder)
    report = folder / "report"
    subprocess.run(
        [*CLI, "export", "--html", str(report), "--db", str(db)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    shots = folder / "shots"
    shots.mkdir()
    proc, url = start_server(db)
    try:
        config = folder / "config.json"
        config.write_text(
            json.dumps(
                {
                    "base": url,
                    "calls": ids,
                    "password": PASSWORD,
                    "shots": str(shots),
                    "report": str(report),
                    "locale": request.param,
                    "suffix": LOCALES[request.param],
                    "words": button_words(request.param),
                }
            )
        )
        run = subprocess.run(
            [node, str(BROWSER_DIR / "review_flow.mjs"), str(config)],
            capture_output=True,
            text=True,
            timeout=240,
            cwd=BROWSER_DIR,
        )
    finally:
        assert stop_server(proc) == 0
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    seen["locale"] = request.param
    assert "error" not in seen, seen["error"]
    target = os.environ.get("CALLREVIEW_SCREENSHOTS")
    if target:
        for shot in shots.glob("*.png"):
            shutil.copyfile(shot, (REPO / target) / shot.name)
    yield seen, db, ids, shots


def test_browser_logs_in_and_filters_the_queue(flow):
    seen, _, ids, _ = flow
    assert seen["reviewer_landing"] == "/queue"
    assert sorted(seen["queue_all"]) == sorted(ids.values())
    assert seen["queue_all"][0] == ids["xss_01_perfect"]  # newest first
    assert seen["queue_agent_url"] == "?agent=A002"
    assert seen["queue_agent_A002"] == [
        ids["09_no_closing"],
        ids["04_name_zero"],
        ids["02_no_greeting"],
    ]
    assert seen["queue_A002_failed_greeting"] == [ids["02_no_greeting"]]
    assert seen["queue_by_score"] == sorted(seen["queue_by_score"])


def test_browser_clicking_evidence_seeks_the_audio_and_plays(flow):
    seen, _, ids, _ = flow
    assert seen["call_path"] == f"/calls/{ids['07_forbidden']}"
    for key in ("evidence_click", "transcript_click"):
        click = seen[key]
        assert abs(click["currentTime"] - click["start"]) < 0.5, click
        assert click["paused"] is False
        assert click["duration"] == pytest.approx(53.76, abs=0.1)  # the real recording was streamed
    assert seen["evidence_click"]["start"] == 22.57  # 「这不可能」, the first forbidden phrase


def test_browser_a_moments_link_is_written_on_click_and_opens_the_call_there(flow):
    seen, _, _, _ = flow
    assert seen["evidence_click_hash"] == "#t=22.57"
    written = seen["transcript_click_hash"]
    assert written.startswith("#t=") and float(written[3:]) == seen["transcript_click"]["start"]
    opened = seen["link_open"]
    assert abs(opened["currentTime"] - opened["start"]) < 0.5 and opened["paused"] is False
    assert [float(s) for s in opened["linked"]] == [opened["start"]]


def test_browser_log_out_stays_on_screen_at_390_px(flow):
    seen, _, _, _ = flow
    for page in ("queue", "call"):
        box = seen["narrow"][page]
        assert box["viewport"] == 390
        assert 0 <= box["left"] and box["right"] <= 390, (page, box)


def test_browser_keyboard_plays_pauses_and_walks_the_evidence(flow):
    seen, _, _, _ = flow
    assert seen["space_paused"] and seen["space_played"]
    for key in ("key_j", "key_j2", "key_k"):
        assert (
            abs(seen[key]["currentTime"] - seen[key]["expected"]) < 0.5 and not seen[key]["paused"]
        ), seen[key]
    assert seen["key_j"]["expected"] == seen["key_k"]["expected"] != seen["key_j2"]["expected"]


def test_browser_override_changes_the_score_keeps_the_automatic_result_and_lists_the_change(flow):
    seen, db, ids, _ = flow
    assert seen["override_before"] == {"score": "75.0", "auto": 0}
    after = seen["override_after"]
    assert after["score"] == "100.0"
    [row] = after["history"]
    if english(seen):
        assert after["auto"] == "automatic 75.0 · 不合格"
        assert after["greeting_status"] == "PASS"
        assert after["greeting_was"] == "automatic result: FAIL 0/20 · overridden by a person"
        assert after["flash"] == "Greeting 开头语: fail → pass; score 75.0 → 100.0"
        assert row[1:] == [
            "rita",
            "Greeting 开头语",
            "FAIL",
            "PASS",
            "Listened: the agent greeted with 您好 before the line cut in <b>bold</b>.",
            "v1",
        ]
    else:
        assert "75.0" in after["auto"] and after["greeting_status"] == "合格"
        assert "75.0 → 100.0" in after["flash"] and "开头语" in after["flash"]
        assert row[1:4] == ["rita", "开头语", "不合格"] and row[4] == "合格"
    with open_store(db) as store:
        call = ids["02_no_greeting"]
        assert store.kept_final(store.call(call).review_id).score == 100.0
        assert store.call(call).score == 75.0


def test_browser_agent_appeals_and_supervisor_overturns(flow):
    seen, db, ids, _ = flow
    assert seen["agent_landing"] == "/my"
    assert seen["agent_rows"] == [
        ids["06_hold_no_permission"],
        ids["07_forbidden"],
        ids["01_perfect"],
    ]
    assert seen["agent_override_links"] == 0
    with use(normalize(seen["locale"]) or "en"):
        opened, overturned = gettext("open"), gettext("overturned")
    assert seen["appeal_filed"] == [opened]
    assert seen["open_appeal_rows"] == [ids["07_forbidden"]]
    assert seen["appeal_decided"] == [overturned]
    assert (seen["supervisor_score_before"], seen["supervisor_score_after"]) == ("62.5", "100.0")
    assert seen["open_appeal_rows_after"] == []
    with open_store(db) as store:
        [appeal] = People(store).appeals(ids["07_forbidden"])
        assert (appeal.status, appeal.by_user, appeal.decided_by) == ("overturned", "ann", "sam")


def test_browser_agent_gets_403_for_another_agents_call_and_the_override_form(flow):
    seen, _, _, _ = flow
    assert seen["agent_other_call_status"] == 403
    assert seen["agent_override_form_status"] == 403
    assert seen["agent_queue_status"] == 403


def test_browser_script_in_a_transcript_is_text_in_the_app_and_the_report(flow):
    seen, _, _, _ = flow
    assert seen["dialogs"] == []
    assert len(seen["xss_app_text"]) == 1 and seen["xss_app_text"][0].endswith(XSS)
    assert seen["xss_app_script_tags"] == ["/static/app.js"]
    assert len(seen["xss_report_text"]) == 1 and seen["xss_report_text"][0].endswith(XSS)


def test_browser_static_report_opens_from_the_disk_and_plays(flow):
    seen, _, ids, _ = flow
    assert sorted(seen["report_rows"]) == sorted(ids.values())
    assert seen["report_forms"] == 0
    click = seen["report_evidence_click"]
    assert abs(click["currentTime"] - click["start"]) < 0.5 and not click["paused"]


def test_browser_agents_and_agreement_pages(flow):
    seen, _, _, _ = flow
    assert seen["agents_rows"] == ["A001", "A002", "A003"]
    assert seen["agents_chart_series"] == 3
    rows = {r["item"]: r for r in seen["agreement"]}
    # two reviewed calls: 02 (greeting overridden fail → pass) and 07 (forbidden overturned fail → pass)
    assert rows["greeting"]["count"] == "2" and rows["greeting"]["percent"].startswith("50.0 %")
    assert (
        rows["greeting"]["kappa"] == "0.000"
    )  # p_o = .5; automatic 1 pass 1 fail, final 2 pass: p_e = .5
    assert rows["closing"]["kappa"] == "—"  # both pass on both sides: undefined


def test_browser_took_the_screenshots(flow):
    seen, _, _, shots = flow
    suffix = LOCALES[seen["locale"]]
    for name in (f"screenshot-queue{suffix}.png", f"screenshot-call{suffix}.png"):
        data = (shots / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_browser_calibration_round_is_blind_until_submitted_then_shows_the_figures(tmp_path):
    """Three reviewers score a round the supervisor started, blind; then the supervisor's page
    shows each one's agreement and bias (rob fails every item the other two pass: he runs low)."""
    node = browser_or_skip()
    db = tmp_path / "callreview.db"
    with open_store(db) as store:
        fill_store(store, tmp_path, with_xss=False)
        people = People(store)
        for name in ("ray", "rob"):
            people.add_user(name, "reviewer", PASSWORD)
    plan = {"rita": "pass", "ray": "pass", "rob": "fail"}
    proc, url = start_server(db)
    try:
        config = tmp_path / "config.json"
        config.write_text(
            json.dumps({"base": url, "password": PASSWORD, "supervisor": "sam", "plan": plan})
        )
        run = subprocess.run(
            [node, str(BROWSER_DIR / "calibration.js"), str(config)],
            capture_output=True,
            text=True,
            timeout=180,
            cwd=BROWSER_DIR,
        )
    finally:
        assert stop_server(proc) == 0
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert "error" not in seen, seen["error"]
    assert seen["started_flash"].startswith("Calibration round #1 started: 2 calls, 3 reviewers")
    order = list(plan)
    for n, name in enumerate(order):
        mine = seen["reviewers"][name]
        assert len(mine["calls"]) == 2
        for call, before, after in zip(mine["calls"], mine["before"], mine["after"]):
            # blind: the round's page, a form per item, transcript and audio, nothing else
            assert before["path"] == f"/calibration/1/calls/{call}"
            assert before["form"] >= 5 and before["transcript_lines"] > 0 and before["audio"] == 1
            assert (before["revealed"], before["marks"], before["auto_cells"]) == (0, 0, 0)
            assert before["score_shown"] == 0
            # submitted: the automatic result and the marks of everyone who submitted so far
            assert after["revealed"] == 1 and after["form"] == 0
            assert after["auto_cells"] == before["form"]
            assert after["reviewers"] == sorted(order[: n + 1])
    figures = {f["reviewer"]: f for f in seen["figures"]}
    assert set(figures) == set(plan) and seen["round_done"] == 1
    assert figures["rob"]["calls"] == "2" and float(figures["rob"]["bias"]) < -5
    assert figures["rob"]["retrain"] == 1
    # rita's panel (ray pass, rob fail) ties on every item: no bias to measure, no flag
    assert figures["rita"] == {"reviewer": "rita", "calls": "0", "bias": "—", "retrain": 0}
    assert seen["item_rows"] == 3 * seen["reviewers"]["rita"]["before"][0]["form"]
