"""Parents' display names: what a teen sees of the guardians who set the reminders.

A teen sees names, never emails. A parent who never chose a name shows as the part of the
email before `@`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from alertsvc.db.repositories import profiles as profile_rows
from alertsvc.db.repositories.profiles import ParentProfile
from alertsvc.domain.errors import FieldError, InvalidFieldsError, NotFoundError
from alertsvc.domain.message import msg

NAME_MAX_LENGTH = 60


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    email: str
    name: str


class ProfileNotFoundError(NotFoundError):
    """The parent's account is gone (deleted while a session or token was in use)."""

    def __init__(self) -> None:
        super().__init__("parent")


def default_name(email: str) -> str:
    """`ann.lee@example.com` -> `ann.lee`."""
    return email.partition("@")[0] or email


def _profile(record: ParentProfile) -> Profile:
    return Profile(record.id, record.email, record.display_name or default_name(record.email))


def get_profile(session: Session, parent_id: str) -> Profile:
    record = profile_rows.load_profile(session, parent_id)
    if record is None:
        raise ProfileNotFoundError
    return _profile(record)


def check_name(name: str) -> str:
    """The name without surrounding spaces, or `InvalidFieldsError` naming `name`."""
    cleaned = name.strip()
    if not cleaned:
        raise InvalidFieldsError([FieldError("name", msg("must not be empty"))])
    if len(cleaned) > NAME_MAX_LENGTH:
        raise InvalidFieldsError(
            [FieldError("name", msg("must be at most %(max)d characters", max=NAME_MAX_LENGTH))]
        )
    return cleaned


def rename(session: Session, parent_id: str, name: str) -> Profile:
    """Set the name the parent's teens see."""
    profile_rows.save_display_name(session, parent_id, check_name(name))
    return get_profile(session, parent_id)


def guardian_names(session: Session, teen_id: str) -> list[str]:
    """The names of the teen's guardians, in the order they became guardians."""
    return [_profile(record).name for record in profile_rows.load_guardians(session, teen_id)]
