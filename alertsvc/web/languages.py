"""The pages' language (SPEC §10): the one the parent picked (stored on the account), else
the one this browser picked while signed out (a cookie), else the browser's Accept-Language.

`choose` (POST /language, from the picker on every page) stores the pick; `speak_on_pages`
resolves it once per page request and hands it to `edge.speak`, so templates, flashes and
`Content-Language` all follow it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response
from wtforms.fields.choices import Choice
from wtforms.widgets import Select

from alertsvc.domain.message import Sayable
from alertsvc.http import edge
from alertsvc.i18n import NATIVE_NAMES, language, supported_tag
from alertsvc.web import session

COOKIE = "alertsvc_lang"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie

# Requests that are not pages: the JSON API, probes, assets and the teen's app (whose own
# script picks its language).
_NOT_PAGES = ("/v1/", "/healthz", "/readyz", "/metrics", "/static/", "/app")


def init_app(app: Flask) -> None:
    app.before_request(speak_on_pages)
    app.jinja_env.globals.update(language_choices=language_choices)


def language_choices() -> list[tuple[str, str]]:
    """The picker's entries: (tag, the language's name in itself)."""
    return list(NATIVE_NAMES.items())


def speak_on_pages() -> None:
    """Answer this page in the reader's language: account, then cookie, then Accept-Language."""
    if request.path.startswith(_NOT_PAGES):
        return
    tag = supported_tag(_account_language()) or supported_tag(request.cookies.get(COOKIE))
    if tag is not None:
        edge.speak(language(tag))


def _account_language() -> str | None:
    try:
        parent = session.current_parent()
    except SQLAlchemyError:  # the page still renders (logged out) when the database is down
        edge.db().rollback()
        return None
    return None if parent is None else parent.language


def remember(response: Response, tag: str | None) -> None:
    """Keep this browser's pick for when nobody is signed in (none: forget it)."""
    secure = edge.settings().session_cookie_secure
    if tag is None:
        response.delete_cookie(COOKIE, path="/", secure=secure, samesite="Lax")
        return
    response.set_cookie(
        COOKIE, tag, max_age=COOKIE_MAX_AGE, path="/", secure=secure, httponly=True, samesite="Lax"
    )


def say(message: Sayable) -> str:
    """A sentence (`msg(…)`) in this request's language, for a flash or a form's error."""
    return edge.language().say(message)


class SaidOptions(Select):  # type: ignore[misc]
    """A select whose options are said in the request's language as the page renders it (WTForms
    writes the options, so the macros that say the labels cannot reach them); an option marked
    with its own `lang` (a language's name in itself) stays as it is."""

    @classmethod
    def render_option(cls, choice: Choice, **kwargs: Any) -> Markup:
        if not (choice.render_kw or {}).get("lang"):
            choice = choice._replace(label=edge.language().gettext(choice.label))
        option: Markup = super().render_option(choice, **kwargs)
        return option
