"""RFC 9457 problem documents, for every error the API answers.

A problem's `title`, `detail` and every `errors[].message` are said in the request's language
(`edge.language()`, SPEC §10); its `type` URI, `status` and the fields' paths never change
with the language (the `type` is derived from the English title)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from flask import Response, has_request_context

from alertsvc.domain.errors import (
    NOT_AUTHENTICATED,
    ConflictError,
    FieldError,
    InvalidFieldsError,
    NotAuthenticatedError,
    NotFoundError,
    RateLimitedError,
    ServiceError,
    UnavailableError,
    no_such,
    try_again_in,
)
from alertsvc.domain.message import Message, Sayable, msg
from alertsvc.http import edge
from alertsvc.i18n import Language, language

PROBLEM_TYPE_BASE = "https://alertsvc.dev/problems/"

Text = Sayable | str
"""What a problem says: a sentence to translate, or text said as it is (a library's)."""

BAD_REQUEST = msg("Bad request")
VALIDATION_FAILED = msg("Validation failed")
NOT_FOUND = msg("Not found")
UNAUTHORIZED = msg("Unauthorized")
CONFLICT = msg("Conflict")
TOO_MANY_REQUESTS = msg("Too many requests")
SERVICE_UNAVAILABLE = msg("Service unavailable")
INTERNAL_ERROR = msg("Internal server error")
WENT_WRONG = msg("Something went wrong on our side.")


def say(text: Text, speaker: Language | None = None) -> str:
    """`text` in `speaker`'s language (the request's by default; English outside a request)."""
    if isinstance(text, str):
        return text
    if speaker is None:
        speaker = edge.language() if has_request_context() else language("en")
    return speaker.say(text)


class Problem(Exception):  # noqa: N818 - it is what RFC 9457 calls it
    """An error answer. Raise it anywhere in a request; the app turns it into JSON."""

    def __init__(
        self,
        status: int,
        title: Text,
        detail: Text,
        *,
        type_: str | None = None,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(str(detail))
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_ or PROBLEM_TYPE_BASE + str(title).lower().replace(" ", "-")
        self.errors = tuple(errors)
        self.headers = dict(headers or {})

    def to_dict(self, speaker: Language | None = None) -> dict[str, Any]:
        """The document, said in `speaker`'s language (the request's by default)."""
        if speaker is None and has_request_context():
            speaker = edge.language()
        body: dict[str, Any] = {
            "type": self.type,
            "title": say(self.title, speaker),
            "status": self.status,
            "detail": say(self.detail, speaker),
        }
        if self.errors:
            body["errors"] = [
                {"field": e.field, "message": say(e.message, speaker)} for e in self.errors
            ]
        return body

    def response(self) -> Response:
        response = Response(
            orjson.dumps(self.to_dict()), status=self.status, mimetype="application/problem+json"
        )
        for name, value in self.headers.items():
            response.headers[name] = value
        return response


def validation_problem(errors: Sequence[FieldError]) -> Problem:
    fields = ", ".join(sorted({e.field for e in errors}))
    return Problem(
        422,
        VALIDATION_FAILED,
        msg("Check these fields: %(fields)s", fields=fields),
        errors=errors,
    )


def not_found(what: str = "resource", detail: Message | None = None) -> Problem:
    """404 about a kind of object (`teen`), said by `detail` or `No such teen.`."""
    return Problem(404, NOT_FOUND, detail or no_such(what))


def unauthorized(detail: Text = NOT_AUTHENTICATED) -> Problem:
    return Problem(401, UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def conflict(detail: Text) -> Problem:
    return Problem(409, CONFLICT, detail)


def too_many(retry_after: int, detail: Text | None = None) -> Problem:
    return Problem(
        429,
        TOO_MANY_REQUESTS,
        detail or try_again_in(retry_after),
        headers={"Retry-After": str(retry_after)},
    )


def unavailable(detail: Text, retry_after: int) -> Problem:
    return Problem(503, SERVICE_UNAVAILABLE, detail, headers={"Retry-After": str(retry_after)})


def problem_for(error: ServiceError) -> Problem:
    """The one mapping from a use case's failure to an answer."""
    match error:
        case InvalidFieldsError():
            return validation_problem(error.errors)
        case NotFoundError():
            return not_found(error.what, error.detail)
        case NotAuthenticatedError():
            return unauthorized(error.detail)
        case ConflictError():
            return conflict(error.detail)
        case RateLimitedError():
            return too_many(error.retry_after)
        case UnavailableError():
            return unavailable(error.detail, error.retry_after)
    return Problem(500, INTERNAL_ERROR, WENT_WRONG)
