"""Reading requests into validated models and writing JSON answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import orjson
from flask import Response, g, request
from pydantic import BaseModel, PlainSerializer, ValidationError, WithJsonSchema

from alertsvc.domain.errors import FieldError, InvalidFieldsError
from alertsvc.domain.message import msg
from alertsvc.domain.text import CONTROL_CHARACTER_MESSAGE, control_character_paths
from alertsvc.http.problems import BAD_REQUEST, Problem
from alertsvc.services import inputs

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])

JSON_BODY_LIMIT = 64 * 1024
ICS_BODY_LIMIT = 1024 * 1024


def validate(model: type[M], data: Any) -> M:
    """Validate already-decoded data (query strings) into a model; `InvalidFieldsError` (422)."""
    return inputs.parse(model, data)


def read_body(limit: int = JSON_BODY_LIMIT) -> bytes:
    """The request's body, read once (a request answered again reads the same bytes)."""
    if "body" in g:
        cached: bytes = g.body
        return cached
    length = request.content_length
    if length is not None and length > limit:
        raise too_large(limit)
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise too_large(limit)
    g.body = raw
    return raw


def too_large(limit: int) -> Problem:
    """413 for a body over `limit` bytes."""
    return Problem(
        413, msg("Payload too large"), msg("Bodies are limited to %(limit)d bytes.", limit=limit)
    )


def parse_json(model: type[M], *, allow_empty: bool = False) -> M:
    """The request's JSON body as a model: 400 malformed or wrong type, 413 too big, 422 invalid."""
    raw = read_body()
    if not raw.strip() and allow_empty:
        raw = b"{}"
    elif request.mimetype != "application/json":
        raise Problem(400, BAD_REQUEST, msg("Send the body as application/json."))
    _refuse_control_characters(raw)
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise Problem(400, BAD_REQUEST, msg("The body is not valid JSON.")) from None
        raise InvalidFieldsError(inputs.field_errors(exc)) from None


def _refuse_control_characters(raw: bytes) -> None:
    """422 naming each string (or key) with a control character. JSON can only carry one as a
    `\\u` escape, or DEL as itself, so most bodies are never decoded twice."""
    if b"\\u" not in raw and b"\x7f" not in raw:
        return
    try:
        decoded = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Problem(400, BAD_REQUEST, msg("The body is not valid JSON.")) from None
    paths = dict.fromkeys(control_character_paths(decoded))
    if paths:
        raise InvalidFieldsError([FieldError(path, CONTROL_CHARACTER_MESSAGE) for path in paths])


def _model_json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_response(
    data: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
    *,
    indent: int | None = None,
) -> Response:
    """A JSON answer; response models (also inside lists) are written as the OpenAPI document
    describes them, by their own serialisation. `indent` for a model meant as a file to read."""
    body = (
        data.__pydantic_serializer__.to_json(data, by_alias=True, indent=indent)
        if isinstance(data, BaseModel)
        else orjson.dumps(data, default=_model_json)
    )
    response = Response(body, status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def no_content() -> Response:
    return Response(status=204)


@dataclass(frozen=True, slots=True)
class Doc:
    """What the OpenAPI document says of one route; read off the same models that validate."""

    summary: str
    auth: str | None = None  # "parent", "device", "admin" or None
    body: type[BaseModel] | None = None
    body_media: str = "application/json"
    query: type[BaseModel] | None = None
    responses: dict[int, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    # Problem statuses beyond the usual ones, e.g. 401 for a login that needs no token.
    problems: tuple[int, ...] = ()


def documented(doc: Doc) -> Callable[[F], F]:
    def mark(view: F) -> F:
        view.__openapi__ = doc  # type: ignore[attr-defined]
        return view

    return mark


def rfc3339(instant: datetime | None) -> str | None:
    """UTC instants as RFC 3339 with `Z`; milliseconds only when the instant has them."""
    if instant is None:
        return None
    utc = instant.astimezone(UTC)
    spec = "milliseconds" if utc.microsecond else "seconds"
    return utc.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


# An instant in an answer: serialized by `rfc3339`, documented as an RFC 3339 date-time.
Instant = Annotated[
    datetime,
    PlainSerializer(rfc3339, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
