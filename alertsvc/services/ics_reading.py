"""Reading an iCalendar upload: only the lines the import uses reach the (slow) parser, at
most `MAX_LINES` of them with at most `MAX_SEPARATORS` parameters and list values; every
VEVENT is checked once, and bad properties are named `calendar.VEVENT[n].NAME`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import icalendar

from alertsvc.domain.errors import IS_REQUIRED, FieldError, InvalidFieldsError
from alertsvc.domain.message import Message, msg

# Parsing costs icalendar ~20 µs a line and a few µs a parameter or list value.
MAX_LINES = 20_000
MAX_SEPARATORS = 30_000
MAX_LISTED_ERRORS = 20

# Where a problem is: `calendar.VEVENT[3].SUMMARY` is the SUMMARY of the file's fourth event.
FIELD_PREFIX = "calendar"
# PostgreSQL cannot store NUL, and no title or UID needs C0 controls (but tab, LF, CR) or DEL.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_STORED = ("UID", "SUMMARY")
_READ = frozenset(
    {"UID", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"}
    | {"SUMMARY", "STATUS", "SEQUENCE"}
)
# Properties an event may have once (RRULE, RDATE and EXDATE may come more than once).
_SINGLE = ("UID", "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "SUMMARY", "STATUS", "SEQUENCE")
_CRITICAL = {"UID", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"}
_FOLD = re.compile(r"\r?\n[ \t]")
_LINE_BREAK = re.compile(r"\r?\n|\r")
_NAME = re.compile(r"[A-Za-z0-9-]*")
_CALENDAR = ["VCALENDAR"]
_EVENT = ["VCALENDAR", "VEVENT"]


class CalendarFormatError(InvalidFieldsError):
    """The upload is not a usable iCalendar file; nothing of it is imported. The API names
    the body as the field; `reason` says what is wrong, in a sentence."""

    def __init__(self, reason: Message) -> None:
        super().__init__([FieldError("body", reason)])
        self.reason = reason


def field_path(index: int, name: str) -> str:
    """`calendar.VEVENT[3].SUMMARY`: a property of the file's VEVENTs, counted from 0."""
    return f"{FIELD_PREFIX}.VEVENT[{index}].{name}"


def is_all_day(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def _event_lines(text: str) -> list[str]:
    """The lines of the top-level VEVENTs that the import reads, with their BEGIN and END.

    Alarms, time zones, descriptions and the like are never read, so they are dropped
    before the (slow) parser sees them.
    """
    kept: list[str] = []
    path: list[str] = []
    for line in _LINE_BREAK.split(_FOLD.sub("", text)):
        match = _NAME.match(line)
        name = match.group().upper() if match else ""
        if name == "BEGIN":
            path.append(line.partition(":")[2].strip().upper())
            if path in (_CALENDAR, _EVENT):
                kept.append(line)
        elif name == "END":
            if path in (_CALENDAR, _EVENT):
                kept.append(line)
            if not path or path.pop() != line.partition(":")[2].strip().upper():
                raise CalendarFormatError(msg("Its BEGIN and END lines do not match."))
        elif path == _EVENT and name in _READ:
            kept.append(line)
    return kept


def read_calendar(data: bytes) -> Any:
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise CalendarFormatError(msg("The file is not UTF-8 text.")) from exc
    lines = _event_lines(text)
    if len(lines) > MAX_LINES:
        raise CalendarFormatError(
            msg(
                "The calendar has more than %(max)d lines of events; export a shorter range.",
                max=MAX_LINES,
            )
        )
    kept = "\r\n".join(lines)
    if kept.count(";") + kept.count(",") > MAX_SEPARATORS:
        raise CalendarFormatError(
            msg(
                "The calendar's events have more than %(max)d parameters and values.",
                max=MAX_SEPARATORS,
            )
        )
    try:
        calendar = icalendar.Calendar.from_ical(kept + "\r\n")
    except Exception as exc:  # the parser raises many types for many kinds of bad input
        raise CalendarFormatError(msg("The body is not an iCalendar file.")) from exc
    if getattr(calendar, "name", None) != "VCALENDAR":
        raise CalendarFormatError(msg("The body has no VCALENDAR."))
    return calendar


def refuse(errors: Sequence[FieldError]) -> None:
    if errors:
        raise InvalidFieldsError(errors[:MAX_LISTED_ERRORS])


def checked_events(calendar: Any) -> list[Any]:
    """Every VEVENT, after checking each has a UID and readable dates and rules, once."""
    events = list(calendar.walk("VEVENT"))
    errors: list[FieldError] = []
    for index, event in enumerate(events):
        if not str(event.get("UID", "")).strip():
            errors.append(FieldError(field_path(index, "UID"), IS_REQUIRED))
        if "DTSTART" not in event:
            errors.append(FieldError(field_path(index, "DTSTART"), IS_REQUIRED))
        broken = sorted({name for name, _ in getattr(event, "errors", ()) if name in _CRITICAL})
        errors += [
            FieldError(field_path(index, name), msg("is not a valid value")) for name in broken
        ]
        repeated = [name for name in _SINGLE if isinstance(event.get(name), list)]
        errors += [
            FieldError(field_path(index, name), msg("must appear once")) for name in repeated
        ]
    refuse(errors)
    return events


def control_characters(series: Iterable[list[tuple[int, Any]]]) -> list[FieldError]:
    """The stored properties (UID, SUMMARY) of the events to import that hold a control."""
    errors = []
    for components in series:
        for index, component in components:
            for name in _STORED:
                found = _CONTROL.search(str(component.get(name, "")))
                if found:
                    code = f"U+{ord(found.group()):04X}"
                    message = msg("must not contain control characters (found %(code)s)", code=code)
                    errors.append(FieldError(field_path(index, name), message))
    return errors


def series_by_uid(events: Iterable[Any]) -> dict[str, list[tuple[int, Any]]]:
    """VEVENTs (with their place in the file) grouped by UID: a master and its changes."""
    by_uid: dict[str, list[tuple[int, Any]]] = {}
    for index, event in enumerate(events):
        by_uid.setdefault(str(event["UID"]).strip(), []).append((index, event))
    return by_uid


def master(components: list[tuple[int, Any]]) -> Any:
    return next((c for _, c in components if "RECURRENCE-ID" not in c), components[0][1])


def is_recurring(components: list[tuple[int, Any]]) -> bool:
    keys = ("RRULE", "RDATE", "RECURRENCE-ID")
    return any(key in component for _, component in components for key in keys)
