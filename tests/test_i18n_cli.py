"""The CLI in Chinese and in English (issue 32): the real ``callreview score`` on transcript JSONs
(no model) prints its report — headers, item lines, band, "needs review", the checks' findings,
the batch summary — in the language of ``LANG`` (``zh_CN.UTF-8``: Chinese, no English UI word;
``C.UTF-8``: English), ``--lang`` wins over the environment, and the stored result (``--json``)
is the same whatever the language."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO

CALLS = [
    REPO / "audio_samples/truth" / f"{name}.json"
    for name in ("02_no_greeting", "04_name_zero", "06_hold_no_permission", "07_forbidden")
]
CODES = {"greeting", "customer_name", "hold", "forbidden", "closing", "json", "flac", "truth"}
"""Item codes (the batch lines name the failed items by code), file names' parts."""


def score(*args: str, lang: str | None = "C.UTF-8", tmp: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANG")}
    env["CALLREVIEW_CACHE"] = str(tmp / "cache")
    if lang is not None:
        env["LANG"] = lang
    done = subprocess.run(
        [sys.executable, "-m", "callreview", *args],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def english_words(report: str) -> set[str]:
    """The Latin words of a report outside file names and the lexicon's quotes."""
    text = re.sub(r"\S+\.(json|flac)", "", report)
    text = re.sub(r"「[^」]*」|\{\w+\}|[a-z]+_[a-z_]+", "", text)  # quotes, {surname}, keys
    return {w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in CODES}


def test_lang_zh_cn_prints_a_chinese_report(tmp_path):
    report = score("score", *map(str, CALLS), lang="zh_CN.UTF-8", tmp=tmp_path)
    assert "得分 75.0 / 100 · 不合格" in report
    assert "不合格    0/20  开头语  — 缺少：问候" in report
    assert "建议说：" in report and "第 1 次等候：00:21–00:36（15 秒）" in report
    assert "表达" in report and "参考" in report
    assert "4 个通话 · 平均分" in report
    assert english_words(report) == set()


def test_lang_c_prints_the_english_report(tmp_path):
    report = score("score", *map(str, CALLS), lang="C.UTF-8", tmp=tmp_path)
    assert "Score 75.0 / 100 · 不合格 (below standard)" in report
    assert "FAIL      0/20  Greeting 开头语  — missing: salutation 问候" in report
    assert "hold 1: 00:21–00:36 (15 s)" in report and "say instead: " in report
    assert "How the agent spoke 表达" in report and "4 calls · mean score" in report
    ui = re.sub(r"「[^」]*」|[\u4e00-\u9fff]+[^\s,)]*", "", report)  # the lexicon's words aside
    assert not re.search(r"[\u4e00-\u9fff]", ui)


def test_lang_option_wins_over_the_environment_and_the_result_is_the_same(tmp_path):
    call = str(CALLS[2])
    assert "得分 80.0 / 100" in score("--lang", "zh-CN", "score", call, tmp=tmp_path)
    en = score("--lang", "en", "score", call, lang="zh_CN.UTF-8", tmp=tmp_path)
    assert "Score 80.0 / 100" in en and "得分" not in en
    zh_json = score("score", call, "--json", "-", lang="zh_CN.UTF-8", tmp=tmp_path)
    assert zh_json == score("score", call, "--json", "-", lang="C.UTF-8", tmp=tmp_path)


def test_without_a_locale_the_sites_ui_language_is_spoken(tmp_path):
    (tmp_path / "callreview.toml").write_text('ui_language = "en"\n', encoding="utf-8")
    assert "Score 80.0" in score("score", str(CALLS[2]), lang=None, tmp=tmp_path)
    (tmp_path / "callreview.toml").write_text('ui_language = "zh-CN"\n', encoding="utf-8")
    assert "得分 80.0" in score("score", str(CALLS[2]), lang=None, tmp=tmp_path)


def test_a_language_callreview_does_not_speak_is_refused(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "callreview", "--lang", "fr", "score", str(CALLS[0])],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "'fr' is not a language callreview speaks; use zh-CN or en" in done.stderr


def test_the_static_report_is_in_the_commands_language(tmp_path):
    from test_i18n_web import english_words as english_ui_words

    db = str(tmp_path / "qc.db")
    score("batch", *map(str, CALLS), "--db", db, tmp=tmp_path)
    score("export", "--db", db, "--html", "zh", lang="zh_CN.UTF-8", tmp=tmp_path)
    score("--lang", "en", "export", "--db", db, "--html", "en", lang="zh_CN.UTF-8", tmp=tmp_path)
    for folder in ("zh", "en"):
        pages = sorted((tmp_path / folder).rglob("*.html"))
        assert len(pages) == 1 + len(CALLS), pages
        for page in pages:
            html = page.read_text(encoding="utf-8")
            if folder == "zh":
                assert '<html lang="zh-CN">' in html, page
                slots = re.sub(r"\{\w+\}", "", html)  # the lexicon's patterns ({company})
                assert english_ui_words(slots) == set(), page
            else:
                assert '<html lang="en">' in html, page
    index = (tmp_path / "en" / "index.html").read_text(encoding="utf-8")
    assert "FAIL" in index or "Greeting" in index
