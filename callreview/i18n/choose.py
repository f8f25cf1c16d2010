"""Which language to speak: a user's own setting, else what the browser asks for
(``Accept-Language``), else the site's ``ui_language``, else the lexicon's language; the CLI:
``--lang``, else ``LC_ALL`` / ``LC_MESSAGES`` / ``LANG``."""

from __future__ import annotations

from collections.abc import Mapping

from callreview.i18n import DEFAULT, LANGUAGES


def normalize(tag: str | None) -> str | None:
    """One of :data:`LANGUAGES` for a language tag or POSIX locale (``zh-CN``, ``zh_CN.UTF-8``,
    ``zh-Hans``, ``en-US``, ``C``), ``None`` for one callreview does not speak."""
    if not tag:
        return None
    base = tag.strip().split(".")[0].split("@")[0].replace("-", "_").lower()
    if base in ("c", "posix") or base.startswith("en"):
        return "en"
    if base.startswith("zh"):
        return "zh_CN"  # zh, zh_Hans, zh_TW…: the one Chinese catalog there is
    return None


def from_accept_language(header: str | None) -> str | None:
    """The browser's first choice callreview speaks, by its q-values (``None``: none it speaks)."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        language = normalize(tag) if tag != "*" else None
        if language and q > 0:
            ranked.append((-q, i, language))
    return min(ranked)[2] if ranked else None


def from_environment(environ: Mapping[str, str]) -> str | None:
    """The language of a POSIX environment, as gettext reads it (the first of ``LC_ALL``,
    ``LC_MESSAGES``, ``LANG`` that is set)."""
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if environ.get(key):
            return normalize(environ[key])
    return None


def site_language(ui_language: str | None, lexicon: str | None) -> str:
    """The site's language: its ``ui_language`` setting, else its lexicon's (``zh-CN``; a lexicon
    given as a path is the bundled Mandarin's kind), else Chinese."""
    return normalize(ui_language) or normalize(lexicon) or "zh_CN"


def for_command(flag: str | None, environ: Mapping[str, str], site: str | None) -> str:
    """The language of one command: ``--lang``, else the environment's locale (``LC_ALL``,
    ``LC_MESSAGES``, ``LANG``), else the site's (:func:`site_language`)."""
    return normalize(flag) or from_environment(environ) or normalize(site) or DEFAULT


def choose(
    user: str | None = None, accept_language: str | None = None, site: str | None = None
) -> str:
    """The language of one web request, by precedence."""
    return normalize(user) or from_accept_language(accept_language) or normalize(site) or DEFAULT


__all__ = [
    "LANGUAGES",
    "choose",
    "for_command",
    "from_accept_language",
    "from_environment",
    "normalize",
]
