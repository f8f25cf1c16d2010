"""The languages people read callreview in (zh-CN and en): gettext catalogs through Babel, the
language of the moment, and dates and numbers per locale.

    locale/{zh_CN,en}/LC_MESSAGES/callreview.po ─Babel (read and compiled on first use)─▶ catalog
    with use("zh_CN"): gettext("Queue") → "质检队列"        (web: per request; CLI: per process)

The ``.po`` files are the only source: they are compiled in memory the first time a language
is used, so a fresh clone, an editable install and a wheel read the same catalogs and no
``.mo`` can go stale. The language of a request or a command is :mod:`callreview.i18n.choose`'s.
"""

from __future__ import annotations

import contextlib
import functools
import io
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "callreview"
LANGUAGES = ("zh_CN", "en")
"""The languages callreview speaks, as Babel locale names (``zh_CN``, ``en``)."""
DEFAULT = "en"
"""The language where nothing chose one (a library call, a test): the catalogs' msgids."""
NAMES = {"zh_CN": "中文（简体）", "en": "English"}
"""Each language in its own words, for the language setting's choices."""

_current: ContextVar[str] = ContextVar("callreview_language", default=DEFAULT)


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(language: str) -> Translations:
    """The compiled catalog of one of :data:`LANGUAGES` (read from its ``.po`` once)."""
    with open(po_path(language), "rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(mo, domain=DOMAIN)


def current() -> str:
    """The language of this request or command."""
    return _current.get()


@contextlib.contextmanager
def use(language: str) -> Iterator[str]:
    """Speak ``language`` (one of :data:`LANGUAGES`) inside the block; the previous one after."""
    token = _current.set(language if language in LANGUAGES else DEFAULT)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def set_language(language: str) -> None:
    """Speak ``language`` from here on (the CLI, once per process)."""
    _current.set(language if language in LANGUAGES else DEFAULT)


def gettext(message: str) -> str:
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


_ = gettext


class Current:
    """A translations object that is always the current language's: what Jinja2's
    ``install_gettext_translations`` is given, so one environment serves every language."""

    def gettext(self, message: str) -> str:
        return gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return str(translations(current()).pgettext(context, message))

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return translations(current()).npgettext(context, singular, plural, n)


def N_(message: str) -> str:
    """Marks a message for the catalog where it is defined; it is translated where shown."""
    return message


def bilingual(label: str) -> str:
    """A label written ``English 中文`` (an item's name, a speaker) in the current language: the
    Chinese half in Chinese, the whole label in English (the lexicon's words stay beside it)."""
    if current() != "zh_CN":
        return label
    for i, ch in enumerate(label):
        if "\u3400" <= ch <= "\u9fff":
            return label[i:].strip()
    return label
