"""A parent's login on the pages: a server-side session whose random id lives in one cookie.

The cookie holds a `session` token from accounts.issue_token; the database holds only its
digest. Logging in always issues a new token (so the id changes at every login), and logging
out or changing the password deletes it, so a replayed cookie is refused.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec
from urllib.parse import urlsplit

from flask import g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from alertsvc.http import edge
from alertsvc.services import accounts
from alertsvc.services.accounts import Identity

SESSION_KIND = "session"

P = ParamSpec("P")


def _cookie_name() -> str:
    return edge.settings().session_cookie_name


def _cookie_token() -> str | None:
    return request.cookies.get(_cookie_name()) or None


def current_parent() -> Identity | None:
    """The parent whose session cookie came with this request, or None; looked up once."""
    if "parent" not in g:
        token = _cookie_token()
        identity = (
            accounts.identity_for_token(edge.db(), token, SESSION_KIND, edge.now())
            if token
            else None
        )
        g.parent = identity
        if identity is not None:
            g.authenticated = True  # http.py then answers `Cache-Control: no-store`
    parent: Identity | None = g.parent
    return parent


def logged_in_parent() -> Identity:
    """The parent of a view behind @login_required."""
    parent = current_parent()
    if parent is None:  # pragma: no cover - login_required redirected already
        raise RuntimeError("logged_in_parent() outside a @login_required view")
    return parent


def viewer() -> Identity | None:
    """The signed-in parent for templates (the layout's navigation).

    An error page must render whatever went wrong. After a server error (500, 503: maybe the
    database itself) it shows only a parent the view had already looked up; after a client
    error it may look one up, but a failing database only makes the page look logged out.
    """
    status = g.get("error_page_status")
    if status is None:
        return current_parent()
    if "parent" in g or status >= 500:
        parent: Identity | None = g.get("parent")
        return parent
    try:
        return current_parent()
    except SQLAlchemyError:
        return None


def login_required(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
    """Send visitors without a valid session to the log-in page, then back here."""

    @functools.wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        if current_parent() is None:
            target = request.full_path.rstrip("?") if request.method == "GET" else None
            response = redirect(url_for("parent_auth.login", next=target))
            if _cookie_token() is not None:
                _delete_cookie(response)  # expired or revoked: stop sending it
            return response
        return view(*args, **kwargs)

    return guarded


def log_in(response: Response, identity: Identity) -> None:
    """Start a fresh session for `identity` on `response`; the caller commits.

    Any session the request already carried is deleted first, so the id changes at every
    login and an id planted in a browser before login (session fixation) is worthless.
    """
    session = edge.db()
    old = _cookie_token()
    if old is not None:
        accounts.revoke_token(session, old)
    token = accounts.issue_token(session, identity.parent_id, SESSION_KIND, edge.now())
    response.set_cookie(
        _cookie_name(),
        token,
        max_age=int(accounts.SESSION_TTL.total_seconds()),
        path="/",
        secure=edge.settings().session_cookie_secure,
        httponly=True,
        samesite="Lax",
    )
    g.parent = identity
    g.authenticated = True


def log_out(response: Response) -> None:
    """End the request's session server-side and drop the cookie; the caller commits."""
    token = _cookie_token()
    if token is not None:
        accounts.revoke_token(edge.db(), token)
    _delete_cookie(response)


def _delete_cookie(response: Response) -> None:
    response.delete_cookie(
        _cookie_name(),
        path="/",
        secure=edge.settings().session_cookie_secure,
        httponly=True,
        samesite="Lax",
    )


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site (so a log-in link cannot send people elsewhere)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(char) < 0x20 or char == "\\" for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
