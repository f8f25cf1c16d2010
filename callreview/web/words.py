"""The words of the templates besides the catalogs' own: status, band, role and item names in
the current language, scores and times as it writes them, and the one Jinja2 environment (with
the i18n extension) of the live app and the static report."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from callreview.i18n import N_, Current, bilingual, current, gettext
from callreview.i18n.formats import number, when
from callreview.qc.checks.base import clock
from callreview.qc.labels import LABELS

if TYPE_CHECKING:
    from callreview.qc.scorecard import Scorecard

TEMPLATES = Path(__file__).resolve().parent / "templates"
BAND_NAMES = {
    "excellent": N_("excellent"),
    "good": N_("good"),
    "needs_improvement": N_("needs improvement"),
    "below_standard": N_("below standard"),
}
STATUS_WORDS = {"pass": N_("PASS"), "fail": N_("FAIL"), "na": N_("N/A"), "review": N_("REVIEW")}
ROLE_LABELS = {"agent": "Agent 坐席", "customer": "Customer 客户", "unknown": N_("Speaker")}
ROLE_WORDS = {"agent": N_("agent"), "customer": N_("customer"), "unknown": N_("speaker")}
SHORT_LABELS = {
    "greeting": N_("Greeting"),
    "customer_name": N_("Name"),
    "hold": N_("Hold"),
    "forbidden": N_("Forbidden"),
    "closing": N_("Closing"),
}
STATUS_CODES = {"pass": N_("pass"), "fail": N_("fail"), "na": N_("na"), "review": N_("review")}
"""A status as a flash message or a note writes it, in lower case."""
APPEAL_WORDS = {"open": N_("open"), "upheld": N_("upheld"), "overturned": N_("overturned")}


class StatusLabels:
    """``status_label[s]`` of the templates: a status's word in the current language."""

    def __getitem__(self, status: str) -> str:
        return gettext(STATUS_WORDS[status]) if status in STATUS_WORDS else status

    def get(self, status: str, default: str | None = None) -> str | None:
        return self[status] if status in STATUS_WORDS else default


def environment() -> Environment:
    """The Jinja2 environment of both the app and the static report: autoescape on, always;
    gettext from the current language's catalog (:mod:`callreview.i18n`)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(Current(), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        clock=clock,
        status_label=StatusLabels(),
        item_label=item_label,
        item_short=item_short,
        band_name=band_name,
        role_label=lambda role: bilingual(gettext(ROLE_LABELS.get(role) or role)),
        role_word=lambda role: gettext(ROLE_WORDS[role]) if role in ROLE_WORDS else role,
        appeal_word=lambda s: gettext(APPEAL_WORDS[s]) if s in APPEAL_WORDS else s,
        bilingual=bilingual,
        current_language=current,
        role_name=role_name,
        direction_word=direction_word,
        when=when,
        number=number,
        score_text=score_text,
    )
    return env


FLAG = "⚑ "
"""Before a flag's name (a scorecard's item of kind ``flag``: listed and filterable, scores
nothing)."""


def item_label(
    name: str, data: Mapping[str, Any] | None = None, scorecard: Scorecard | None = None
) -> str:
    """An item's name in the current language: a built-in's own, a scorecard's item its
    ``label`` (from the stored item, else from ``scorecard``), a flag's after :data:`FLAG`."""
    if name in LABELS:
        return bilingual(LABELS[name])
    return _custom_name(name, data, scorecard)


def item_short(
    name: str, data: Mapping[str, Any] | None = None, scorecard: Scorecard | None = None
) -> str:
    """An item's short name (a chip, a column head): a built-in's one word, a scorecard's item
    its label."""
    if name in SHORT_LABELS:
        return gettext(SHORT_LABELS[name])
    return _custom_name(name, data, scorecard)


def is_flag(
    name: str, data: Mapping[str, Any] | None = None, scorecard: Scorecard | None = None
) -> bool:
    """A flag: fires or not, scores nothing (its ``kind`` stored, else the scorecard's)."""
    if name in LABELS:
        return False
    if data is not None and "kind" in data:
        return data.get("kind") == "flag"
    return scorecard is not None and scorecard.item_kind(name) == "flag"


def item_words(scorecard: Scorecard) -> dict[str, Any]:
    """``item_label`` and ``item_short`` of the templates, knowing ``scorecard``'s own items."""
    return {
        "item_label": lambda name, data=None: item_label(name, data, scorecard),
        "item_short": lambda name, data=None: item_short(name, data, scorecard),
    }


def _custom_name(name: str, data: Mapping[str, Any] | None, scorecard: Scorecard | None) -> str:
    label = (data or {}).get("label") or (
        scorecard.item_label(name) if scorecard is not None else name
    )
    return (FLAG if is_flag(name, data, scorecard) else "") + bilingual(str(label))


def band_name(band: str | None) -> str:
    if band in BAND_NAMES:
        return gettext(BAND_NAMES[band])
    return (band or "").replace("_", " ")


def score_text(score: float | None) -> str:
    return "—" if score is None else number(score, 1)


USER_ROLES = {
    "agent": N_("agent"),
    "reviewer": N_("reviewer"),
    "supervisor": N_("supervisor"),
    "admin": N_("admin"),
}
DIRECTIONS = {"inbound": N_("inbound"), "outbound": N_("outbound")}


def role_name(role: str) -> str:
    return gettext(USER_ROLES[role]) if role in USER_ROLES else role


def direction_word(direction: str) -> str:
    return gettext(DIRECTIONS[direction]) if direction in DIRECTIONS else direction


def status_code(status: str) -> str:
    return gettext(STATUS_CODES[status]) if status in STATUS_CODES else status
