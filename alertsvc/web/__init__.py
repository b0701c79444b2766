"""Server-rendered pages for parents and admins (SPEC §6)."""

from __future__ import annotations

from flask import Flask, Request, Response, current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_wtf.csrf import CSRFError, CSRFProtect

from alertsvc.domain.message import Message, msg
from alertsvc.http import edge
from alertsvc.http.problems import Problem
from alertsvc.runtime import Runtime
from alertsvc.web import languages, session
from alertsvc.web.errors import render_problem_page

PRODUCT_NAME = "School-hours reminders"

csrf = CSRFProtect()

# Browsers tag every request with where it came from (Fetch Metadata); a page form is only
# ever posted from our own pages ("same-origin") or typed/bookmarked by the person ("none").
_TRUSTED_FETCH_SITES = frozenset({"same-origin", "none"})


def init_app(app: Flask) -> None:
    """CSRF on every form, the cookie that carries the CSRF secret, and template helpers."""
    runtime: Runtime = app.extensions["alertsvc"]
    # Errors outside the JSON API answer as a page (alertsvc.http.app asks for this renderer).
    app.extensions["alertsvc.problem_page"] = render_problem_page
    settings = runtime.settings
    app.config.update(
        # Flask's own signed cookie only carries the CSRF secret and flash messages; the login
        # lives in a separate server-side session (alertsvc.web.session).
        SESSION_COOKIE_NAME=(
            "__Host-alertsvc-csrf" if settings.session_cookie_secure else "alertsvc_csrf"
        ),
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # We decide per request below which requests need a token.
        WTF_CSRF_CHECK_DEFAULT=False,
        # Flask-WTF's HTTPS check wants a Referer, but http.py sends `Referrer-Policy:
        # no-referrer`, so browsers send none (and `Origin: null`). The signed token plus the
        # Fetch Metadata check below protect the forms without it.
        WTF_CSRF_SSL_STRICT=False,
    )
    app.session_interface = PageSessions()
    csrf.init_app(app)
    languages.init_app(app)  # first: a refused form is worded in the reader's language
    app.before_request(_protect_against_csrf)
    app.jinja_env.globals.update(product_name=PRODUCT_NAME, viewer=session.viewer)
    _speak_in_templates(app)


def _speak_in_templates(app: Flask) -> None:
    """Templates say `_("…")`, `ngettext(…)` and `{% trans %}` in the request's language
    (`edge.language()`); `language` gives `<html lang dir>` and the time formats."""
    env = app.jinja_env
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda text: edge.language().gettext(text),
        ngettext=lambda one, many, n: edge.language().ngettext(one, many, n),
        newstyle=True,
    )
    env.globals.update(language=edge.language)


def needs_csrf_check() -> bool:
    """Whether this request must prove it came from one of our forms."""
    return not _is_api_without_login(request)


def _is_api_without_login(incoming: Request) -> bool:
    """A /v1 request that carries no login cookie: it needs no CSRF token, nor a cookie session.

    The JSON API under /v1 authenticates only with an `Authorization: Bearer` header, which a
    page on another site cannot make a browser send (it would need a CORS preflight that we
    never grant), and ignores cookies. So a /v1 request that carries no login cookie carries
    no ambient authority worth forging, whatever blueprint serves it and whether or not it
    has a token (sign-up, pairing). We key the exemption on that, not on a list of API
    blueprints: a new API blueprint works without being listed, and if a /v1 route ever
    accepts the login cookie, requests that carry it are checked again.
    """
    if not incoming.path.startswith("/v1/"):
        return False
    return edge.settings().session_cookie_name not in incoming.cookies


class _ApiSession(SecureCookieSession):
    """The cookie session of an API request that ignores cookies: empty, and never sent."""


class PageSessions(SecureCookieSessionInterface):
    """Flask's signed cookie session (the CSRF secret and flash messages), for the requests
    that can use it.

    Flask opens it for every request, building its signing serializer and reading the
    cookie each time. A /v1 request without the login cookie ignores cookies (above), so it
    gets an empty session that is never written back: every API request, the device check
    first, skips that work (~70k instructions: 3% of a check, 8% of a hello-world route, by
    `python -m bench instructions`), and no API answer sets a cookie.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if _is_api_without_login(request):
            return _ApiSession()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if isinstance(session, _ApiSession):
            return
        super().save_session(app, session, response)


def _protect_against_csrf() -> None:
    config = current_app.config
    if not config["WTF_CSRF_ENABLED"] or request.method not in config["WTF_CSRF_METHODS"]:
        return
    if request.endpoint is None or not needs_csrf_check():
        return  # unknown routes answer 404/405 as usual
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in _TRUSTED_FETCH_SITES:
        raise _stale_form(msg("This form was sent from another site, so we did not accept it."))
    try:
        csrf.protect()
    except CSRFError:
        raise _stale_form(
            msg(
                "This form has expired or was not sent from this site. "
                "Go back, reload the page and try again."
            )
        ) from None


def _stale_form(detail: Message) -> Problem:
    return Problem(400, msg("Form not accepted"), detail)
