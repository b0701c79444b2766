"""Input values both faces read (JSON bodies and page forms) and their conversion to domain
values: one definition per input, so the API and the pages accept exactly the same things."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from alertsvc.domain.errors import (
    IS_REQUIRED,
    UNKNOWN_FIELD,
    FieldError,
    InvalidFieldsError,
    reason,
)
from alertsvc.domain.message import Message, Sayable, Value, msg, msg_n

M = TypeVar("M", bound=BaseModel)

# What each pydantic error our input models can raise says, in our words (never pydantic's
# English): its `ctx` values (limits, expected values) fill the placeholders.
_MESSAGES: dict[str, Message] = {
    "extra_forbidden": UNKNOWN_FIELD,
    "missing": IS_REQUIRED,
    "string_type": msg("must be text"),
    "string_too_short": msg_n(
        "must have at least %(min_length)d character",
        "must have at least %(min_length)d characters",
        0,
    ),
    "string_too_long": msg_n(
        "must be at most %(max_length)d character",
        "must be at most %(max_length)d characters",
        0,
    ),
    "string_pattern_mismatch": msg("must match the pattern %(pattern)s"),
    "string_unicode": msg("must be valid Unicode text"),
    "int_type": msg("must be an integer"),
    "int_parsing": msg("must be an integer"),
    "int_from_float": msg("must be an integer"),
    "int_parsing_size": msg("must be an integer"),
    "float_type": msg("must be a number"),
    "float_parsing": msg("must be a number"),
    "finite_number": msg("must be a finite number"),
    "bool_type": msg("must be true or false"),
    "bool_parsing": msg("must be true or false"),
    "greater_than": msg("must be greater than %(gt)s"),
    "greater_than_equal": msg("must be at least %(ge)s"),
    "less_than": msg("must be less than %(lt)s"),
    "less_than_equal": msg("must be at most %(le)s"),
    "multiple_of": msg("must be a multiple of %(multiple_of)s"),
    "literal_error": msg("must be one of %(expected)s"),
    "enum": msg("must be one of %(expected)s"),
    "list_type": msg("must be a list"),
    "too_short": msg_n(
        "must have at least %(min_length)d item", "must have at least %(min_length)d items", 0
    ),
    "too_long": msg_n(
        "must have at most %(max_length)d item", "must have at most %(max_length)d items", 0
    ),
    "dict_type": msg("must be an object"),
    "model_type": msg("must be an object"),
    "model_attributes_type": msg("must be an object"),
    "date_type": msg("must be a date YYYY-MM-DD"),
    "date_parsing": msg("must be a date YYYY-MM-DD"),
    "date_from_datetime_parsing": msg("must be a date YYYY-MM-DD"),
    "date_from_datetime_inexact": msg("must be a date YYYY-MM-DD"),
    "date_format": msg("must be a date YYYY-MM-DD"),
    "datetime_type": msg("must be a date and time (RFC 3339)"),
    "datetime_parsing": msg("must be a date and time (RFC 3339)"),
    "datetime_from_date_parsing": msg("must be a date and time (RFC 3339)"),
    "datetime_object_invalid": msg("must be a date and time (RFC 3339)"),
    "timezone_aware": msg("must include a time zone offset"),
    "timezone_naive": msg("must not include a time zone offset"),
    "none_required": msg("must be null"),
    "json_invalid": msg("is not valid JSON"),
    "json_type": msg("is not valid JSON"),
    "union_tag_invalid": msg("must be one of %(expected_tags)s"),
    "union_tag_not_found": msg("needs the field %(discriminator)s"),
    "uuid_type": msg("must be a UUID"),
    "uuid_parsing": msg("must be a UUID"),
}
INVALID_VALUE = msg("is not a valid value")
INVALID_EMAIL = msg("is not a valid email address")


def json_path(loc: Sequence[int | str]) -> str:
    """Pydantic's `('weekly', 'mon', 1, 'start')` -> `weekly.mon[1].start` (`body` if empty)."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "body"


def error_path(loc: Sequence[int | str]) -> str:
    """The field an error is about, leaving out pydantic's steps such as `function-after[...]`."""
    return json_path([p for p in loc if not (isinstance(p, str) and "[" in p)])


def _ctx_value(value: object) -> Value:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    # Pydantic lists the expected values in English ("'a', 'b' or 'c'"): a plain list instead.
    return str(value).replace(" or ", ", ")


# The ctx value that picks the plural form of a counting message.
_COUNTED_BY = {
    "string_too_short": "min_length",
    "string_too_long": "max_length",
    "too_short": "min_length",
    "too_long": "max_length",
}


def error_message(error: ErrorDetails) -> Sayable:
    """What one pydantic error says: our sentence for its type with its `ctx` values (limits,
    expected values) as the placeholders; a generic sentence for a type we do not know."""
    ctx = error.get("ctx") or {}
    kind = error["type"]
    if kind == "value_error":
        if isinstance(ctx.get("error"), Exception):
            return reason(ctx["error"])
        return INVALID_EMAIL if "reason" in ctx else INVALID_VALUE
    template = _MESSAGES.get(kind)
    if template is None:
        return INVALID_VALUE
    values = tuple(
        (name, _ctx_value(value)) for name, value in ctx.items() if f"%({name})" in template.msgid
    )
    counted = ctx.get(_COUNTED_BY.get(kind, ""))
    count = counted if isinstance(counted, int) else 1
    if template.plural is None:
        return Message(template.msgid, values)
    return Message(template.msgid, (("count", count), *values), template.plural, count)


def field_errors(exc: ValidationError) -> list[FieldError]:
    """A model's validation errors as field errors named by their JSON path."""
    return [
        FieldError(error_path(error["loc"]), error_message(error))
        for error in exc.errors(include_url=False)
    ]


def parse(model: type[M], data: Any) -> M:
    """Decoded data (a JSON value, query or form values) as `model`, or InvalidFieldsError."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidFieldsError(field_errors(exc)) from None
