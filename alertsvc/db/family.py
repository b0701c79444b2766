"""Rows <-> values for what a family shares across its two sides: the names guardians show
their teens, when the schedule last changed, and which of the teen's reports the parents
have seen. No `Mapped` row leaves this module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from alertsvc.db.models import Ack, Device, ExceptionRow, Guardianship, Parent, ScheduleRow, Teen
from alertsvc.db.repositories import TeenView

REPORT_WRONG = "report_wrong"


@dataclass(frozen=True, slots=True)
class ParentProfile:
    """A parent as they appear to themselves: the stored display name may be unset."""

    id: str
    email: str
    display_name: str | None


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    platform: str
    paired_at: datetime
    last_seen_at: datetime | None


@dataclass(frozen=True, slots=True)
class DayOff:
    """An exception as the teen may see it: dates, kind and hours, never the parents' note."""

    first_day: date
    last_day: date
    kind: str
    windows: tuple[tuple[str, str], ...]


def load_profile(session: Session, parent_id: str) -> ParentProfile | None:
    row = session.execute(
        select(Parent.id, Parent.email, Parent.display_name).where(Parent.id == parent_id)
    ).first()
    return None if row is None else ParentProfile(row[0], row[1], row[2])


def save_display_name(session: Session, parent_id: str, name: str) -> None:
    session.execute(update(Parent).where(Parent.id == parent_id).values(display_name=name))


def load_guardians(session: Session, teen_id: str) -> list[ParentProfile]:
    """The teen's guardians, in the order they became guardians."""
    rows = session.execute(
        select(Parent.id, Parent.email, Parent.display_name)
        .join(Guardianship, Guardianship.parent_id == Parent.id)
        .where(Guardianship.teen_id == teen_id)
        .order_by(Guardianship.created_at, Parent.id)
    )
    return [ParentProfile(row[0], row[1], row[2]) for row in rows]


def load_teen(session: Session, teen_id: str) -> TeenView | None:
    row = session.get(Teen, teen_id)
    if row is None:
        return None
    return TeenView(row.id, row.nickname, row.timezone, row.country, row.subdivision)


def schedule_updated_at(session: Session, teen_id: str) -> datetime | None:
    return session.scalar(select(ScheduleRow.updated_at).where(ScheduleRow.teen_id == teen_id))


def load_devices(session: Session, teen_id: str) -> list[DeviceRecord]:
    rows = session.execute(
        select(Device.platform, Device.paired_at, Device.last_seen_at)
        .where(Device.teen_id == teen_id)
        .order_by(Device.paired_at, Device.id)
    )
    return [DeviceRecord(row[0], row[1], row[2]) for row in rows]


def load_days_off(session: Session, teen_id: str) -> list[DayOff]:
    rows = session.execute(
        select(
            ExceptionRow.first_day, ExceptionRow.last_day, ExceptionRow.kind, ExceptionRow.windows
        )
        .where(ExceptionRow.teen_id == teen_id)
        .order_by(ExceptionRow.seq, ExceptionRow.id)
    )
    return [
        DayOff(row[0], row[1], row[2], tuple((str(a), str(b)) for a, b in row[3] or ()))
        for row in rows
    ]


# --- reports the parents have not seen yet -------------------------------------------------


def unseen_reports_by_teen(session: Session, parent_id: str) -> dict[str, int]:
    """{teen id: reports no guardian has seen yet}, for the teens of this parent."""
    rows = session.execute(
        select(Ack.teen_id, func.count())
        .join(Guardianship, Guardianship.teen_id == Ack.teen_id)
        .where(
            Guardianship.parent_id == parent_id,
            Ack.action == REPORT_WRONG,
            Ack.seen_at.is_(None),
        )
        .group_by(Ack.teen_id)
    )
    return {row[0]: int(row[1]) for row in rows}


def unseen_report_nudges(session: Session, teen_id: str) -> set[str]:
    """The ids of the teen's reminders whose `report_wrong` no guardian has seen yet."""
    return set(
        session.scalars(
            select(Ack.nudge_id).where(
                Ack.teen_id == teen_id, Ack.action == REPORT_WRONG, Ack.seen_at.is_(None)
            )
        )
    )


def mark_reports_seen(session: Session, teen_id: str, now: datetime) -> int:
    """Stamp every unseen report of the teen as seen now; returns how many there were."""
    result = session.execute(
        update(Ack)
        .where(Ack.teen_id == teen_id, Ack.action == REPORT_WRONG, Ack.seen_at.is_(None))
        .values(seen_at=now)
    )
    return int(getattr(result, "rowcount", 0))
