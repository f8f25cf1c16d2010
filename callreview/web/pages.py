"""What every page of the live app shares: the store, the people on it, the templates, who is
logged in, and how a page, an error page or a redirect is answered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import HTMLResponse, RedirectResponse

from callreview.i18n import LANGUAGES, N_, NAMES
from callreview.i18n import gettext as _
from callreview.i18n.choose import choose
from callreview.privacy import Rules
from callreview.team.people import NotAllowed, NotFound, People, User
from callreview.web import auth, views
from callreview.web.query import Links
from callreview.web.words import item_words

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from callreview.qc.scorecard import Scorecard
    from callreview.store import Store, StoredCall

PER_PAGE = 50
MAX_ID = 2**63 - 1
"""The largest id either store can hold (64-bit): a bigger one in a URL is no such call."""
TITLES = {
    400: N_("That did not work"),
    401: N_("Log in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    429: N_("Too many attempts"),
    500: N_("Something broke"),
}


class LoginRequired(Exception):
    pass


class Refused(Exception):
    """An HTTP refusal with a status and a one-line message (403 CSRF, 429 rate limit…)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Pages:
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
        self.recording_roots: tuple[str, ...] = ()
        """Folders audio may be served from besides the store's own (``recording_roots``)."""
        self.rules = Rules()
        """The site's redaction rules: every page shows calls masked by them."""
        self.redact_audio = False
        """Play recordings with the masked stretches silenced (``web_redact_audio``)."""
        self.language = "en"
        """The site's language (``ui_language``, else the lexicon's): where neither the user nor
        the browser chose one."""

    def language_of(self, request: Request) -> str:
        """This request's language: the user's own setting (stored, or the session's before log
        in), else the browser's ``Accept-Language``, else the site's."""
        name = request.session.get("user")
        own = self.store.user_language(name) if name else None
        return choose(
            own or request.session.get("language"),
            request.headers.get("accept-language"),
            self.language,
        )

    def user(self, request: Request, required: bool = True) -> User | None:
        name = request.session.get("user")
        user = self.people.user(name) if name else None
        if user is None and required:
            raise LoginRequired()
        return user

    def logged_in(self, request: Request) -> User:
        user = self.user(request)
        assert user is not None
        return user

    def staff(self, request: Request) -> User:
        user = self.logged_in(request)
        if not user.sees_all:
            raise NotAllowed(
                _("user %(name)s is an agent: agents see their own calls only (My calls)")
                % {"name": user.name}
            )
        return user

    def open_call(self, user: User, call: int) -> StoredCall:
        """The call, if it exists and this user may open it."""
        stored = self.store.call(call) if 0 <= call <= MAX_ID else None
        if stored is None:
            raise NotFound(_("There is no call %(call)s in this store.") % {"call": call})
        if not user.may_open(stored):
            raise NotAllowed(
                _("Call %(call)s belongs to another agent; agents can open their own calls only.")
                % {"call": call}
            )
        return stored

    def render(
        self, request: Request, template: str, status: int = 200, **context: Any
    ) -> Response:
        user = context.pop("user", None) or self.user(request, required=False)
        html = self.env.get_template(template).render(
            user=user,
            csrf=auth.csrf_token(request.session),
            flash=request.session.pop("flash", None),
            links=self.links,
            static_report=False,
            languages=[(code, NAMES[code]) for code in LANGUAGES],
            here=request.url.path + (("?" + request.url.query) if request.url.query else ""),
            **{**self.item_words(), **context},
        )
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})

    def item_words(self) -> dict[str, Any]:
        """The templates' item names, a scorecard's own items' labels among them."""
        return item_words(self.scorecard)

    def error_page(self, request: Request, status: int, message: str) -> Response:
        return self.render(
            request,
            "error.html",
            status,
            title=_(TITLES[status]) if status in TITLES else _("Error"),
            message=message,
            code=status,
        )

    def redirect(
        self, url: str, flash: str | None = None, request: Request | None = None
    ) -> Response:
        if flash and request is not None:
            request.session["flash"] = flash
        return RedirectResponse(url, status_code=303)
