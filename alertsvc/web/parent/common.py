"""What every teen page shares: the guardian check, form values read by the shared input
models (worded for people), and the teen's local time for display."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from alertsvc.domain.calendar import to_local, zone_named
from alertsvc.domain.errors import FieldError, InvalidFieldsError
from alertsvc.domain.message import Sayable, msg
from alertsvc.http import edge
from alertsvc.services import teens
from alertsvc.services.inputs import error_message, error_path
from alertsvc.services.teens import TeenView
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
            [FieldError(error_path(e["loc"]), _message(e)) for e in exc.errors(include_url=False)]
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


def _message(error: ErrorDetails) -> Sayable:
    """A pydantic error worded for a form (the page makes it a sentence, `web.errors`)."""
    kind = error["type"]
    if error.get("input") in ("", None) and kind != "extra_forbidden":
        return msg("This is required.")
    if kind in ("int_parsing", "int_type"):
        return msg("Enter a whole number.")
    if kind == "date_format":
        return msg("Enter a date (YYYY-MM-DD).")
    return error_message(error)


def local(instant: datetime | None, teen: TeenView) -> datetime | None:
    """An instant on the teen's school clock, for display."""
    return None if instant is None else to_local(instant, zone_named(teen.timezone))


def local_text(instant: datetime | None, teen: TeenView, with_date: bool = True) -> str:
    """`Wed 2026-11-25 08:15` in the teen's zone (the page names the zone once): dates are
    ISO and times 24-hour on every page, as they are typed in the forms."""
    moment = local(instant, teen)
    if moment is None:
        return ""
    return moment.strftime("%a %Y-%m-%d %H:%M" if with_date else "%H:%M")


def day_text(day: date) -> str:
    """`Wed 2026-11-25`: a weekday and an ISO date."""
    return f"{day:%a} {day.isoformat()}"


# What a thumb types on a phone's number pad (no colon or dash there): 0830, 8:30, 8.30.
_TYPED_TIME = re.compile(r"(\d{1,2})[:.hH]?(\d{2})")
_TYPED_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})|(\d{4})[-./](\d{1,2})[-./](\d{1,2})")


def typed_time(text: str | None) -> str:
    """A typed time as `HH:MM` (`830` -> `08:30`); anything else is returned stripped, for
    the API's rules to refuse with their own message."""
    typed = (text or "").strip()
    match = _TYPED_TIME.fullmatch(typed)
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else typed


def typed_date(text: str | None) -> str:
    """A typed date as `YYYY-MM-DD` (`20260902` or `2026-9-2` -> `2026-09-02`)."""
    typed = (text or "").strip()
    match = _TYPED_DATE.fullmatch(typed)
    if not match:
        return typed
    year, month, day = (part for part in match.groups() if part is not None)
    return f"{year}-{int(month):02d}-{int(day):02d}"


FIELD_LABELS = {
    "nickname": "Nickname",
    "timezone": "School's city or time zone",
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
    "days": "School days",
}
_DAY_NAMES = dict(
    zip(
        ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
_ROW_PATH = re.compile(r"(?:weekly\.(\w+)|(same)|windows)\[(\d+)\]\.(start|end)")


def field_label(path: str) -> str:
    """What a parent calls the field at an API path, for the error summary."""
    if path in FIELD_LABELS:
        return FIELD_LABELS[path]
    match = _ROW_PATH.fullmatch(path)
    if match:
        day = _DAY_NAMES.get(match.group(1) or "", "Different hours")
        if match.group(2):
            day = "School days"
        return f"{day}, block {int(match.group(3)) + 1}, {match.group(4)}"
    return path.replace("_", " ").replace(".", " ").capitalize()


def blank_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
