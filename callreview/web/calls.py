"""The pages about one call: the call itself (player, transcript, items with evidence, history,
appeals), the override form, and the POSTs that override, confirm, appeal and decide; the
recording by call id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import FileResponse

from callreview.errors import CallreviewError
from callreview.team.people import ITEMS, STATUSES, NotAllowed, NotFound
from callreview.web import views
from callreview.web.pages import Pages, Refused
from callreview.web.recordings import media_type, recording

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response


class CallPages(Pages):
    def call_page(self, request: Request) -> Response:
        user = self.logged_in(request)
        stored = self.open_call(user, request.path_params["call"])
        final = self.people.final(stored)
        items = views.item_views(final)
        transcript = self.store.transcript(stored.id)
        delivery = views.delivery_views(stored.review)
        return self.render(
            request,
            "call.html",
            user=user,
            call=stored,
            final=final,
            items=items,
            delivery=delivery,
            lines=views.transcript_lines(transcript, items, delivery),
            history=self.people.history(stored.id),
            appeals=self.people.appeals(stored.id),
            versions=self.store.history(stored.id),
            has_audio=recording(self.store, stored) is not None,
            statuses=STATUSES,
            can_override=user.can_override,
            can_decide=user.can_decide,
            can_appeal=user.role == "agent"
            and user.agent is not None
            and stored.agent == user.agent,
            band_labels={b.name: b.label for b in self.scorecard.bands},
        )

    def override_form(
        self, request: Request, status: int = 200, error: str | None = None, form: Any = None
    ) -> Response:
        user = self.logged_in(request)
        if not user.can_override:
            raise NotAllowed(
                f"user {user.name} ({user.role}) cannot override results; "
                "reviewers and supervisors can"
            )
        stored = self.open_call(user, request.path_params["call"])
        item = (form.get("item") if form is not None else None) or request.query_params.get(
            "item", ""
        )
        if item not in ITEMS:
            raise NotFound(f"{item!r} is not a checklist item; items are {', '.join(ITEMS)}")
        final = self.people.final(stored)
        view = views.item_view(final.items[item])
        return self.render(
            request,
            "override.html",
            status,
            user=user,
            call=stored,
            final=final,
            item=view,
            statuses=STATUSES,
            error=error,
            note=(form.get("note", "") if form is not None else ""),
            chosen=(form.get("status", "") if form is not None else ""),
        )

    def override(self, request: Request, form: Any) -> Response:
        user = self.logged_in(request)
        if not user.can_override:
            raise NotAllowed(
                f"user {user.name} ({user.role}) cannot override results; "
                "reviewers and supervisors can"
            )
        stored = self.open_call(user, request.path_params["call"])
        item, status, note = (
            str(form.get("item", "")),
            str(form.get("status", "")),
            str(form.get("note", "")),
        )
        before = self.people.final(stored).score
        try:
            change = self.people.override(stored.id, item, status, note, user)
        except (NotAllowed, NotFound):
            raise
        except CallreviewError as err:
            return self.override_form(request, 400, str(err), form)
        after = self.people.final(self.open_call(user, stored.id)).score
        return self.redirect(
            f"/calls/{stored.id}#item-{item}",
            f"{views.LABELS.get(item, item)}: {change.from_status} → {change.to_status}; "
            f"score {views.score_text(before)} → {views.score_text(after)}",
            request,
        )

    def confirm(self, request: Request, form: Any) -> Response:
        user = self.logged_in(request)
        stored = self.open_call(user, request.path_params["call"])
        final = self.people.confirm(stored.id, user)
        return self.redirect(
            f"/calls/{stored.id}",
            f"Marked reviewed; final score {views.score_text(final.score)}.",
            request,
        )

    def appeal(self, request: Request, form: Any) -> Response:
        user = self.logged_in(request)
        stored = self.open_call(user, request.path_params["call"])
        filed = self.people.file_appeal(
            stored.id, str(form.get("item", "")), str(form.get("reason", "")), user
        )
        return self.redirect(
            f"/calls/{stored.id}#appeals",
            f"Appeal #{filed.id} of {views.LABELS.get(filed.item, filed.item)} filed; "
            "a supervisor will decide it.",
            request,
        )

    def decide(self, request: Request, form: Any) -> Response:
        user = self.logged_in(request)
        found = self.people.appeal(request.path_params["appeal"])
        if found is None:
            raise NotFound(f"There is no appeal {request.path_params['appeal']}.")
        self.open_call(user, found.call)
        decided = self.people.decide(
            found.id,
            str(form.get("decision", "")),
            str(form.get("note", "")),
            user,
            str(form.get("status", "pass") or "pass"),
        )
        return self.redirect(
            f"/calls/{found.call}#appeals", f"Appeal #{decided.id} {decided.status}.", request
        )

    def audio(self, request: Request) -> Response:
        raw = request.path_params["call"]
        if not raw.isdigit():  # a call id, never a path: ../, %2e%2e%2f and friends end here
            raise NotFound("The audio endpoint takes a call id.")
        user = self.user(request, required=False)
        if user is None:
            raise Refused(401, "Log in to listen to calls.")
        stored = self.open_call(user, int(raw))
        path = recording(self.store, stored)
        if path is None:
            raise NotFound(
                f"The recording of call {stored.id} is not on this machine "
                f"(the store knows it as {stored.path})."
            )
        return FileResponse(
            path, media_type=media_type(path), headers={"Cache-Control": "private, max-age=3600"}
        )
