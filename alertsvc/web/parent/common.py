"""What every teen page shares: the guardian check, form values read by the shared input
models (worded for people), and the teen's local time for display."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from alertsvc.domain.calendar import to_local, zone_named
from alertsvc.domain.errors import FieldError, InvalidFieldsError
from alertsvc.http import edge
from alertsvc.services import teens
from alertsvc.services.inputs import error_path
from alertsvc.services.teens import TeenView
from alertsvc.web.errors import sentence
from alertsvc.web.session import logged_in_parent

M = TypeVar("M", bound=BaseModel)
A = TypeVar("A")
B = TypeVar("B")


def owned_teen(teen_id: str) -> TeenView:
    """The teen if the logged-in parent is a guardian; `TeenNotFoundError` (a 404 page, no
    leak) otherwise."""
    return teens.teen_for_parent(edge.db(), logged_in_parent().parent_id, teen_id)


def form_input(model: type[M], data: Mapping[str, Any]) -> M:
    """Form values as the shared input model, or `InvalidFieldsError` worded for the form."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidFieldsError(
            [
                FieldError(error_path(e["loc"]), _message(e["type"], e["msg"], e.get("input")))
                for e in exc.errors(include_url=False)
            ]
        ) from None


def both_valid(first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """Both values, or one `InvalidFieldsError` with the field errors of both."""
    errors: list[FieldError] = []
    values: list[Any] = []
    for read in (first, second):
        try:
            values.append(read())
        except InvalidFieldsError as exc:
            errors += exc.errors
    if errors:
        raise InvalidFieldsError(errors)
    return values[0], values[1]


def _message(kind: str, message: str, value: object) -> str:
    if value in ("", None) and kind != "extra_forbidden":
        return "This is required."
    if kind in ("int_parsing", "int_type"):
        return "Enter a whole number."
    if kind == "date_format":
        return "Enter a date (YYYY-MM-DD)."
    return sentence(message)


def local(instant: datetime | None, teen: TeenView) -> datetime | None:
    """An instant on the teen's school clock, for display."""
    return None if instant is None else to_local(instant, zone_named(teen.timezone))


def local_text(instant: datetime | None, teen: TeenView, with_date: bool = True) -> str:
    """`Wed 25 Nov, 08:15` in the teen's zone (the page names the zone once)."""
    moment = local(instant, teen)
    if moment is None:
        return ""
    return moment.strftime("%a %d %b %Y, %H:%M" if with_date else "%H:%M")


FIELD_LABELS = {
    "nickname": "Nickname",
    "timezone": "School time zone",
    "country": "Country",
    "subdivision": "Region",
    "email": "Co-parent's email",
    "term.first_day": "First day of term",
    "term.last_day": "Last day of term",
    "policy.grace_minutes": "Quiet start",
    "policy.min_interval_minutes": "Time between reminders",
    "policy.max_per_day": "Reminders per day",
    "policy.snooze_minutes": "Quiet time after 'for school'",
    "policy.away_threshold_minutes": "Away threshold",
    "first_day": "First day",
    "last_day": "Last day",
    "kind": "What happens",
    "note": "Name",
    "calendar": "Calendar file",
    "until_date": "Pause until (date)",
    "until_time": "Pause until (time)",
    "confirm": "Confirmation",
}
_DAY_NAMES = dict(
    zip(
        ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
_ROW_PATH = re.compile(r"(?:weekly\.(\w+))?(?:windows)?\[(\d+)\]\.(start|end)")


def field_label(path: str) -> str:
    """What a parent calls the field at an API path, for the error summary."""
    if path in FIELD_LABELS:
        return FIELD_LABELS[path]
    match = _ROW_PATH.fullmatch(path)
    if match:
        day = _DAY_NAMES.get(match.group(1) or "", "Different hours")
        return f"{day}, block {int(match.group(2)) + 1}, {match.group(3)}"
    return path.replace("_", " ").replace(".", " ").capitalize()


def blank_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
