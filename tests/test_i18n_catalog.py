"""The catalogs (issue 32): every message has a Chinese translation with the same placeholders,
and every string the code or the templates mark for translation is in the catalogs (Babel's
extraction over the tree, as ``babel.cfg`` says, compared with them): a new ``_()`` without a
zh-CN entry fails here, and so in CI."""

from __future__ import annotations

import re
import subprocess
import sys

from babel.messages.pofile import read_po
from conftest import REPO

from callreview.i18n import LANGUAGES, po_path, translations, use
from callreview.i18n.choose import from_accept_language, from_environment, normalize

PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdrf]|%%")


def catalog(language: str):
    with open(po_path(language), "rb") as po:
        return read_po(po, locale=language)


def test_every_message_has_a_chinese_translation_with_the_same_placeholders():
    missing, broken = [], []
    for m in catalog("zh_CN"):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if not all(strings):
            missing.append(ids[0])
            continue
        want = sorted(PLACEHOLDER.findall(ids[0]))
        if any(sorted(PLACEHOLDER.findall(s)) != want for s in strings):
            broken.append(ids[0])
    assert missing == [], "no zh_CN msgstr: add them to callreview/i18n/locale/zh_CN (docs/i18n.md)"
    assert broken == []


def test_every_marked_string_is_in_both_catalogs(tmp_path):
    pot = tmp_path / "fresh.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "N_", "-o", str(pot), "--no-location", "."],
        cwd=REPO, check=True, capture_output=True,
    )  # fmt: skip
    with open(pot, "rb") as fresh:
        marked = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fresh) if m.id}
    for language in LANGUAGES:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(language) if m.id}
        assert sorted(marked - known) == [], f"{language}: run the update in docs/i18n.md"
        assert sorted(known - marked) == [], f"{language}: messages no code uses any more"


def test_plurals_are_english_s_forms_and_one_chinese_form():
    with use("en"):
        en = translations("en")
        assert en.ngettext("%(num)d call", "%(num)d calls", 1) % {"num": 1} == "1 call"
        assert en.ngettext("%(num)d call", "%(num)d calls", 3) % {"num": 3} == "3 calls"
    zh = translations("zh_CN")
    assert zh.ngettext("%(num)d call", "%(num)d calls", 1) % {"num": 1} == "1 个通话"
    assert zh.ngettext("%(num)d call", "%(num)d calls", 3) % {"num": 3} == "3 个通话"


def test_the_language_is_chosen_from_tags_and_locales_callreview_speaks():
    cases = [
        ("zh-CN", "zh_CN"), ("zh_CN.UTF-8", "zh_CN"), ("zh-Hans", "zh_CN"), ("zh", "zh_CN"),
        ("en-US", "en"), ("en_GB.UTF-8", "en"), ("C.UTF-8", "en"), ("C", "en"), ("POSIX", "en"),
        ("fr-FR", None), ("", None), (None, None),
    ]  # fmt: skip
    assert [normalize(tag) for tag, _ in cases] == [want for _, want in cases]
    assert from_accept_language("fr-FR, en;q=0.4, zh-CN;q=0.8") == "zh_CN"
    assert from_accept_language("zh-CN;q=0, en;q=0.1") == "en"
    assert from_accept_language("fr, *") is None
    assert from_environment({"LC_ALL": "zh_CN.UTF-8", "LANG": "C.UTF-8"}) == "zh_CN"
    assert from_environment({"LC_MESSAGES": "", "LANG": "C.UTF-8"}) == "en"
    assert from_environment({}) is None
