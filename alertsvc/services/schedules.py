"""Schedules, exceptions and the calendar preview of one teen.

Callers have already checked that the teen is the caller's (`teens.teen_for_parent`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from alertsvc.db.repositories import exceptions as exception_rows
from alertsvc.db.repositories import schedules as schedule_rows
from alertsvc.db.repositories.exceptions import ExceptionRecord as ExceptionRecord
from alertsvc.db.repositories.teens import TeenView
from alertsvc.domain.calendar import (
    DayReason,
    clock_change_on,
    format_offset,
    local_date,
    occurrences_on,
    school_day,
    zone_named,
)
from alertsvc.domain.errors import FieldError, InvalidFieldsError, NotFoundError
from alertsvc.domain.message import msg
from alertsvc.domain.schedule import (
    FIRST_SUPPORTED_DATE,
    LAST_SUPPORTED_DATE,
    OUTSIDE_SUPPORTED_DATES,
    Schedule,
    SchoolException,
)
from alertsvc.services.ids import new_id


class ScheduleNotFoundError(NotFoundError):
    """The parents never set a schedule for the teen."""

    def __init__(self) -> None:
        super().__init__("schedule")


class ExceptionNotFoundError(NotFoundError):
    """The teen has no exception with this id (any more)."""

    def __init__(self) -> None:
        super().__init__("exception")


MAX_PREVIEW_DAYS = 62


def get_schedule(session: Session, teen: TeenView) -> Schedule:
    """The teen's schedule, or `ScheduleNotFoundError` if none was ever set."""
    schedule = schedule_rows.load_schedule(session, teen.id)
    if schedule is None:
        raise ScheduleNotFoundError
    return schedule


def find_schedule(session: Session, teen: TeenView) -> Schedule | None:
    """The teen's schedule, or None if none was ever set."""
    return schedule_rows.load_schedule(session, teen.id)


def put_schedule(session: Session, teen: TeenView, schedule: Schedule, now: datetime) -> Schedule:
    """Replace the teen's schedule; returns it with its stored version.

    The version goes up by one only when the stored schedule actually changes, so a client
    re-sending the same schedule does not look like an edit.
    """
    return schedule_rows.save_schedule(session, teen.id, schedule, now)


# --- exceptions --------------------------------------------------------------------------


def add_exception(
    session: Session, teen: TeenView, value: SchoolException, now: datetime
) -> ExceptionRecord:
    """Add a manual exception; being the newest, it wins over every older one it overlaps."""
    exception = replace(value, id=new_id("exc"), created_at=None)
    seq = exception_rows.next_exception_seq(session, teen.id)
    return exception_rows.add_exception(session, teen.id, exception, now, seq=seq)


def list_exceptions(session: Session, teen: TeenView) -> list[ExceptionRecord]:
    """The teen's exceptions in creation order."""
    return exception_rows.load_exception_records(session, teen.id)


def delete_exception(session: Session, teen: TeenView, exception_id: str) -> None:
    """Delete one of the teen's exceptions, or `ExceptionNotFoundError`."""
    if not exception_rows.delete_exception(session, teen.id, exception_id):
        raise ExceptionNotFoundError


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

    Raises `ScheduleNotFoundError` without a schedule and `InvalidFieldsError` naming
    `from` or `days` when the range leaves 2000-01-01..2037-12-31.
    """
    schedule = get_schedule(session, teen)
    zone = zone_named(teen.timezone)
    start = first if first is not None else local_date(now, zone)
    if not FIRST_SUPPORTED_DATE <= start <= LAST_SUPPORTED_DATE:
        raise InvalidFieldsError([FieldError("from", OUTSIDE_SUPPORTED_DATES)])
    if not 1 <= days <= MAX_PREVIEW_DAYS:
        between = msg("must be between %(low)d and %(high)d", low=1, high=MAX_PREVIEW_DAYS)
        raise InvalidFieldsError([FieldError("days", between)])
    if start + timedelta(days=days - 1) > LAST_SUPPORTED_DATE:
        raise InvalidFieldsError(
            [
                FieldError(
                    "days",
                    msg("the range must end by %(last)s", last=LAST_SUPPORTED_DATE.isoformat()),
                )
            ]
        )
    exceptions = exception_rows.load_exceptions(session, teen.id)
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
