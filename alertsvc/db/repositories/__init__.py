"""Rows <-> domain values. Services get `Place`, `Schedule` and `SchoolException` values from
here and hand values back; no `Mapped` row leaves this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from alertsvc.db.models import ExceptionRow, Guardianship, ScheduleRow, Teen
from alertsvc.domain.schedule import (
    WEEKDAYS,
    ExceptionKind,
    Place,
    Policy,
    Schedule,
    SchoolException,
    Term,
    Window,
    format_hhmm,
    parse_hhmm,
)


@dataclass(frozen=True, slots=True)
class TeenView:
    """What a parent may see of a teen, and where the school is."""

    id: str
    nickname: str
    timezone: str
    country: str | None
    subdivision: str | None

    @property
    def place(self) -> Place:
        return Place(self.timezone, self.country, self.subdivision)


@dataclass(frozen=True, slots=True)
class ExceptionRecord:
    """A stored exception with where it came from (`source_uid` is set for ICS imports)."""

    exception: SchoolException
    source_uid: str | None
    seq: int

    @property
    def source(self) -> str:
        return "manual" if self.source_uid is None else "ics"


# --- teens -------------------------------------------------------------------------------


def _teen_view(row: Teen) -> TeenView:
    return TeenView(row.id, row.nickname, row.timezone, row.country, row.subdivision)


def load_teen_for_parent(session: Session, parent_id: str, teen_id: str) -> TeenView | None:
    """The teen if this parent is one of its guardians (one query), else None."""
    row = session.scalar(
        select(Teen)
        .join(Guardianship, Guardianship.teen_id == Teen.id)
        .where(Teen.id == teen_id, Guardianship.parent_id == parent_id)
    )
    return None if row is None else _teen_view(row)


def load_teens_for_parent(session: Session, parent_id: str) -> list[TeenView]:
    rows = session.scalars(
        select(Teen)
        .join(Guardianship, Guardianship.teen_id == Teen.id)
        .where(Guardianship.parent_id == parent_id)
        .order_by(Teen.created_at, Teen.id)
    )
    return [_teen_view(row) for row in rows]


def load_place(session: Session, teen_id: str) -> Place | None:
    """Where the teen's school is (zone, holiday country/subdivision), or None if no teen."""
    row = session.execute(
        select(Teen.timezone, Teen.country, Teen.subdivision).where(Teen.id == teen_id)
    ).first()
    return None if row is None else Place(row[0], row[1], row[2])


def add_teen(session: Session, teen_id: str, place: Place, nickname: str, now: datetime) -> None:
    session.add(
        Teen(
            id=teen_id,
            nickname=nickname,
            timezone=place.timezone,
            country=place.country,
            subdivision=place.subdivision,
            created_at=now,
        )
    )


def update_teen(session: Session, record: TeenView) -> None:
    row = session.get(Teen, record.id)
    if row is not None:
        row.nickname = record.nickname
        row.timezone = record.timezone
        row.country = record.country
        row.subdivision = record.subdivision


# --- schedules ---------------------------------------------------------------------------


def _weekly_to_json(schedule: Schedule) -> dict[str, Any]:
    return {
        name: [[format_hhmm(w.start), format_hhmm(w.end)] for w in schedule.weekly[index]]
        for index, name in enumerate(WEEKDAYS)
    }


def _windows_from_json(pairs: Sequence[Sequence[str]]) -> tuple[Window, ...]:
    return tuple(sorted(Window(parse_hhmm(start), parse_hhmm(end)) for start, end in pairs))


# The content columns of a schedule row, in the order `schedule_from_values` takes them.
SCHEDULE_CONTENT = (
    ScheduleRow.weekly,
    ScheduleRow.term_first_day,
    ScheduleRow.term_last_day,
    ScheduleRow.observe_public_holidays,
    ScheduleRow.grace_minutes,
    ScheduleRow.min_interval_minutes,
    ScheduleRow.max_per_day,
    ScheduleRow.snooze_minutes,
    ScheduleRow.away_threshold_minutes,
)


def schedule_from_row(row: ScheduleRow) -> Schedule:
    """A schedule row as a domain `Schedule`."""
    return schedule_from_values(row.version, tuple(getattr(row, c.key) for c in SCHEDULE_CONTENT))


def schedule_from_values(version: int, content: tuple[Any, ...]) -> Schedule:
    """A domain `Schedule` from its version and the `SCHEDULE_CONTENT` values (e.g. of a join)."""
    weekly, first_day, last_day, observe, grace, interval, per_day, snooze, away = content
    term = None
    if first_day is not None and last_day is not None:
        term = Term(first_day, last_day)
    return Schedule(
        weekly=tuple(_windows_from_json(weekly.get(name, ())) for name in WEEKDAYS),
        term=term,
        observe_public_holidays=bool(observe),
        policy=Policy(
            grace_minutes=grace,
            min_interval_minutes=interval,
            max_per_day=per_day,
            snooze_minutes=snooze,
            away_threshold_minutes=away,
        ),
        version=version,
    )


def load_schedule(session: Session, teen_id: str) -> Schedule | None:
    """The teen's schedule (with its `version`), or None if the parents never set one."""
    row = session.get(ScheduleRow, teen_id)
    return None if row is None else schedule_from_row(row)


def save_schedule(session: Session, teen_id: str, schedule: Schedule, now: datetime) -> Schedule:
    """Store a schedule; the version starts at 1 and goes up only when something changed.

    Returns the stored schedule with its version. The row is locked while it is compared, so
    two concurrent changes cannot both claim the same next version.
    """
    row = session.scalar(
        select(ScheduleRow).where(ScheduleRow.teen_id == teen_id).with_for_update()
    )
    if row is None:
        row = ScheduleRow(teen_id=teen_id, version=0)
        session.add(row)
    else:
        current = schedule_from_row(row)
        if replace(schedule, version=current.version) == current:
            return current
    row.version += 1
    row.weekly = _weekly_to_json(schedule)
    row.term_first_day = schedule.term.first_day if schedule.term else None
    row.term_last_day = schedule.term.last_day if schedule.term else None
    row.observe_public_holidays = schedule.observe_public_holidays
    policy = schedule.policy
    row.grace_minutes = policy.grace_minutes
    row.min_interval_minutes = policy.min_interval_minutes
    row.max_per_day = policy.max_per_day
    row.snooze_minutes = policy.snooze_minutes
    row.away_threshold_minutes = policy.away_threshold_minutes
    row.updated_at = now
    session.flush()
    return replace(schedule, version=row.version)


# --- exceptions --------------------------------------------------------------------------


def _exception_record(row: ExceptionRow) -> ExceptionRecord:
    exception = SchoolException(
        id=row.id,
        first_day=row.first_day,
        last_day=row.last_day,
        kind=ExceptionKind(row.kind),
        windows=_windows_from_json(row.windows),
        note=row.note,
        created_at=row.created_at,
    )
    return ExceptionRecord(exception, row.source_uid, row.seq)


def _exception_rows(session: Session, teen_id: str) -> list[ExceptionRow]:
    return list(
        session.scalars(
            select(ExceptionRow)
            .where(ExceptionRow.teen_id == teen_id)
            .order_by(ExceptionRow.seq, ExceptionRow.created_at, ExceptionRow.id)
        )
    )


def load_exceptions(session: Session, teen_id: str) -> list[SchoolException]:
    """The teen's exceptions in creation order (oldest first), as the calendar core wants."""
    return [_exception_record(row).exception for row in _exception_rows(session, teen_id)]


def load_exception_records(session: Session, teen_id: str) -> list[ExceptionRecord]:
    """Like `load_exceptions`, with each one's source, for listing and export."""
    return [_exception_record(row) for row in _exception_rows(session, teen_id)]


def load_exception_records_by_uid(session: Session, teen_id: str) -> dict[str, ExceptionRecord]:
    rows = session.scalars(
        select(ExceptionRow).where(
            ExceptionRow.teen_id == teen_id, ExceptionRow.source_uid.is_not(None)
        )
    )
    return {row.source_uid: _exception_record(row) for row in rows if row.source_uid is not None}


def next_exception_seq(session: Session, teen_id: str) -> int:
    """The next creation-order number for a teen's exceptions.

    The teen's row is locked first (PostgreSQL; SQLite serialises writers anyway), so two
    concurrent creations cannot draw the same number and "newest wins" never ties.
    """
    session.execute(select(Teen.id).where(Teen.id == teen_id).with_for_update())
    current = session.scalar(
        select(func.max(ExceptionRow.seq)).where(ExceptionRow.teen_id == teen_id)
    )
    return (current or 0) + 1


def _windows_to_json(windows: Sequence[Window]) -> list[list[str]]:
    return [[format_hhmm(w.start), format_hhmm(w.end)] for w in windows]


def add_exception(
    session: Session,
    teen_id: str,
    exception: SchoolException,
    now: datetime,
    *,
    seq: int,
    source_uid: str | None = None,
    flush: bool = True,
) -> ExceptionRecord:
    """Store a new exception; `seq` (from `next_exception_seq`) fixes its creation order."""
    row = ExceptionRow(
        id=exception.id,
        teen_id=teen_id,
        first_day=exception.first_day,
        last_day=exception.last_day,
        kind=exception.kind.value,
        windows=_windows_to_json(exception.windows),
        note=exception.note,
        source_uid=source_uid,
        created_at=now,
        seq=seq,
    )
    session.add(row)
    if flush:
        session.flush()
    return _exception_record(row)


def update_imported_exception(
    session: Session,
    teen_id: str,
    exception_id: str,
    first_day: date,
    last_day: date,
    note: str | None,
) -> None:
    """Move an imported exception to new dates and note.

    Its creation order stays: an update is not a new creation.
    """
    row = session.get(ExceptionRow, exception_id)
    if row is not None and row.teen_id == teen_id:
        row.first_day, row.last_day, row.note = first_day, last_day, note


def delete_exception(session: Session, teen_id: str, exception_id: str) -> bool:
    """Delete one of the teen's exceptions; False if the teen has no such exception."""
    result = session.execute(
        delete(ExceptionRow).where(ExceptionRow.teen_id == teen_id, ExceptionRow.id == exception_id)
    )
    return bool(getattr(result, "rowcount", 0))
