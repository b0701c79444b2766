"""What the HTTP library's errors (an unknown path, a method a route does not take, a body
too large) say, in the reader's language: a title (the status's English name as the msgid,
so the problem `type` stays the one derived from it) and a plain sentence of detail."""

from __future__ import annotations

from werkzeug.exceptions import HTTPException

from alertsvc.domain.message import Message, msg
from alertsvc.http.problems import PROBLEM_TYPE_BASE, Problem

_TITLES: dict[int, Message] = {
    400: msg("Bad Request"),
    401: msg("Unauthorized"),
    403: msg("Forbidden"),
    404: msg("Not Found"),
    405: msg("Method Not Allowed"),
    406: msg("Not Acceptable"),
    408: msg("Request Timeout"),
    409: msg("Conflict"),
    410: msg("Gone"),
    411: msg("Length Required"),
    413: msg("Request Entity Too Large"),
    414: msg("Request URI Too Long"),
    415: msg("Unsupported Media Type"),
    422: msg("Unprocessable Entity"),
    429: msg("Too Many Requests"),
    500: msg("Internal Server Error"),
    501: msg("Not Implemented"),
    503: msg("Service Unavailable"),
}

_DETAILS: dict[int, Message] = {
    400: msg("The request could not be understood."),
    401: msg("Missing or invalid credentials."),
    403: msg("You are not allowed to do this."),
    404: msg("There is nothing at this address. Check the path and try again."),
    405: msg("This address does not take this method."),
    406: msg("We cannot answer in any of the formats the request accepts."),
    408: msg("The request took too long to arrive."),
    409: msg("The change conflicts with another one; retry."),
    410: msg("This is no longer available."),
    411: msg("The request needs a Content-Length header."),
    413: msg("The request body is too large."),
    414: msg("The address is too long."),
    415: msg("The request body's media type is not supported."),
    422: msg("The request could not be followed."),
    429: msg("Too many requests; try again later."),
    500: msg("Something went wrong on our side."),
    501: msg("The server does not do what the request asks."),
    503: msg("The service is unavailable right now; try again shortly."),
}


def http_problem(exc: HTTPException) -> Problem:
    """The problem for an HTTP library error: its own words when a route gave some (an
    `abort(…, description)`), else ours for the status, in the reader's language."""
    status = exc.code or 500
    custom = exc.description != type(exc).description
    title = _TITLES.get(status, exc.name)
    detail = _DETAILS.get(status) if not custom else None
    type_ = PROBLEM_TYPE_BASE + exc.name.lower().replace(" ", "-")
    return Problem(status, title, detail or exc.description or exc.name, type_=type_)
