"""The calibration pages (:mod:`callreview.team.calibration`).

    GET  /calibration                       the rounds; supervisors: the start form and the figures
    POST /calibration                       supervisors: start a round
    GET  /calibration/{round}/calls/{call}  a round's call: transcript, audio and a per-item form,
                                            blind (no automatic result, no one else's marks) until
                                            this reviewer submitted it; then both, beside theirs
    POST /calibration/{round}/calls/{call}  submit the marks (final)

A reviewer of a round who opens one of its calls on ``/calls/{id}`` (or its override form)
before submitting it is sent here, so the call page never shows them what the round hides.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from callreview.errors import CallreviewError
from callreview.i18n import gettext as _
from callreview.results import STATUSES
from callreview.team.calibration import RETRAIN_BIAS, Calibration
from callreview.team.export.redaction import shown_call
from callreview.team.people import NotAllowed
from callreview.web import views
from callreview.web.calls import CallPages
from callreview.web.pages import MAX_ID

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response


class CalibrationPages(CallPages):
    @cached_property
    def calibration(self) -> Calibration:
        return Calibration(self.store, self.scorecard)

    def call_page(
        self,
        request: Request,
        status: int = 200,
        appeal_error: str | None = None,
        form: Any = None,
    ) -> Response:
        blind = self._blind_round(request)
        if blind is not None:
            return self.redirect(f"/calibration/{blind}/calls/{request.path_params['call']}")
        return super().call_page(request, status, appeal_error, form)

    def override_form(
        self, request: Request, status: int = 200, error: str | None = None, form: Any = None
    ) -> Response:
        blind = self._blind_round(request)
        if blind is not None:
            return self.redirect(f"/calibration/{blind}/calls/{request.path_params['call']}")
        return super().override_form(request, status, error, form)

    def _blind_round(self, request: Request) -> int | None:
        """The round that keeps the requested call blind for the user, if any."""
        user = self.user(request, required=False)
        call = request.path_params["call"]
        if user is None or not user.can_override or not 0 <= call <= MAX_ID:
            return None
        return self.calibration.blind(user, call)

    def calibration_page(self, request: Request, status: int = 200, error: str | None = None):
        user = self.staff(request)
        rounds = self.calibration.rounds()
        if user.role != "supervisor":
            rounds = [r for r in rounds if user.name in r.round.reviewers]
        report = self.calibration.report() if user.role == "supervisor" else None
        submitted = {
            (r.round.id, call): self.store.submitted(r.round.id, call, user.name)
            for r in rounds
            for call, _review in r.round.calls
        }
        return self.render(
            request,
            "calibration.html",
            status,
            user=user,
            nav="calibration",
            rounds=list(reversed(rounds)),
            submitted=submitted,
            report=report,
            retrain_bias=RETRAIN_BIAS,
            reviewers=[u.name for u in self.people.users() if u.role in ("reviewer", "supervisor")],
            samples=self.store.samples(),
            error=error,
        )

    def start_calibration(self, request: Request, form: Any) -> Response:
        user = self.staff(request)
        if user.role != "supervisor":
            raise NotAllowed(
                _("user %(name)s cannot start calibration rounds; supervisors can")
                % {"name": user.name}
            )
        raw_calls = str(form.get("calls", "")).strip()
        sample = str(form.get("sample", "")).strip() or None
        try:
            calls = int(raw_calls) if raw_calls and sample is None else None
        except ValueError:
            return self.calibration_page(request, 400, _("Give the number of calls as a number."))
        try:
            started = self.calibration.start_round(
                [str(r) for r in form.getlist("reviewers")],
                user.name,
                calls=calls,
                sample=sample,
                name=str(form.get("name", "")).strip() or None,
            )
        except CallreviewError as err:
            return self.calibration_page(request, 400, str(err))
        return self.redirect(
            "/calibration",
            _("Calibration round #%(id)s started: %(calls)s calls, %(reviewers)s reviewers.")
            % {
                "id": started.id,
                "calls": len(started.calls),
                "reviewers": len(started.reviewers),
            },
            request,
        )

    def round_call_page(
        self, request: Request, status: int = 200, error: str | None = None
    ) -> Response:
        user = self.staff(request)
        round_id, call = request.path_params["round"], request.path_params["call"]
        if not (0 <= round_id <= MAX_ID and 0 <= call <= MAX_ID):
            raise CallreviewError(_("No such calibration round or call."))
        found, stored = self.calibration.round_call(round_id, call, user)
        done = self.store.submitted(round_id, call, user.name)
        # blind: only a reviewer who submitted (or a supervisor outside the round) sees the rest
        sees = done or user.name not in found.reviewers
        shown = shown_call(self.store, stored, self.rules)
        items = list((stored.review or {}).get("items", {}).items())
        marks = self.calibration.marks(round_id, call) if sees else {}
        return self.render(
            request,
            "calibration_call.html",
            status,
            user=user,
            nav="calibration",
            round=found,
            call=shown.call,
            items=[(name, data) for name, data in items],
            lines=views.transcript_lines(shown.transcript, []),
            has_audio=self.recording_of(stored) is not None,
            statuses=STATUSES,
            submitted=done,
            sees=sees,
            marks=marks,
            reviewers=[r for r in found.reviewers if r in marks],
            error=error,
            at=None,
            redactions=shown.redactions,
        )

    def submit_round_call(self, request: Request, form: Any) -> Response:
        user = self.staff(request)
        round_id, call = request.path_params["round"], request.path_params["call"]
        if not (0 <= round_id <= MAX_ID and 0 <= call <= MAX_ID):
            raise CallreviewError(_("No such calibration round or call."))
        statuses = {
            str(k)[len("item:") :]: str(v) for k, v in form.items() if str(k).startswith("item:")
        }
        try:
            self.calibration.submit(round_id, call, statuses, user)
        except NotAllowed:
            raise
        except CallreviewError as err:
            return self.round_call_page(request, 400, str(err))
        return self.redirect(
            f"/calibration/{round_id}/calls/{call}",
            _("Submitted; the automatic result and the other reviewers' marks are shown."),
            request,
        )
