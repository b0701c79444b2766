"""Schedules, exceptions and the calendar preview of one teen.

Callers have already checked that the teen is the caller's (`teens.teen_for_parent`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from alertsvc.db import repositories
from alertsvc.db.repositories import ExceptionRecord, TeenView
from alertsvc.domain.calendar import (
    DayReason,
    clock_change_on,
    format_offset,
    local_date,
    occurrences_on,
    school_day,
    zone_named,
)
from alertsvc.domain.errors import FieldError, InvalidFieldsError
from alertsvc.domain.schedule import (
    FIRST_SUPPORTED_DATE,
    LAST_SUPPORTED_DATE,
    ExceptionKind,
    Schedule,
    SchoolException,
    Window,
    build_schedule,
    build_windows,
    check_dates,
)
from alertsvc.services.ids import new_id
from alertsvc.services.teens import NotFoundError

MAX_PREVIEW_DAYS = 62


def get_schedule(session: Session, teen: TeenView) -> Schedule:
    """The teen's schedule, or `NotFoundError("schedule")` if none was ever set."""
    schedule = repositories.load_schedule(session, teen.id)
    if schedule is None:
        raise NotFoundError("schedule")
    return schedule


def put_schedule(
    session: Session,
    teen: TeenView,
    *,
    weekly: Mapping[str, Sequence[tuple[str, str]]],
    term: tuple[date, date] | None,
    observe_public_holidays: bool,
    policy: Mapping[str, int],
    now: datetime,
) -> Schedule:
    """Replace the teen's schedule; `InvalidFieldsError` names every bad field.

    The version goes up by one only when the stored schedule actually changes, so a client
    re-sending the same schedule does not look like an edit.
    """
    schedule = build_schedule(weekly, term, observe_public_holidays, policy)
    return repositories.save_schedule(session, teen.id, schedule, now)


# --- exceptions --------------------------------------------------------------------------


def check_exception(
    first_day: date,
    last_day: date,
    kind: ExceptionKind,
    windows: Sequence[tuple[str, str]] | None,
    note: str | None,
) -> SchoolException:
    """A valid exception value (without an id yet), or `InvalidFieldsError`."""
    errors = check_dates("", ("first_day", first_day), ("last_day", last_day))
    if first_day > last_day:
        errors.append(FieldError("last_day", "must not be before first_day"))
    parsed: tuple[Window, ...] = ()
    if kind is ExceptionKind.CUSTOM_HOURS:
        if not windows:
            errors.append(FieldError("windows", "custom_hours needs at least one window"))
        else:
            try:
                parsed = build_windows("windows", windows)
            except InvalidFieldsError as exc:
                errors += exc.errors
    elif windows:
        errors.append(FieldError("windows", "no_school takes no windows"))
    if errors:
        raise InvalidFieldsError(errors)
    return SchoolException("", first_day, last_day, kind, parsed, note or None)


def add_exception(
    session: Session,
    teen: TeenView,
    *,
    first_day: date,
    last_day: date,
    kind: ExceptionKind,
    windows: Sequence[tuple[str, str]] | None,
    note: str | None,
    now: datetime,
) -> ExceptionRecord:
    """Add a manual exception; being the newest, it wins over every older one it overlaps."""
    value = check_exception(first_day, last_day, kind, windows, note)
    exception = SchoolException(
        new_id("exc"), value.first_day, value.last_day, value.kind, value.windows, value.note
    )
    seq = repositories.next_exception_seq(session, teen.id)
    return repositories.add_exception(session, teen.id, exception, now, seq=seq)


def list_exceptions(session: Session, teen: TeenView) -> list[ExceptionRecord]:
    """The teen's exceptions in creation order."""
    return repositories.load_exception_records(session, teen.id)


def delete_exception(session: Session, teen: TeenView, exception_id: str) -> None:
    if not repositories.delete_exception(session, teen.id, exception_id):
        raise NotFoundError("exception")


# --- preview -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PreviewWindow:
    """A window's stretch of instants, both in the school zone's local offset."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class PreviewClockChange:
    at: datetime  # in the zone's offset after the change
    from_offset: str
    to_offset: str


@dataclass(frozen=True, slots=True)
class PreviewDay:
    day: date
    school_day: bool
    reason: DayReason | None
    detail: str | None
    windows: tuple[PreviewWindow, ...]
    clock_change: PreviewClockChange | None


def preview(
    session: Session, teen: TeenView, first: date | None, days: int, now: datetime
) -> list[PreviewDay]:
    """What the calendar says for `days` local dates from `first` (default: today, locally).

    Raises `NotFoundError("schedule")` without a schedule and `InvalidFieldsError` naming
    `from` or `days` when the range leaves 2000-01-01..2037-12-31.
    """
    schedule = get_schedule(session, teen)
    zone = zone_named(teen.timezone)
    start = first if first is not None else local_date(now, zone)
    if not FIRST_SUPPORTED_DATE <= start <= LAST_SUPPORTED_DATE:
        raise InvalidFieldsError([FieldError("from", "must be between 2000-01-01 and 2037-12-31")])
    if not 1 <= days <= MAX_PREVIEW_DAYS:
        raise InvalidFieldsError([FieldError("days", f"must be between 1 and {MAX_PREVIEW_DAYS}")])
    if start + timedelta(days=days - 1) > LAST_SUPPORTED_DATE:
        raise InvalidFieldsError([FieldError("days", "the range must end by 2037-12-31")])
    exceptions = repositories.load_exceptions(session, teen.id)
    found = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        verdict = school_day(day, schedule, exceptions, teen.place)
        windows = tuple(
            PreviewWindow(o.interval.start.astimezone(zone), o.interval.end.astimezone(zone))
            for o in occurrences_on(day, verdict.windows, zone)
        )
        change = clock_change_on(day, zone)
        found.append(
            PreviewDay(
                day,
                verdict.school_day,
                verdict.reason,
                verdict.detail,
                windows,
                None
                if change is None
                else PreviewClockChange(
                    change.at.astimezone(zone),
                    format_offset(change.from_offset),
                    format_offset(change.to_offset),
                ),
            )
        )
    return found
