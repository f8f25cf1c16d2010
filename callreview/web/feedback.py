"""Feedback on time (:mod:`callreview.team.feedback`).

GET  /feedback?week=YYYY-Www   staff: reviewed calls not acknowledged within a working day,
                               and the week's most common failures (team and per agent)
POST /calls/{id}/acknowledge   the call's agent: they have seen the reviewed result
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from callreview.dates import iso_week, parse_week
from callreview.errors import CallreviewError
from callreview.i18n import gettext as _
from callreview.team.feedback import acknowledge, common_failures, overdue
from callreview.web.pages import Pages

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response


class FeedbackPages(Pages):
    def feedback_page(self, request: Request) -> Response:
        user = self.staff(request)
        week = request.query_params.get("week") or iso_week(_today())
        try:
            parse_week(week)
        except CallreviewError:
            week = iso_week(_today())
        return self.render(
            request,
            "feedback.html",
            user=user,
            nav="feedback",
            week=week,
            late=overdue(self.store),
            failures=common_failures(self.store, self.scorecard, week),
        )

    def acknowledge(self, request: Request, form: Any) -> Response:
        user = self.logged_in(request)
        stored = self.open_call(user, request.path_params["call"])
        acknowledge(self.store, stored.id, user)
        return self.redirect(f"/calls/{stored.id}", _("Acknowledged."), request)


def _today() -> str:
    return date.today().isoformat()
