"""The HTTP side of ``callreview serve``: routes, roles and responses over :mod:`callreview.team.people`.

    GET  /login  POST /login  POST /logout
    GET  /queue                      reviewers, supervisors, admins: every scored call, filtered, sorted, paged
    GET  /my                         an agent: their own calls
    GET  /calls/{id}                 the call: player, transcript, items with evidence, history, appeals
    GET  /calls/{id}/override?item=  the override form (reviewers, supervisors)
    POST /calls/{id}/override        POST /calls/{id}/confirm   POST /calls/{id}/appeal
    POST /appeals/{id}/decide        supervisors
    GET  /audio/{id}                 the call's recording by call id, with HTTP Range (206)
    GET  /agents  GET /agreement     figures (not for agents)

Handlers are plain functions run in a worker thread (the store's connection is blocking);
every POST carries the session's CSRF token; a role that may not do something gets 403,
never a hidden button only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from callreview.errors import CallreviewError
from callreview.team.people import ITEMS, STATUSES, NotAllowed, NotFound, People, QueueFilter, User
from callreview.web import auth, views
from callreview.web.recordings import media_type, recording

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from callreview.qc.scorecard import Scorecard
    from callreview.store import Store

PER_PAGE = 50
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class LoginRequired(Exception):
    pass


class Refused(Exception):
    """An HTTP refusal with a status and a one-line message (403 CSRF, 429 rate limit…)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Links:
    """URLs as the live app serves them (the static report has its own, relative ones)."""

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


def parse_queue(
    params: Mapping[str, str], bands: tuple[str, ...]
) -> tuple[QueueFilter, str, bool, int, dict[str, str]]:
    raw = {k: params.get(k, "").strip() for k in FILTER_KEYS if params.get(k, "").strip()}
    for key in ("since", "until"):
        if key in raw and not _DATE.match(raw[key]):
            raise CallreviewError(f"{key}: {raw[key]!r} is not a date; use YYYY-MM-DD")
    yes_no = {"yes": True, "no": False}
    for key in ("needs_review", "reviewed"):
        if key in raw and raw[key] not in yes_no:
            raise CallreviewError(f"{key}: use yes or no")
    if "band" in raw and raw["band"] not in bands:
        raise CallreviewError(
            f"band: {raw['band']!r} is not a band of the scorecard ({', '.join(bands)})"
        )
    if "failed" in raw and raw["failed"] not in ITEMS:
        raise CallreviewError(
            f"failed: {raw['failed']!r} is not a checklist item ({', '.join(ITEMS)})"
        )
    if "appeals" in raw and raw["appeals"] not in ("open", "any"):
        raise CallreviewError("appeals: use open or any")
    sort = raw.get("sort", "date")
    if sort not in ("date", "score", "agent", "duration", "id"):
        raise CallreviewError(f"sort: {sort!r}; sort by date, score, agent, duration or id")
    try:
        page = max(1, int(raw.get("page", "1")))
    except ValueError:
        raise CallreviewError("page: use a number") from None
    filters = QueueFilter(
        agent=raw.get("agent"),
        since=raw.get("since"),
        until=raw.get("until"),
        band=raw.get("band"),
        failed=raw.get("failed"),
        needs_review=yes_no.get(raw.get("needs_review", "")),
        sample=raw.get("sample"),
        reviewed=yes_no.get(raw.get("reviewed", "")),
        appeals=raw.get("appeals"),  # type: ignore[arg-type]
    )
    return filters, sort, raw.get("dir", "desc") != "asc", page, raw


class WebApp:
    """One store, one scorecard, one template environment: what every request shares."""

    def __init__(
        self,
        store: Store,
        scorecard: Scorecard,
        secure_cookies: bool = False,
        debug: bool = False,
    ) -> None:
        self.store = store
        self.debug = debug
        self.people = People(store, scorecard)
        self.scorecard = scorecard
        self.env = views.environment()
        self.limiter = auth.LoginLimiter()
        self.secure_cookies = secure_cookies
        self.links = Links()

    # --- plumbing -----------------------------------------------------------------------

    def asgi(self):
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.middleware.sessions import SessionMiddleware
        from starlette.routing import Mount, Route
        from starlette.staticfiles import StaticFiles

        def page(handler: Callable[..., Response], methods: tuple[str, ...] = ("GET",)):
            async def endpoint(request: Request) -> Response:
                from starlette.concurrency import run_in_threadpool

                form = await request.form() if request.method == "POST" else None
                return await run_in_threadpool(self.dispatch, handler, request, form)

            return endpoint, list(methods)

        routes = [
            ("/", self.home),
            ("/login", self.login_page),
            ("/login", self.login, ("POST",)),
            ("/logout", self.logout, ("POST",)),
            ("/queue", self.queue),
            ("/my", self.my_calls),
            ("/calls/{call:int}", self.call_page),
            ("/calls/{call:int}/override", self.override_form),
            ("/calls/{call:int}/override", self.override, ("POST",)),
            ("/calls/{call:int}/confirm", self.confirm, ("POST",)),
            ("/calls/{call:int}/appeal", self.appeal, ("POST",)),
            ("/appeals/{appeal:int}/decide", self.decide, ("POST",)),
            ("/audio/{call}", self.audio),
            ("/agents", self.agents),
            ("/agreement", self.agreement),
        ]
        starlette_routes: list[Any] = []
        for path, handler, *methods in routes:
            endpoint, verbs = page(handler, *methods)
            starlette_routes.append(Route(path, endpoint, methods=verbs))
        starlette_routes.append(
            Mount("/static", app=StaticFiles(directory=str(views.STATIC)), name="static")
        )
        middleware = [
            Middleware(_SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=auth.session_secret(self.store),
                session_cookie=auth.SESSION_COOKIE,
                max_age=auth.SESSION_MAX_AGE_S,
                same_site="lax",
                https_only=self.secure_cookies,
            ),
        ]
        return Starlette(
            routes=starlette_routes,
            middleware=middleware,
            exception_handlers={404: self._not_found_async},
        )

    async def _not_found_async(self, request: Request, exc: Exception) -> Response:
        return self.error_page(request, 404, "No such page.")

    def dispatch(self, handler: Callable[..., Response], request: Request, form: Any) -> Response:
        from starlette.responses import RedirectResponse

        try:
            if request.method == "POST" and not auth.csrf_ok(
                request.session, form.get("csrf") if form is not None else None
            ):
                raise Refused(
                    403,
                    "This form has expired or did not come from callreview (missing CSRF token); reload the page and try again.",
                )
            return handler(request, form) if form is not None else handler(request)
        except LoginRequired:
            target = request.url.path + (("?" + request.url.query) if request.url.query else "")
            return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
        except Refused as err:
            return self.error_page(request, err.status, str(err))
        except NotAllowed as err:
            return self.error_page(request, 403, str(err))
        except NotFound as err:
            return self.error_page(request, 404, str(err))
        except CallreviewError as err:
            return self.error_page(request, 400, str(err))
        except Exception as err:  # a bug: one line in the server's log (a traceback with --debug), a page for the user
            import sys
            import traceback

            if self.debug:
                traceback.print_exc()
            first = str(err).splitlines()[0] if str(err) else ""
            print(
                f"callreview: internal error on {request.method} {request.url.path}: {type(err).__name__}: {first}",
                file=sys.stderr,
            )
            return self.error_page(
                request,
                500,
                "callreview hit an internal error; the server's log has one line about it. Please report it.",
            )

    def user(self, request: Request, required: bool = True) -> User | None:
        name = request.session.get("user")
        user = self.people.user(name) if name else None
        if user is None and required:
            raise LoginRequired()
        return user

    def staff(self, request: Request) -> User:
        user = self.user(request)
        assert user is not None
        if not user.sees_all:
            raise NotAllowed(
                f"user {user.name} is an agent: agents see their own calls only (My calls)"
            )
        return user

    def render(
        self, request: Request, template: str, status: int = 200, **context: Any
    ) -> Response:
        from starlette.responses import HTMLResponse

        user = context.pop("user", None) or self.user(request, required=False)
        html = self.env.get_template(template).render(
            user=user,
            csrf=auth.csrf_token(request.session),
            flash=request.session.pop("flash", None),
            links=self.links,
            static_report=False,
            **context,
        )
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})

    def error_page(self, request: Request, status: int, message: str) -> Response:
        titles = {
            400: "That did not work",
            401: "Log in",
            403: "Not allowed",
            404: "Not found",
            429: "Too many attempts",
            500: "Something broke",
        }
        return self.render(
            request,
            "error.html",
            status,
            title=titles.get(status, "Error"),
            message=message,
            code=status,
        )

    def redirect(
        self, url: str, flash: str | None = None, request: Request | None = None
    ) -> Response:
        from starlette.responses import RedirectResponse

        if flash and request is not None:
            request.session["flash"] = flash
        return RedirectResponse(url, status_code=303)

    # --- log in and out -------------------------------------------------------------------

    def home(self, request: Request) -> Response:
        user = self.user(request)
        assert user is not None
        return self.redirect("/queue" if user.sees_all else "/my")

    def login_page(
        self, request: Request, status: int = 200, message: str | None = None, name: str = ""
    ) -> Response:
        next_url = _safe_next(request.query_params.get("next"))
        return self.render(
            request, "login.html", status, message=message, name=name, next_url=next_url
        )

    def login(self, request: Request, form: Any) -> Response:
        name = str(form.get("name", "")).strip()
        password = str(form.get("password", ""))
        address = request.client.host if request.client else "?"
        wait = self.limiter.wait_s(name, address)
        if wait > 0:
            return self.login_page(
                request,
                429,
                f"Too many failed log-ins for {name} from this address; try again in {int(wait // 60) + 1} min.",
                name,
            )
        user = self.people.authenticate(name, password) if name and password else None
        if user is None:
            self.limiter.failed(name, address)
            return self.login_page(request, 401, "Wrong name or password.", name)
        self.limiter.succeeded(name, address)
        request.session.clear()
        request.session["user"] = user.name
        auth.csrf_token(request.session)  # a fresh token for the logged-in session
        return self.redirect(
            _safe_next(str(form.get("next", ""))) or ("/queue" if user.sees_all else "/my")
        )

    def logout(self, request: Request, form: Any) -> Response:
        request.session.clear()
        return self.redirect("/login")

    # --- the queue ------------------------------------------------------------------------

    def queue(self, request: Request) -> Response:
        user = self.staff(request)
        return self._queue(request, user, "/queue", agent=None)

    def my_calls(self, request: Request) -> Response:
        user = self.user(request)
        assert user is not None
        if user.sees_all:
            return self.redirect("/queue")
        return self._queue(request, user, "/my", agent=user.agent or "\x00none")

    def _queue(self, request: Request, user: User, base: str, agent: str | None) -> Response:
        bands = tuple(b.name for b in self.scorecard.bands)
        filters, sort, descending, page, raw = parse_queue(request.query_params, bands)
        if agent is not None:
            from dataclasses import replace

            filters = replace(filters, agent=agent)
            raw.pop("agent", None)
        result = self.people.queue(filters, sort, descending, page, PER_PAGE)
        labels = {b.name: b.label for b in self.scorecard.bands}
        return self.render(
            request,
            "queue.html",
            user=user,
            page=result,
            query=Query(base, raw),
            raw=raw,
            sort=sort,
            descending=descending,
            agents=self.people.agents_list() if agent is None else [],
            samples=self.store.samples() if agent is None else [],
            bands=self.scorecard.bands,
            band_labels=labels,
            items=ITEMS,
            mine=agent is not None,
        )

    # --- a call ---------------------------------------------------------------------------

    def _call(self, user: User, call: int):
        stored = self.store.call(call)
        if stored is None:
            raise NotFound(f"There is no call {call} in this store.")
        if not user.may_open(stored):
            raise NotAllowed(
                f"Call {call} belongs to another agent; agents can open their own calls only."
            )
        return stored

    def call_page(self, request: Request) -> Response:
        user = self.user(request)
        assert user is not None
        stored = self._call(user, request.path_params["call"])
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
        user = self.user(request)
        assert user is not None
        if not user.can_override:
            raise NotAllowed(
                f"user {user.name} ({user.role}) cannot override results; reviewers and supervisors can"
            )
        stored = self._call(user, request.path_params["call"])
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
        user = self.user(request)
        assert user is not None
        if not user.can_override:
            raise NotAllowed(
                f"user {user.name} ({user.role}) cannot override results; reviewers and supervisors can"
            )
        stored = self._call(user, request.path_params["call"])
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
        after = self.people.final(self.store.call(stored.id)).score  # type: ignore[arg-type]
        return self.redirect(
            f"/calls/{stored.id}#item-{item}",
            f"{views.LABELS.get(item, item)}: {change.from_status} → {change.to_status}; score {views.score_text(before)} → {views.score_text(after)}",
            request,
        )

    def confirm(self, request: Request, form: Any) -> Response:
        user = self.user(request)
        assert user is not None
        stored = self._call(user, request.path_params["call"])
        final = self.people.confirm(stored.id, user)
        return self.redirect(
            f"/calls/{stored.id}",
            f"Marked reviewed; final score {views.score_text(final.score)}.",
            request,
        )

    def appeal(self, request: Request, form: Any) -> Response:
        user = self.user(request)
        assert user is not None
        stored = self._call(user, request.path_params["call"])
        filed = self.people.file_appeal(
            stored.id, str(form.get("item", "")), str(form.get("reason", "")), user
        )
        return self.redirect(
            f"/calls/{stored.id}#appeals",
            f"Appeal #{filed.id} of {views.LABELS.get(filed.item, filed.item)} filed; a supervisor will decide it.",
            request,
        )

    def decide(self, request: Request, form: Any) -> Response:
        user = self.user(request)
        assert user is not None
        found = self.people.appeal(request.path_params["appeal"])
        if found is None:
            raise NotFound(f"There is no appeal {request.path_params['appeal']}.")
        self._call(user, found.call)
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
        from starlette.responses import FileResponse

        raw = request.path_params["call"]
        if not raw.isdigit():  # a call id, never a path: ../, %2e%2e%2f and friends end here
            raise NotFound("The audio endpoint takes a call id.")
        user = self.user(request, required=False)
        if user is None:
            raise Refused(401, "Log in to listen to calls.")
        stored = self._call(user, int(raw))
        path = recording(self.store, stored)
        if path is None:
            raise NotFound(
                f"The recording of call {stored.id} is not on this machine (the store knows it as {stored.path})."
            )
        return FileResponse(
            path, media_type=media_type(path), headers={"Cache-Control": "private, max-age=3600"}
        )

    # --- figures --------------------------------------------------------------------------

    def agents(self, request: Request) -> Response:
        user = self.staff(request)
        bands = tuple(b.name for b in self.scorecard.bands)
        filters, _, _, _, raw = parse_queue(request.query_params, bands)
        summaries = self.people.agents(filters)
        sparks = {a.agent: views.spark(a.weeks) for a in summaries}
        return self.render(
            request,
            "agents.html",
            user=user,
            summaries=summaries,
            chart=views.trend_chart(summaries),
            sparks=sparks,
            bands=self.scorecard.bands,
            items=ITEMS,
            raw=raw,
            query=Query("/queue", {}),
        )

    def agreement(self, request: Request) -> Response:
        user = self.staff(request)
        from callreview.team.agreement import MIN_REVIEWED

        return self.render(
            request,
            "agreement.html",
            user=user,
            rows=self.people.agreement(),
            min_reviewed=MIN_REVIEWED,
        )


def _safe_next(target: str | None) -> str:
    """Only a path on this site: ``/calls/5``, never ``//evil.example`` or ``https://…``."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


class _SecurityHeaders:
    """CSP (no inline script: transcript text can never run), no sniffing, no framing, no referrer leaks."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    store: Store, scorecard: Scorecard, secure_cookies: bool = False, debug: bool = False
):
    """The ASGI app over an open store (tests drive it with Starlette's TestClient)."""
    return WebApp(store, scorecard, secure_cookies, debug).asgi()
