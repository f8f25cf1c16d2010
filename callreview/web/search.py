"""``GET /search?q=…``: every turn where something was said, in the calls the user may open.

The filters are the queue's (:func:`callreview.web.query.parse_queue`); an agent's search is
held to their own calls as ``/my`` is, whatever the query string says. Each hit links to the
call opened at that moment (``/calls/ID?t=SECONDS``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from callreview.errors import CallreviewError
from callreview.matching.index import ROLES, SearchOptions, pieces, search
from callreview.team.export.redaction import shown_hits
from callreview.web.pages import Pages
from callreview.web.query import Query, parse_queue

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from callreview.store import Hit

MAX_HITS = 50
"""Hits on one page: enough to scan, few enough to render at once."""
MAX_QUERY = 200
"""The longest query the page takes (characters)."""


@dataclass(frozen=True)
class HitView:
    hit: Hit
    pieces: list[tuple[str, bool]]
    """The turn's text cut into (piece, matched): the template escapes each and marks matches."""
    link: str


class SearchPages(Pages):
    def search_page(self, request: Request) -> Response:
        user = self.logged_in(request)
        params = request.query_params
        q = params.get("q", "").strip()
        role = params.get("role", "").strip() or None
        sounds = params.get("sounds", "") == "yes"
        error: str | None = None
        hits: list[HitView] = []
        raw: dict[str, str] = {}
        try:
            bands = tuple(b.name for b in self.scorecard.bands)
            filters, _, _, _, raw = parse_queue(params, bands)
            if not user.sees_all:  # an agent searches their own calls, as /my shows them
                filters = replace(filters, agent=user.agent or "\x00none")
                raw.pop("agent", None)
            if role is not None and role not in ROLES:
                raise CallreviewError("role: use agent or customer")
            if len(q) > MAX_QUERY:
                raise CallreviewError(f"the query is longer than {MAX_QUERY} characters")
            if q:
                options = SearchOptions(q, role, filters, sounds, MAX_HITS)
                hits = [
                    HitView(h, pieces(h.text, options), f"/calls/{h.call}?t={h.start}")
                    for h in shown_hits(self.store, search(self.store, options), self.rules)
                ]
        except CallreviewError as err:  # a query that cannot be run: said on the page
            error = str(err)
        return self.render(
            request,
            "search.html",
            400 if error else 200,
            user=user,
            nav="search",
            q=q,
            role=role or "",
            sounds=sounds,
            raw=raw,
            error=error,
            hits=hits,
            max_hits=MAX_HITS,
            agents=self.people.agents_list() if user.sees_all else [],
            query=Query("/search", {**raw, "q": q}),
        )
