"""A teen's dated exceptions: rows <-> `SchoolException` values, in creation order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from alertsvc.db.models import ExceptionRow, Teen
from alertsvc.db.repositories.schedules import windows_from_json, windows_to_json
from alertsvc.domain.schedule import ExceptionKind, SchoolException, Window


@dataclass(frozen=True, slots=True)
class ExceptionRecord:
    """A stored exception with where it came from (`source_uid` is set for ICS imports)."""

    exception: SchoolException
    source_uid: str | None
    seq: int

    @property
    def source(self) -> str:
        return "manual" if self.source_uid is None else "ics"


@dataclass(frozen=True, slots=True)
class DayOff:
    """An exception as the teen may see it: dates, kind and hours, never the parents' note."""

    first_day: date
    last_day: date
    kind: ExceptionKind
    windows: tuple[Window, ...]


def _exception_record(row: ExceptionRow) -> ExceptionRecord:
    exception = SchoolException(
        id=row.id,
        first_day=row.first_day,
        last_day=row.last_day,
        kind=ExceptionKind(row.kind),
        windows=windows_from_json(row.windows),
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


def load_days_off(session: Session, teen_id: str) -> list[DayOff]:
    """The teen's exceptions in creation order, without reading the parents' notes."""
    rows = session.execute(
        select(
            ExceptionRow.first_day, ExceptionRow.last_day, ExceptionRow.kind, ExceptionRow.windows
        )
        .where(ExceptionRow.teen_id == teen_id)
        .order_by(ExceptionRow.seq, ExceptionRow.created_at, ExceptionRow.id)
    )
    return [
        DayOff(row[0], row[1], ExceptionKind(row[2]), windows_from_json(row[3] or ()))
        for row in rows
    ]


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
        windows=windows_to_json(exception.windows),
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
