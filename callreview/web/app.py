"""The HTTP side of ``callreview serve``: routes, roles and responses over
:mod:`callreview.team.people`.

    GET  /login  POST /login  POST /logout
    GET  /queue                      reviewers, supervisors, admins: every scored call, filtered,
                                     sorted, paged
    GET  /my                         an agent: their own calls
    GET  /calls/{id}                 the call: player, transcript, items with evidence, history,
                                     appeals (these and the next: :mod:`.calls`)
    GET  /calls/{id}/override?item=  the override form (reviewers, supervisors)
    POST /calls/{id}/override        POST /calls/{id}/confirm   POST /calls/{id}/appeal
    POST /appeals/{id}/decide        supervisors
    GET  /audio/{id}                 the call's recording by call id, with HTTP Range (206)
    GET  /agents  GET /agreement     figures (not for agents)
    GET  /search?q=                  what was said, in the calls the user may open (:mod:`.search`)
    POST /language                   the user's own language for the app (zh-CN, en)
    GET  /calibration  POST /calibration   calibration rounds, blind calls (:mod:`.calibration`)
    GET  /feedback  POST /calls/{id}/acknowledge   feedback on time (:mod:`.feedback`)

Handlers are plain functions run in a worker thread (the store's connection is blocking);
every POST carries the session's CSRF token; a role that may not do something gets 403,
never a hidden button only.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from callreview.errors import CallreviewError
from callreview.i18n import LANGUAGES, use
from callreview.i18n import gettext as _
from callreview.i18n.choose import normalize
from callreview.privacy import Rules
from callreview.store.version import data_version
from callreview.team.agreement import MIN_REVIEWED
from callreview.team.people import NotAllowed, NotFound, People, User
from callreview.web import auth, views
from callreview.web.access import AccessLog
from callreview.web.cache import Fresh
from callreview.web.calibration import CalibrationPages
from callreview.web.calls import CallPages
from callreview.web.feedback import FeedbackPages
from callreview.web.pages import PER_PAGE, LoginRequired, Refused
from callreview.web.query import Query, parse_queue
from callreview.web.search import SearchPages

STATIC_MAX_AGE_S = 86_400

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from callreview.qc.scorecard import Scorecard
    from callreview.store import QueueFilter, Store
    from callreview.team.figures import AgentSummary


class WebApp(CalibrationPages, CallPages, SearchPages, FeedbackPages):
    """The app: its routes, the dispatch every request goes through, and the pages that are not
    about one call (log in and out, the queue, the figures)."""

    def __init__(
        self,
        store: Store,
        scorecard: Scorecard,
        secure_cookies: bool = False,
        debug: bool = False,
        idle_minutes: int = auth.IDLE_MINUTES,
        access_log: TextIO | None = None,
    ) -> None:
        super().__init__(store, scorecard, secure_cookies, debug)
        self.sessions = auth.Sessions(store, idle_s=idle_minutes * 60)
        self.fresh = Fresh(lambda: data_version(store))  # what every user sees alike
        self.access_log = access_log

    def asgi(self) -> Starlette:
        def page(handler: Callable[..., Response], methods: tuple[str, ...] = ("GET",)):
            async def endpoint(request: Request) -> Response:
                form = await request.form() if request.method == "POST" else None
                return await run_in_threadpool(self.dispatch, handler, request, form)

            return endpoint, list(methods)

        get, post = ("GET",), ("POST",)
        routes: list[tuple[str, Callable[..., Response], tuple[str, ...]]] = [
            ("/", self.home, get),
            ("/login", self.login_page, get),
            ("/login", self.login, post),
            ("/logout", self.logout, post),
            ("/queue", self.queue, get),
            ("/my", self.my_calls, get),
            ("/calls/{call:int}", self.call_page, get),
            ("/calls/{call:int}/override", self.override_form, get),
            ("/calls/{call:int}/override", self.override, post),
            ("/calls/{call:int}/confirm", self.confirm, post),
            ("/calls/{call:int}/appeal", self.appeal, post),
            ("/appeals/{appeal:int}/decide", self.decide, post),
            ("/audio/{call}", self.audio, get),
            ("/agents", self.agents, get),
            ("/agreement", self.agreement, get),
            ("/search", self.search_page, get),
            ("/language", self.set_language, post),
            ("/calibration", self.calibration_page, get),
            ("/calibration", self.start_calibration, post),
            ("/calibration/{round:int}/calls/{call:int}", self.round_call_page, get),
            ("/calibration/{round:int}/calls/{call:int}", self.submit_round_call, post),
            ("/feedback", self.feedback_page, get),
            ("/calls/{call:int}/acknowledge", self.acknowledge, post),
        ]
        starlette_routes: list[Any] = []
        for path, handler, methods in routes:
            endpoint, verbs = page(handler, methods)
            starlette_routes.append(Route(path, endpoint, methods=verbs))
        starlette_routes.append(
            Mount("/static", app=_Static(directory=str(views.STATIC)), name="static")
        )
        middleware = [
            Middleware(auth.SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=auth.session_secret(self.store),
                session_cookie=auth.SESSION_COOKIE,
                max_age=auth.SESSION_MAX_AGE_S,
                same_site="lax",
                https_only=self.secure_cookies,
            ),
        ]
        if self.access_log is not None:
            middleware.append(Middleware(AccessLog, stream=self.access_log))
        return Starlette(
            routes=starlette_routes,
            middleware=middleware,
            exception_handlers={404: self._not_found_async},
        )

    async def _not_found_async(self, request: Request, exc: Exception) -> Response:
        with use(self.language_of(request)):
            return self.error_page(request, 404, _("No such page."))

    def dispatch(self, handler: Callable[..., Response], request: Request, form: Any) -> Response:
        """The handler's answer in the request's language; refusals and errors as pages."""
        with use(self.language_of(request)):
            return self._dispatch(handler, request, form)

    def _dispatch(self, handler: Callable[..., Response], request: Request, form: Any) -> Response:
        try:
            self.sessions.check(request.session)  # a session revoked, idle or too old is over
            if request.method == "POST" and not auth.csrf_ok(
                request.session, form.get("csrf") if form is not None else None
            ):
                raise Refused(
                    403,
                    _(
                        "This form has expired or did not come from callreview "
                        "(missing CSRF token); reload the page and try again."
                    ),
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
        except Exception as err:  # a bug: one line in the log (a traceback with --debug)
            if self.debug:
                traceback.print_exc()
            first = str(err).splitlines()[0] if str(err) else ""
            print(
                f"callreview: internal error on {request.method} {request.url.path}: "
                f"{type(err).__name__}: {first}",
                file=sys.stderr,
            )
            return self.error_page(
                request,
                500,
                _(
                    "callreview hit an internal error; the server's log has one line about it. "
                    "Please report it."
                ),
            )

    # --- log in and out -------------------------------------------------------------------

    def home(self, request: Request) -> Response:
        user = self.logged_in(request)
        return self.redirect("/queue" if user.sees_all else "/my")

    def login_page(
        self, request: Request, status: int = 200, message: str | None = None, name: str = ""
    ) -> Response:
        next_url = auth.safe_next(request.query_params.get("next"))
        return self.render(
            request, "login.html", status, message=message, name=name, next_url=next_url
        )

    def login(self, request: Request, form: Any) -> Response:
        name = str(form.get("name", "")).strip()
        password = str(form.get("password", ""))
        address = request.client.host if request.client else "?"
        if auth.name_too_long(name):  # no user has such a name: refused before any hashing
            return self.login_page(request, 401, _("Wrong name or password."), "")
        refusal = self.limiter.refusal(name, address)
        if refusal:
            return self.login_page(request, 429, refusal, name)
        user = self.people.authenticate(name, password) if name and password else None
        if user is None:
            self.limiter.failed(name, address)
            self.store.add_audit(time.time(), name or "-", "login_failed", f"from {address}")
            return self.login_page(request, 401, _("Wrong name or password."), name)
        self.limiter.succeeded(name, address)
        chosen = request.session.get("language")  # chosen on the log-in page: kept
        self.sessions.start(request.session, user.name)
        if chosen:
            request.session["language"] = chosen
        self.store.add_audit(time.time(), user.name, "login", f"from {address}")
        return self.redirect(
            auth.safe_next(str(form.get("next", ""))) or ("/queue" if user.sees_all else "/my")
        )

    def logout(self, request: Request, form: Any) -> Response:
        user = self.sessions.end(request.session)
        if user:
            self.store.add_audit(time.time(), user, "logout", "")
        return self.redirect("/login")

    def set_language(self, request: Request, form: Any) -> Response:
        """The language setting: kept with the user (every later session), or in this session
        before log-in; back to the page it was chosen on."""
        language = normalize(str(form.get("language", "")))
        if language not in LANGUAGES:
            raise CallreviewError(
                _("%(language)r is not a language callreview speaks; choose zh-CN or en")
                % {"language": str(form.get("language", ""))}
            )
        request.session["language"] = language
        name = request.session.get("user")
        if name:
            self.store.set_user_language(name, language)
        with use(language):
            return self.redirect(
                auth.safe_next(str(form.get("next", ""))) or "/", _("Language saved."), request
            )

    # --- the queue ------------------------------------------------------------------------

    def queue(self, request: Request) -> Response:
        user = self.staff(request)
        return self._queue(request, user, "/queue", agent=None)

    def my_calls(self, request: Request) -> Response:
        user = self.logged_in(request)
        if user.sees_all:
            return self.redirect("/queue")
        return self._queue(request, user, "/my", agent=user.agent or "\x00none")

    def _queue(self, request: Request, user: User, base: str, agent: str | None) -> Response:
        bands = tuple(b.name for b in self.scorecard.bands)
        filters, sort, descending, page, raw = parse_queue(
            request.query_params, bands, self.scorecard.item_ids()
        )
        if agent is not None:
            filters = replace(filters, agent=agent)
            raw.pop("agent", None)
        result = self.fresh.get(
            ("queue", filters, sort, descending, page),
            lambda: self.people.queue(filters, sort, descending, page, PER_PAGE),
        )
        blind = self.calibration.blind_calls(user)
        if blind:  # a round's calls leave its reviewer's queue until they submit their marks
            result = replace(result, rows=[r for r in result.rows if r.id not in blind])
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
            agents=self.fresh.get("agent names", self.people.agents_list) if agent is None else [],
            samples=self.fresh.get("samples", self.store.samples) if agent is None else [],
            bands=self.scorecard.bands,
            band_labels=labels,
            items=self.scorecard.item_ids(),
            mine=agent is not None,
        )

    # --- figures --------------------------------------------------------------------------

    def agents(self, request: Request) -> Response:
        user = self.staff(request)
        bands = tuple(b.name for b in self.scorecard.bands)
        filters, _, _, _, raw = parse_queue(request.query_params, bands, self.scorecard.item_ids())
        summaries, chart, sparks = self.fresh.get(
            ("agents", filters), lambda: _figures(self.people, filters)
        )
        return self.render(
            request,
            "agents.html",
            user=user,
            summaries=summaries,
            chart=chart,
            sparks=sparks,
            bands=self.scorecard.bands,
            items=self.scorecard.item_ids(),
            raw=raw,
            query=Query("/queue", {}),
        )

    def agreement(self, request: Request) -> Response:
        user = self.staff(request)
        return self.render(
            request,
            "agreement.html",
            user=user,
            rows=self.fresh.get("agreement", self.people.agreement),
            min_reviewed=MIN_REVIEWED,
        )


def _figures(
    people: People, filters: QueueFilter
) -> tuple[list[AgentSummary], views.Chart | None, dict[str | None, str]]:
    """The agents page's figures for ``filters``: the summaries, the trend chart, each sparkline."""
    summaries = people.agents(filters)
    return (
        summaries,
        views.trend_chart(summaries),
        {a.agent: views.spark(a.weeks) for a in summaries},
    )


class _Static(StaticFiles):
    """The app's CSS and script, which change only with callreview: browsers keep them a day
    (and revalidate with the ETag after)."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["cache-control"] = f"public, max-age={STATIC_MAX_AGE_S}"
        return response


def create_app(
    store: Store,
    scorecard: Scorecard,
    secure_cookies: bool = False,
    debug: bool = False,
    idle_minutes: int = auth.IDLE_MINUTES,
    access_log: TextIO | None = None,
    *,
    recording_roots: Iterable[str | Path] = (),
    redaction: Rules = Rules(),
    redact_audio: bool = False,
    language: str = "en",
    limiter: auth.LoginLimiter | None = None,
) -> Starlette:
    """The ASGI app over an open store (tests drive it with Starlette's TestClient);
    ``recording_roots``: folders audio may be served from besides the store's own; ``language``:
    the site's, where neither the user nor the browser chose one (``serve`` gives ``ui_language``,
    else the lexicon's); ``limiter``: the log-in limiter when several workers share one."""
    web = WebApp(store, scorecard, secure_cookies, debug, idle_minutes, access_log)
    web.recording_roots = tuple(str(root) for root in recording_roots)
    web.rules = redaction
    web.redact_audio = redact_audio
    web.language = normalize(language) or "en"
    if limiter is not None:
        web.limiter = limiter
    return web.asgi()
