"""The pages about one call: the call itself (player, transcript, items with evidence, history,
appeals), the override form, and the POSTs that override, confirm, appeal and decide; the
recording by call id."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.responses import FileResponse, Response

from callreview.errors import CallreviewError
from callreview.i18n import gettext as _
from callreview.team.export.redaction import shown_call
from callreview.team.people import MAX_NOTE, STATUSES, NotAllowed, NotFound
from callreview.web import views
from callreview.web.masked_audio import masked_wav
from callreview.web.pages import MAX_ID, Pages, Refused
from callreview.web.recordings import media_type, recording

if TYPE_CHECKING:
    from starlette.requests import Request

    from callreview.store import StoredCall

APPEALABLE = ("fail", "review")
"""An agent appeals an item that cost them: one failed or waiting for a person."""


class CallPages(Pages):
    def call_page(
        self,
        request: Request,
        status: int = 200,
        appeal_error: str | None = None,
        form: Any = None,
    ) -> Response:
        """The call; after a refused appeal (``appeal_error``), its form again, open, with what
        was typed and why it was refused."""
        user = self.logged_in(request)
        opened = self.open_call(user, request.path_params["call"])
        shown = shown_call(self.store, opened, self.rules)
        stored, transcript = shown.call, shown.transcript
        final = self.people.final(stored)
        items = views.item_views(final, self.scorecard)
        delivery = views.delivery_views(stored.review)
        appeals = self.people.appeals(stored.id)
        own = user.role == "agent" and user.agent is not None and stored.agent == user.agent
        open_appeals = {a.item: a.id for a in appeals if a.status == "open"}
        return self.render(
            request,
            "call.html",
            status,
            user=user,
            call=stored,
            final=final,
            items=items,
            delivery=delivery,
            lines=views.transcript_lines(transcript, items, delivery),
            at=_moment(request.query_params.get("t")),
            redactions=shown.redactions,
            history=self.people.history(stored.id),
            appeals=appeals,
            versions=self.store.history(stored.id),
            has_audio=self.recording_of(stored) is not None,
            statuses=STATUSES,
            can_override=user.can_override,
            can_decide=user.can_decide,
            can_appeal=own,
            appealable=[
                it.name for it in items if it.status in APPEALABLE and it.name not in open_appeals
            ]
            if own
            else [],
            open_appeals=open_appeals if own else {},
            appeal_item=str(form.get("item", "")) if form is not None else "",
            appeal_reason=str(form.get("reason", "")) if form is not None else "",
            appeal_error=appeal_error,
            acknowledged=self.store.acknowledgement(stored.review_id) if stored.review_id else None,
            can_acknowledge=own and final.reviewed,
            max_note=MAX_NOTE,
            file_label=stored.path if user.sees_all else _file_name(stored.path),
            band_labels={b.name: b.label for b in self.scorecard.bands},
        )

    def override_form(
        self, request: Request, status: int = 200, error: str | None = None, form: Any = None
    ) -> Response:
        user = self.logged_in(request)
        if not user.can_override:
            raise NotAllowed(_cannot_override(user.name, user.role))
        stored = shown_call(
            self.store, self.open_call(user, request.path_params["call"]), self.rules
        ).call
        item = (form.get("item") if form is not None else None) or request.query_params.get(
            "item", ""
        )
        items = self.scorecard.item_ids()
        if item not in items or item not in (stored.review or {}).get("items", {}):
            raise NotFound(
                _("%(item)r is not a checklist item; items are %(items)s")
                % {"item": item, "items": ", ".join(items)}
            )
        final = self.people.final(stored)
        view = views.item_view(final.items[item], self.scorecard)
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
            raise NotAllowed(_cannot_override(user.name, user.role))
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
            _("%(item)s: %(was)s → %(now)s; score %(before)s → %(after)s")
            % {
                "item": views.item_label(item, scorecard=self.scorecard),
                "was": _status(change.from_status),
                "now": _status(change.to_status),
                "before": views.score_text(before),
                "after": views.score_text(after),
            },
            request,
        )

    def confirm(self, request: Request, form: Any) -> Response:
        user = self.logged_in(request)
        stored = self.open_call(user, request.path_params["call"])
        final = self.people.confirm(stored.id, user)
        return self.redirect(
            f"/calls/{stored.id}",
            _("Marked reviewed; final score %(score)s.") % {"score": views.score_text(final.score)},
            request,
        )

    def appeal(self, request: Request, form: Any) -> Response:
        user = self.logged_in(request)
        stored = self.open_call(user, request.path_params["call"])
        try:
            filed = self.people.file_appeal(
                stored.id, str(form.get("item", "")), str(form.get("reason", "")), user
            )
        except (NotAllowed, NotFound):
            raise
        except CallreviewError as err:  # the reason too long, an appeal open already…: say so
            return self.call_page(request, 400, str(err), form)
        return self.redirect(
            f"/calls/{stored.id}#appeals",
            _("Appeal #%(id)s of %(item)s filed; a supervisor will decide it.")
            % {"id": filed.id, "item": views.item_label(filed.item, scorecard=self.scorecard)},
            request,
        )

    def decide(self, request: Request, form: Any) -> Response:
        user = self.logged_in(request)
        appeal = request.path_params["appeal"]
        found = self.people.appeal(appeal) if 0 <= appeal <= MAX_ID else None
        if found is None:
            raise NotFound(_("There is no appeal %(id)s.") % {"id": request.path_params["appeal"]})
        self.open_call(user, found.call)
        decided = self.people.decide(
            found.id,
            str(form.get("decision", "")),
            str(form.get("note", "")),
            user,
            str(form.get("status", "pass") or "pass"),
        )
        return self.redirect(
            f"/calls/{found.call}#appeals",
            (
                _("Appeal #%(id)s upheld.")
                if decided.status == "upheld"
                else _("Appeal #%(id)s overturned.")
            )
            % {"id": decided.id},
            request,
        )

    def audio(self, request: Request) -> Response:
        raw = request.path_params["call"]
        if not raw.isdigit():  # a call id, never a path: ../, %2e%2e%2f and friends end here
            raise NotFound(_("The audio endpoint takes a call id."))
        user = self.user(request, required=False)
        if user is None:
            raise Refused(401, _("Log in to listen to calls."))
        stored = self.open_call(user, int(raw))
        path = self.recording_of(stored, log=True)
        if path is None:
            known = stored.path if user.sees_all else _file_name(stored.path)
            raise NotFound(
                _(
                    "The recording of call %(id)s is not on this machine "
                    "(the store knows it as %(path)s)."
                )
                % {"id": stored.id, "path": known}
            )
        # never cached: a shared PC keeps no call's audio after its user logs out
        if self.redact_audio:
            masks = shown_call(self.store, stored, self.rules).redactions
            return Response(
                masked_wav(path, masks),
                media_type="audio/wav",
                headers={"Cache-Control": "no-store"},
            )
        return FileResponse(
            path, media_type=media_type(path), headers={"Cache-Control": "no-store"}
        )

    def recording_of(self, stored: StoredCall, log: bool = False) -> Path | None:
        return recording(self.store, stored, self.recording_roots, log)


def _cannot_override(name: str, role: str) -> str:
    return _("user %(name)s (%(role)s) cannot override results; reviewers and supervisors can") % {
        "name": name,
        "role": role,
    }


def _status(status: str) -> str:
    return views.words.status_code(status)


def _file_name(path: str) -> str:
    """A path's last part, whichever separator it was written with: what an agent is shown."""
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _moment(value: str | None) -> float | None:
    """``?t=SECONDS``: where the player starts and which turn is marked (anything else: none)."""
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    return seconds if seconds is not None and 0 <= seconds < 10**7 else None
