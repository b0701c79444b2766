"""Teens and their guardians: every guardian of a teen has the same rights over it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alertsvc.db.repositories import parents as parent_rows
from alertsvc.db.repositories import privacy as privacy_rows
from alertsvc.db.repositories import teens as teen_rows
from alertsvc.db.repositories.teens import TeenView as TeenView  # re-exported for the faces
from alertsvc.domain.errors import ConflictError, FieldError, InvalidFieldsError, NotFoundError
from alertsvc.domain.message import msg
from alertsvc.services.accounts import normalize_email
from alertsvc.services.ids import new_id
from alertsvc.services.inputs.teens import check_place


class TeenNotFoundError(NotFoundError):
    """No such teen, or not the caller's: both answer the same (no existence leak)."""

    def __init__(self) -> None:
        super().__init__("teen")


class ParentNotFoundError(NotFoundError):
    """No parent account uses the email."""

    def __init__(self) -> None:
        super().__init__("parent")


class AlreadyGuardianError(ConflictError):
    def __init__(self) -> None:
        super().__init__(msg("This parent is already a guardian of the teen."))


@dataclass(frozen=True, slots=True)
class Guardian:
    teen_id: str
    parent_id: str
    email: str


def teen_for_parent(session: Session, parent_id: str, teen_id: str) -> TeenView:
    """The teen if the parent is one of its guardians (one query), else `TeenNotFoundError`.

    Another family's teen and a teen that does not exist look the same: no existence leak.
    """
    record = teen_rows.load_teen_for_parent(session, parent_id, teen_id)
    if record is None:
        raise TeenNotFoundError
    return record


def teens_of_parent(session: Session, parent_id: str) -> list[TeenView]:
    return teen_rows.load_teens_for_parent(session, parent_id)


def create_teen(
    session: Session,
    parent_id: str,
    *,
    nickname: str,
    timezone: str,
    country: str | None,
    subdivision: str | None,
    now: datetime,
) -> TeenView:
    """Create a teen with the creating parent as its first guardian."""
    place = check_place(timezone, country, subdivision)
    teen = TeenView(new_id("teen"), nickname, place.timezone, place.country, place.subdivision)
    teen_rows.add_teen(session, teen, parent_id, now)
    return teen


def update_teen(session: Session, teen: TeenView, changes: Mapping[str, str | None]) -> TeenView:
    """Apply a partial update (`nickname`, `timezone`, `country`, `subdivision`), validated as
    a whole; nothing is written if any field is wrong.

    A subdivision belongs to its country: changing the country without naming a subdivision
    clears it.
    """
    errors = [
        FieldError(name, msg("must not be null"))
        for name in ("nickname", "timezone")
        if name in changes and changes[name] is None
    ]
    if errors:
        raise InvalidFieldsError(errors)
    country = changes.get("country", teen.country)
    subdivision = changes.get("subdivision", teen.subdivision)
    if "subdivision" not in changes and (country.upper() if country else None) != teen.country:
        subdivision = None
    place = check_place(changes.get("timezone") or teen.timezone, country, subdivision)
    updated = replace(
        teen,
        nickname=changes.get("nickname") or teen.nickname,
        timezone=place.timezone,
        country=place.country,
        subdivision=place.subdivision,
    )
    teen_rows.update_teen(session, updated)
    return updated


def delete_teen(session: Session, teen: TeenView) -> None:
    """Delete the teen and everything stored about it, for every guardian."""
    privacy_rows.delete_teen(session, teen.id)


def add_guardian(session: Session, teen: TeenView, email: str, now: datetime) -> Guardian:
    """Make an existing parent a co-guardian with equal rights.

    Raises `ParentNotFoundError` for an unknown email, `AlreadyGuardianError` if they are.
    """
    account = parent_rows.load_account(session, normalize_email(email))
    if account is None:
        raise ParentNotFoundError
    parent = account.identity
    if teen_rows.is_guardian(session, teen.id, parent.parent_id):
        raise AlreadyGuardianError
    try:
        teen_rows.add_guardian(session, teen.id, parent.parent_id, now)
    except IntegrityError as exc:  # a concurrent request added the same guardian
        raise AlreadyGuardianError from exc
    return Guardian(teen.id, parent.parent_id, parent.email)
