"""Teens and their guardians: rows <-> `TeenView` values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alertsvc.db.models import Guardianship, Teen
from alertsvc.domain.schedule import Place


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


def _teen_view(row: Teen) -> TeenView:
    return TeenView(row.id, row.nickname, row.timezone, row.country, row.subdivision)


def load_teen(session: Session, teen_id: str) -> TeenView | None:
    """The teen, whoever asks (the caller has checked the credentials)."""
    row = session.get(Teen, teen_id)
    return None if row is None else _teen_view(row)


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


def add_teen(session: Session, teen: TeenView, guardian_id: str, now: datetime) -> None:
    """Store a new teen with its first guardian."""
    session.add(
        Teen(
            id=teen.id,
            nickname=teen.nickname,
            timezone=teen.timezone,
            country=teen.country,
            subdivision=teen.subdivision,
            created_at=now,
        )
    )
    session.flush()
    add_guardian(session, teen.id, guardian_id, now)


def update_teen(session: Session, record: TeenView) -> None:
    row = session.get(Teen, record.id)
    if row is not None:
        row.nickname = record.nickname
        row.timezone = record.timezone
        row.country = record.country
        row.subdivision = record.subdivision


def is_guardian(session: Session, teen_id: str, parent_id: str) -> bool:
    found = session.scalar(
        select(Guardianship.parent_id).where(
            Guardianship.teen_id == teen_id, Guardianship.parent_id == parent_id
        )
    )
    return found is not None


def add_guardian(session: Session, teen_id: str, parent_id: str, now: datetime) -> None:
    """Make the parent a guardian; flushed, so a concurrent duplicate raises IntegrityError."""
    session.add(Guardianship(teen_id=teen_id, parent_id=parent_id, created_at=now))
    session.flush()
