"""Parents' display names: the name a parent's teens see (never the email)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from alertsvc.db.models import Guardianship, Parent


@dataclass(frozen=True, slots=True)
class ParentProfile:
    """A parent as they appear to themselves: the stored display name may be unset."""

    id: str
    email: str
    display_name: str | None
    language: str | None = None  # the pages' language the parent picked; None: the browser's


def load_profile(session: Session, parent_id: str) -> ParentProfile | None:
    row = session.execute(
        select(Parent.id, Parent.email, Parent.display_name, Parent.language).where(
            Parent.id == parent_id
        )
    ).first()
    return None if row is None else ParentProfile(row[0], row[1], row[2], row[3])


def save_display_name(session: Session, parent_id: str, name: str) -> None:
    session.execute(update(Parent).where(Parent.id == parent_id).values(display_name=name))


def save_language(session: Session, parent_id: str, tag: str | None) -> None:
    session.execute(update(Parent).where(Parent.id == parent_id).values(language=tag))


def load_guardians(session: Session, teen_id: str) -> list[ParentProfile]:
    """The teen's guardians, in the order they became guardians."""
    rows = session.execute(
        select(Parent.id, Parent.email, Parent.display_name)
        .join(Guardianship, Guardianship.parent_id == Parent.id)
        .where(Guardianship.teen_id == teen_id)
        .order_by(Guardianship.created_at, Parent.id)
    )
    return [ParentProfile(row[0], row[1], row[2]) for row in rows]
