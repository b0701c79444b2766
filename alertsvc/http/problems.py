"""RFC 9457 problem documents, for every error the API answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from flask import Response

from alertsvc.domain.errors import (
    ConflictError,
    FieldError,
    InvalidFieldsError,
    NotAuthenticatedError,
    NotFoundError,
    RateLimitedError,
    ServiceError,
    UnavailableError,
)

PROBLEM_TYPE_BASE = "https://alertsvc.dev/problems/"


class Problem(Exception):  # noqa: N818 - it is what RFC 9457 calls it
    """An error answer. Raise it anywhere in a request; the app turns it into JSON."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        type_: str | None = None,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_ or PROBLEM_TYPE_BASE + title.lower().replace(" ", "-")
        self.errors = tuple(errors)
        self.headers = dict(headers or {})

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
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
    return Problem(422, "Validation failed", f"Check these fields: {fields}", errors=errors)


def not_found(what: str = "resource") -> Problem:
    return Problem(404, "Not found", f"No such {what}.")


def unauthorized(detail: str = "Missing or invalid credentials.") -> Problem:
    return Problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


def conflict(detail: str) -> Problem:
    return Problem(409, "Conflict", detail)


def too_many(retry_after: int) -> Problem:
    return Problem(
        429,
        "Too many requests",
        f"Too many attempts; try again in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
    )


def unavailable(detail: str, retry_after: int) -> Problem:
    return Problem(503, "Service unavailable", detail, headers={"Retry-After": str(retry_after)})


def problem_for(error: ServiceError) -> Problem:
    """The one mapping from a use case's failure to an answer."""
    match error:
        case InvalidFieldsError():
            return validation_problem(error.errors)
        case NotFoundError():
            return not_found(error.what)
        case NotAuthenticatedError():
            return unauthorized(str(error))
        case ConflictError():
            return conflict(str(error))
        case RateLimitedError():
            return too_many(error.retry_after)
        case UnavailableError():
            return unavailable(str(error), error.retry_after)
    return Problem(500, "Internal server error", "Something went wrong on our side.")
