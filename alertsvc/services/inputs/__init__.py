"""Input values both faces read (JSON bodies and page forms) and their conversion to domain
values: one definition per input, so the API and the pages accept exactly the same things."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from alertsvc.domain.errors import FieldError, InvalidFieldsError

M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "extra_forbidden": "unknown field",
    "missing": "is required",
}


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


def field_errors(exc: ValidationError) -> list[FieldError]:
    """A model's validation errors as field errors named by their JSON path."""
    return [
        FieldError(error_path(error["loc"]), _MESSAGES.get(error["type"], error["msg"]))
        for error in exc.errors(include_url=False)
    ]


def parse(model: type[M], data: Any) -> M:
    """Decoded data (a JSON value, query or form values) as `model`, or InvalidFieldsError."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidFieldsError(field_errors(exc)) from None
