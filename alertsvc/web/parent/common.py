"""What every teen page shares: the guardian check, form values read by the shared input
models (worded for people), and the teen's local time for display."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from babel.dates import format_skeleton
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from alertsvc.domain.calendar import to_local, zone_named
from alertsvc.domain.errors import FieldError, InvalidFieldsError
from alertsvc.domain.message import Sayable, msg
from alertsvc.domain.schedule import Window
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
    """A moment on the teen's school clock, the reader's way (`Wed, Nov 25, 8:15 AM` in
    en-US, `Mi., 25. Nov., 08:15` in de); the page names the zone once."""
    moment = local(instant, teen)
    if moment is None:
        return ""
    if not with_date:
        return edge.language().clock(moment.hour * 60 + moment.minute)
    return f"{day_text(moment.date())}, {edge.language().clock(moment.hour * 60 + moment.minute)}"


def window_text(start: datetime, end: datetime, teen: TeenView) -> str:
    """A block of school time on the teen's clock, the reader's way (`8:00 AM – 3:00 PM`)."""
    zone = zone_named(teen.timezone)
    first, last = to_local(start, zone), to_local(end, zone)
    end_minutes = last.hour * 60 + last.minute
    if last.date() > first.date():
        end_minutes += 24 * 60
    return edge.language().window(first.hour * 60 + first.minute, min(end_minutes, 24 * 60))


def hours_text(windows: Iterable[Window]) -> str:
    """A day's blocks the reader's way (`8:00 AM – 12:00 PM and 1:00 – 3:00 PM`)."""
    return edge.language().hours((w.start, w.end) for w in windows)


def day_text(day: date) -> str:
    """A short date with its weekday, the reader's way: `Wed, Nov 25` (en), `Mi., 25. Nov.`."""
    locale = edge.language().locale
    return format_skeleton("MMMEd", day, locale=locale).replace("\u202f", " ")


def clock_text(minutes: int) -> str:
    """A wall-clock time the reader's way (`8:30 AM`, `08:30`); the end of a day `24:00`."""
    return "24:00" if minutes >= 24 * 60 else edge.language().clock(minutes)


def shown_time(value: str | None) -> str:
    """A form's stored `HH:MM` as the reader types it (en-US `8:30 AM`, de `08:30`); what
    does not read as a time (a typing mistake shown back) is left as it is."""
    text = (value or "").strip()
    match = _HHMM.fullmatch(text)
    if not match:
        return text
    return clock_text(int(match.group(1)) * 60 + int(match.group(2)))


_HHMM = re.compile(r"([01]\d|2[0-4]):([0-5]\d)")
# What a thumb types on a phone's number pad (no colon or dash there): 0830, 8:30, 8.30; with
# a 12-hour clock also `8:30 am`, `8 pm`, `8:30 p.m.` or the language's own AM/PM words.
_TYPED_TIME = re.compile(r"(\d{1,2})(?:[:.hH]?(\d{2}))?")
_TYPED_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})|(\d{4})[-./](\d{1,2})[-./](\d{1,2})")


def _ascii_digits(text: str) -> str:
    """Arabic-Indic and other decimal digits as 0-9 (an `ar` page writes ٨:٣٠)."""
    return "".join(
        str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in text
    )


def _day_half(text: str) -> tuple[str, str | None]:
    """The text without its AM/PM marker, and which half it named (`am`, `pm`, None)."""
    periods = edge.language().locale.day_periods.get("format", {})
    words: list[tuple[str, str]] = [("am", "am"), ("pm", "pm"), ("a", "am"), ("p", "pm")]
    for width in ("abbreviated", "wide", "narrow"):
        for half in ("am", "pm"):
            word = periods.get(width, {}).get(half)
            if word:
                words.append((word.lower().replace(".", "").replace(" ", ""), half))
    squeezed = text.lower().replace(".", "").replace(" ", "").replace("\u202f", "")
    for word, half in sorted(words, key=lambda item: -len(item[0])):
        if squeezed.endswith(word):
            return squeezed[: -len(word)], half
        if squeezed.startswith(word):  # some languages write the marker first
            return squeezed[len(word) :], half
    return text.strip(), None


def typed_time(text: str | None) -> str:
    """A typed time as `HH:MM` (`830` -> `08:30`, `8:30 PM` -> `20:30`), in the reader's
    format or 24-hour; anything else is returned stripped, for the API's rules to refuse
    with their own message."""
    typed = (text or "").strip()
    clock, half = _day_half(_ascii_digits(typed))
    match = _TYPED_TIME.fullmatch(clock)
    if not match or (half is None and match.group(2) is None):
        return typed
    hour, minute = int(match.group(1)), match.group(2) or "00"
    if half is not None:
        if not 1 <= hour <= 12:
            return typed
        hour = hour % 12 + (12 if half == "pm" else 0)
    return f"{hour:02d}:{minute}"


def typed_date(text: str | None) -> str:
    """A typed date as `YYYY-MM-DD` (`20260902` or `2026-9-2` -> `2026-09-02`)."""
    typed = (text or "").strip()
    match = _TYPED_DATE.fullmatch(typed)
    if not match:
        return typed
    year, month, day = (part for part in match.groups() if part is not None)
    return f"{year}-{int(month):02d}-{int(day):02d}"


FIELD_LABELS = {
    "nickname": msg("Nickname"),
    "timezone": msg("School's city or time zone"),
    "country": msg("Country"),
    "subdivision": msg("Region"),
    "email": msg("Co-parent's email"),
    "term.first_day": msg("First day of term"),
    "term.last_day": msg("Last day of term"),
    "policy.grace_minutes": msg("Quiet start"),
    "policy.min_interval_minutes": msg("Time between reminders"),
    "policy.max_per_day": msg("Reminders per day"),
    "policy.snooze_minutes": msg("Quiet time after “for school”"),
    "policy.away_threshold_minutes": msg("Away threshold"),
    "first_day": msg("First day"),
    "last_day": msg("Last day"),
    "kind": msg("What happens"),
    "note": msg("Name"),
    "calendar": msg("Calendar file"),
    "until_date": msg("Pause until (date)"),
    "until_time": msg("Pause until (time)"),
    "confirm": msg("Confirmation"),
    "days": msg("School days"),
}
_ROW_PATH = re.compile(r"(?:weekly\.(\w+)|(same)|windows)\[(\d+)\]\.(start|end)")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def field_label(path: str) -> str:
    """What a parent calls the field at an API path, for the error summary, in their words."""
    if path in FIELD_LABELS:
        return edge.language().say(FIELD_LABELS[path])
    match = _ROW_PATH.fullmatch(path)
    if match:
        days = edge.language().locale.days["format"]["wide"]
        name = match.group(1) or ""
        if match.group(2):
            day = edge.language().gettext("School days")
        elif name in _WEEKDAYS:
            day = str(days[_WEEKDAYS.index(name)])
        else:
            day = edge.language().gettext("Different hours")
        number = int(match.group(3)) + 1
        if match.group(4) == "start":
            return edge.language().say(
                msg("%(day)s, block %(number)s, start", day=day, number=number)
            )
        return edge.language().say(msg("%(day)s, block %(number)s, end", day=day, number=number))
    return path.replace("_", " ").replace(".", " ").capitalize()


def blank_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
