"""Cross-cutting HTTP behaviour: problem answers for every error, and security headers."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from alertsvc.domain.errors import FieldError, ServiceError
from alertsvc.domain.message import msg
from alertsvc.domain.text import CONTROL_CHARACTER_MESSAGE, has_control_character, printable_key
from alertsvc.http import edge
from alertsvc.http.problems import (
    CONFLICT,
    INTERNAL_ERROR,
    SERVICE_UNAVAILABLE,
    WENT_WRONG,
    Problem,
    not_found,
    problem_for,
    validation_problem,
)
from alertsvc.http.statuses import http_problem

log = logging.getLogger("alertsvc")
access_log = logging.getLogger("alertsvc.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class App(Flask):
    """Flask, answering a request again when its database connection turned out dead, and
    checking once per function that it is synchronous.

    Pooled connections are not pinged at checkout (a round trip per request), so after a
    database restart or a proxy's idle timeout a request meets a dead one, which invalidates
    the whole pool. If nothing was committed yet, the request runs once more on a fresh
    connection instead of answering 503: a restart costs clients nothing.

    Flask asks `inspect.iscoroutinefunction` of every hook and view on every request; the
    answer never changes, so it is asked once per function (`ensure_sync`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._synced: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        synced = self._synced.get(func)
        if synced is None:  # the app's own views, hooks and handlers: a fixed set
            synced = self._synced[func] = super().ensure_sync(func)
        return synced

    def dispatch_request(self) -> ResponseReturnValue:
        try:
            return super().dispatch_request()
        except DBAPIError as exc:
            if not exc.connection_invalidated or edge.committed():
                raise
        log.warning("database connection was lost; answering the request again")
        edge.discard_connections()
        for upload in request.files.values():
            upload.stream.seek(0)
        return super().dispatch_request()


def wants_json() -> bool:
    path = request.path
    return path.startswith(("/v1/", "/healthz", "/readyz", "/metrics")) or (
        request.accept_mimetypes.best == "application/json"
    )


def _render(problem: Problem) -> Response:
    render_page = current_app.extensions.get("alertsvc.problem_page")
    if wants_json() or render_page is None:
        return problem.response()
    return render_page(problem)  # type: ignore[no-any-return]


def _problem(problem: Problem) -> Response:
    return _render(problem)


def _http_error(exc: HTTPException) -> Response:
    response = _render(http_problem(exc))
    for name, value in exc.get_headers():
        if name.lower() == "allow":
            response.headers["Allow"] = value
    return response


def _service_error(exc: ServiceError) -> Response:
    return _render(problem_for(exc))


def _database_down(exc: Exception) -> Response:
    # The error's type and SQLSTATE only: its text may quote the statement's values.
    cause = getattr(exc, "orig", None) or exc
    log.error(
        "database unavailable (%s, sqlstate %s)",
        type(cause).__name__,
        getattr(cause, "sqlstate", None) or "-",
    )
    return _render(
        Problem(
            503,
            SERVICE_UNAVAILABLE,
            msg("The database is unreachable right now; try again shortly."),
            headers={"Retry-After": "5"},
        )
    )


def _integrity(_exc: IntegrityError) -> Response:
    # Services check before they write; this only answers a lost race between two requests.
    return _render(Problem(409, CONFLICT, msg("The change conflicts with another one; retry.")))


def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error")
    return _render(Problem(500, INTERNAL_ERROR, WENT_WRONG))


# Sent with every answer unless a route chose its own value (`_leave`).
_SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", _CSP),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)


def request_id(incoming: str) -> str:
    """The request's id: the caller's `X-Request-ID` when it is a plain token of at most 64
    characters, else 16 random bytes in hex (a UUID4's length, without building a UUID)."""
    return incoming if _REQUEST_ID.match(incoming) else os.urandom(16).hex()


def _arrive() -> None:
    """Before every route: the request's id and start time, then the control-character rule."""
    g.started = time.perf_counter()
    g.request_id = request_id(request.headers.get("X-Request-ID", ""))
    _refuse_control_characters()


_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _refuse_control_characters() -> None:
    """One rule for every route, before it runs: no control character in a path id (404, as
    no object has such an id), a query parameter or a form field (422 naming it). JSON bodies
    get the same rule where they are parsed (`api.io.parse_json`), ICS files in their import."""
    if request.view_args and any(map(has_control_character, request.view_args.values())):
        raise not_found()
    fields = list(request.args.items(multi=True)) if request.query_string else []
    if request.mimetype in _FORM_TYPES:
        fields += request.form.items(multi=True)
    if not fields:
        return
    names = dict.fromkeys(
        printable_key(name)
        for name, value in fields
        if has_control_character(name) or has_control_character(value)
    )
    if names:
        raise validation_problem([FieldError(name, CONTROL_CHARACTER_MESSAGE) for name in names])


def _leave(response: Response) -> Response:
    """After every route: the security headers, Content-Language (SPEC §10), the request id,
    then one access-log line and one observation of the request's duration.

    The log line and the metrics carry no query strings, bodies, tokens or anything about a
    teen: the method, the route's template, the status, the duration and the request id."""
    # Imported here: prometheus_client reads PROMETHEUS_MULTIPROC_DIR when it is first imported,
    # which `alertsvc serve` sets after this module is loaded.
    from alertsvc import metrics

    headers = response.headers
    present = {name.lower() for name in headers.keys()}  # noqa: SIM118 - Headers, not a dict
    headers.extend(
        [(name, value) for name, value in _SECURITY_HEADERS if name.lower() not in present]
    )
    if "content-language" not in present:
        headers["Content-Language"] = edge.language().tag
    if g.get("authenticated") or "Authorization" in request.headers:
        headers["Cache-Control"] = "no-store"
    request_id = g.get("request_id", "")
    headers["X-Request-ID"] = request_id
    duration = time.perf_counter() - g.get("started", time.perf_counter())
    rule = request.url_rule
    route = rule.rule if rule is not None else "<unmatched>"
    method, status = request.method, response.status_code
    metrics.observe_request(method, route, status, duration)
    access_log.info(
        "request",
        extra={
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(duration * 1000, 2),
            "request_id": request_id,
        },
    )
    return response


def init_app(app: Flask) -> None:
    app.before_request(_arrive)
    app.after_request(_leave)
    app.register_error_handler(Problem, _problem)
    app.register_error_handler(ServiceError, _service_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(IntegrityError, _integrity)
    for db_error in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(db_error, _database_down)
    app.register_error_handler(Exception, _unexpected)
