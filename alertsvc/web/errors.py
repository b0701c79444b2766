"""How pages fail: the error page for what a page cannot answer, and `run`, the one mapping
from a use case's errors to what its form shows (the JSON API answers problem documents)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from flask import Response, g, render_template
from jinja2 import TemplateNotFound
from markupsafe import escape

from alertsvc.domain.errors import FieldError, InvalidFieldsError, RateLimitedError, ServiceError
from alertsvc.domain.message import msg_n
from alertsvc.http import edge
from alertsvc.http.problems import Problem, Text, say

T = TypeVar("T")

# Messages by field (the form's field names or the API's field paths).
Errors = dict[str, str]
# The key of a message about the whole form.
WHOLE_FORM = ""
# A form sent back with mistakes to correct.
INVALID = 422

# Errors a form explains in its own words: the field to show the message at, and the message.
Explained = Mapping[type[ServiceError], tuple[str, Text]]


@dataclass(frozen=True, slots=True)
class SaidProblem:
    """A problem as a page shows it: its words said in the request's language."""

    status: int
    type: str
    title: str
    detail: str
    errors: Errors


def said(problem: Problem) -> SaidProblem:
    return SaidProblem(
        problem.status,
        problem.type,
        say(problem.title),
        say(problem.detail),
        field_errors(problem.errors),
    )


def render_problem_page(problem: Problem) -> Response:
    g.error_page_status = problem.status  # the layout's viewer() then spares the database
    shown = said(problem)
    try:
        html = render_template("error.html", problem=shown)
    except TemplateNotFound:
        html = f"<h1>{shown.status} {escape(shown.title)}</h1><p>{escape(shown.detail)}</p>"
    response = Response(html, status=problem.status, mimetype="text/html")
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a form's use case did not happen: messages by field, and the answer's status."""

    errors: Errors
    status: int = INVALID
    headers: dict[str, str] = field(default_factory=dict)
    error: ServiceError | None = None  # what the use case raised


def run(
    action: Callable[[], T],
    explained: Explained | None = None,
    renamed: Mapping[str, str] | None = None,
) -> T | Refusal:
    """Run one use case as the request's unit of work: committed when it succeeds, rolled back
    when it fails. Its `InvalidFieldsError` (with the fields in `renamed` shown at the form's
    field), a `RateLimitedError` and the errors in `explained` come back as a `Refusal` for
    the form to show; any other error goes on to the app's one mapping (an error page)."""
    session = edge.db()
    try:
        result = action()
    except ServiceError as exc:
        session.rollback()
        return _refusal(exc, explained or {}, renamed or {})
    session.commit()
    return result


def _refusal(error: ServiceError, explained: Explained, renamed: Mapping[str, str]) -> Refusal:
    for kind, (name, message) in explained.items():
        if isinstance(error, kind):
            return Refusal({name: say(message)}, error=error)
    if isinstance(error, InvalidFieldsError):
        errors = field_errors(error.errors)
        moved = {renamed.get(path, path): message for path, message in errors.items()}
        return Refusal(moved, error=error)
    if isinstance(error, RateLimitedError):
        message = msg_n(
            "Too many attempts. To keep the account safe, please wait %(count)d second and "
            "try again.",
            "Too many attempts. To keep the account safe, please wait %(count)d seconds and "
            "try again.",
            error.retry_after,
        )
        headers = {"Retry-After": str(error.retry_after)}
        return Refusal({WHOLE_FORM: say(message)}, 429, headers, error)
    raise error


def field_errors(found: Sequence[FieldError]) -> Errors:
    """Field errors as sentences by field path (the first one of each field), said in the
    request's language."""
    errors: Errors = {}
    for error in found:
        if error.field not in errors:
            errors[error.field] = sentence(say(error.message))
    return errors


def sentence(message: str) -> str:
    """`must be …` -> `This must be ….`: a field's message as a sentence next to it."""
    text = message.strip()
    if not text:
        return text
    if text.startswith(("must", "is ", "needs", "should", "may", "the ", "overlaps")):
        text = "This " + text if not text.startswith("the ") else text
    text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."
