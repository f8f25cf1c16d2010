"""The queue's query string (filters, sort, page) parsed and checked, and the URLs the live
app's pages link to (the static report has its own, relative ones)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlencode

from callreview.dates import parse_day
from callreview.errors import CallreviewError
from callreview.team.people import ITEMS, SORTS, QueueFilter

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_PAGE = 10**12
"""A page number the stores' 64-bit offsets hold whatever the page size; past it, refused."""

FILTER_KEYS = (
    "agent",
    "since",
    "until",
    "band",
    "failed",
    "needs_review",
    "sample",
    "reviewed",
    "appeals",
    "sort",
    "dir",
    "page",
)


@dataclass
class Links:
    """URLs as the live app serves them."""

    static_report: bool = False

    def call(self, call: int) -> str:
        return f"/calls/{call}"

    def audio(self, call: int) -> str:
        return f"/audio/{call}"

    def asset(self, name: str) -> str:
        return f"/static/{name}"

    def index(self) -> str:
        return "/queue"


@dataclass
class Query:
    """The queue's query string, parsed and checked; ``url`` rebuilds it with changes."""

    base: str
    raw: dict[str, str] = field(default_factory=dict)

    def url(self, **changes: Any) -> str:
        params = {**self.raw, **{k: ("" if v is None else str(v)) for k, v in changes.items()}}
        params = {k: v for k, v in params.items() if v not in ("", None)}
        return self.base + ("?" + urlencode(params) if params else "")

    def sort_url(self, key: str, sort: str, descending: bool) -> str:
        flip = "asc" if (key == sort and descending) else "desc"
        return self.url(sort=key, dir=flip, page=None)


def parse_queue(
    params: Mapping[str, str], bands: tuple[str, ...], items: tuple[str, ...] = ITEMS
) -> tuple[QueueFilter, str, bool, int, dict[str, str]]:
    """(filters, sort, descending, page, the raw values kept) from a query string; a bad value
    is refused with what to write instead. ``items``: the scorecard's (``failed`` is one)."""
    raw = {k: params.get(k, "").strip() for k in FILTER_KEYS if params.get(k, "").strip()}
    for key in ("since", "until"):
        if key in raw and not _DATE.match(raw[key]):
            raise CallreviewError(f"{key}: {raw[key]!r} is not a date; use YYYY-MM-DD")
        if key in raw:
            parse_day(raw[key], key)  # 2026-13-01: refused as the CLI refuses it
    yes_no = {"yes": True, "no": False}
    for key in ("needs_review", "reviewed"):
        if key in raw and raw[key] not in yes_no:
            raise CallreviewError(f"{key}: use yes or no")
    if "band" in raw and raw["band"] not in bands:
        raise CallreviewError(
            f"band: {raw['band']!r} is not a band of the scorecard ({', '.join(bands)})"
        )
    if "failed" in raw and raw["failed"] not in items:
        raise CallreviewError(
            f"failed: {raw['failed']!r} is not a checklist item ({', '.join(items)})"
        )
    if "appeals" in raw and raw["appeals"] not in ("open", "any"):
        raise CallreviewError("appeals: use open or any")
    sort = raw.get("sort", "date")
    if sort not in SORTS:
        raise CallreviewError(f"sort: {sort!r}; sort by date, score, agent, duration or id")
    try:
        page = max(1, int(raw.get("page", "1")))
    except ValueError:
        raise CallreviewError("page: use a number") from None
    if page > MAX_PAGE:
        raise CallreviewError(
            f"page: {raw['page']} is not a page number; use a whole number from 1"
        )
    filters = QueueFilter(
        agent=raw.get("agent"),
        since=raw.get("since"),
        until=raw.get("until"),
        band=raw.get("band"),
        failed=raw.get("failed"),
        needs_review=yes_no.get(raw.get("needs_review", "")),
        sample=raw.get("sample"),
        reviewed=yes_no.get(raw.get("reviewed", "")),
        appeals=cast(Any, raw.get("appeals")),
    )
    return filters, sort, raw.get("dir", "desc") != "asc", page, raw
