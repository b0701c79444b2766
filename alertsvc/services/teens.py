"""Teens and their guardians: every guardian of a teen has the same rights over it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

import holidays
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alertsvc.db import repositories
from alertsvc.db.models import Guardianship, Parent
from alertsvc.db.repositories import TeenView as TeenView  # re-exported for the routes
from alertsvc.domain.calendar import is_known_zone
from alertsvc.domain.errors import FieldError, InvalidFieldsError
from alertsvc.domain.schedule import Place
from alertsvc.services import privacy
from alertsvc.services.accounts import normalize_email
from alertsvc.services.ids import new_id


class NotFoundError(LookupError):
    """The object does not exist or is not the caller's; routes answer 404 either way."""

    def __init__(self, what: str) -> None:
        super().__init__(f"no such {what}")
        self.what = what


class TeenNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("teen")


class AlreadyGuardianError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Guardian:
    teen_id: str
    parent_id: str
    email: str


def teen_for_parent(session: Session, parent_id: str, teen_id: str) -> TeenView:
    """The teen if the parent is one of its guardians (one query), else `TeenNotFoundError`.

    Another family's teen and a teen that does not exist look the same: no existence leak.
    """
    record = repositories.load_teen_for_parent(session, parent_id, teen_id)
    if record is None:
        raise TeenNotFoundError
    return record


def teens_of_parent(session: Session, parent_id: str) -> list[TeenView]:
    return repositories.load_teens_for_parent(session, parent_id)


@lru_cache(maxsize=1)
def _supported_countries() -> dict[str, dict[str, str]]:
    """ISO alpha-2 code -> {upper-cased subdivision: canonical subdivision} from `holidays`."""
    return {
        country: {code.upper(): code for code in subdivisions}
        for country, subdivisions in holidays.list_supported_countries(
            include_aliases=False
        ).items()
        if len(country) == 2
    }


def check_place(timezone: str, country: str | None, subdivision: str | None) -> Place:
    """A valid `Place` (country and subdivision in canonical case) or `InvalidFieldsError`."""
    errors: list[FieldError] = []
    if not is_known_zone(timezone):
        errors.append(FieldError("timezone", "is not a known IANA time zone"))
    supported = _supported_countries()
    canonical_country = country.upper() if country is not None else None
    canonical_subdivision = subdivision
    if canonical_country is not None and canonical_country not in supported:
        errors.append(
            FieldError("country", "is not an ISO 3166-1 alpha-2 code with known public holidays")
        )
    elif subdivision is not None:
        if canonical_country is None:
            errors.append(FieldError("subdivision", "needs a country"))
        else:
            canonical_subdivision = supported[canonical_country].get(subdivision.upper())
            if canonical_subdivision is None:
                errors.append(
                    FieldError("subdivision", f"is not a known subdivision of {canonical_country}")
                )
    if errors:
        raise InvalidFieldsError(errors)
    return Place(timezone, canonical_country, canonical_subdivision)


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
    teen_id = new_id("teen")
    repositories.add_teen(session, teen_id, place, nickname, now)
    session.flush()
    session.add(Guardianship(teen_id=teen_id, parent_id=parent_id, created_at=now))
    session.flush()
    return TeenView(teen_id, nickname, place.timezone, place.country, place.subdivision)


def update_teen(session: Session, teen: TeenView, changes: Mapping[str, str | None]) -> TeenView:
    """Apply a partial update (`nickname`, `timezone`, `country`, `subdivision`), validated as
    a whole; nothing is written if any field is wrong.

    A subdivision belongs to its country: changing the country without naming a subdivision
    clears it.
    """
    errors = [
        FieldError(name, "must not be null")
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
    repositories.update_teen(session, updated)
    return updated


def delete_teen(session: Session, teen: TeenView) -> None:
    """Delete the teen and everything stored about it, for every guardian."""
    privacy.delete_teen(session, teen.id)


def add_guardian(session: Session, teen: TeenView, email: str, now: datetime) -> Guardian:
    """Make an existing parent a co-guardian with equal rights.

    Raises `NotFoundError("parent")` for an unknown email, `AlreadyGuardianError` if they are.
    """
    row = session.execute(
        select(Parent.id, Parent.email).where(Parent.email == normalize_email(email))
    ).first()
    if row is None:
        raise NotFoundError("parent")
    parent_id, parent_email = row[0], row[1]
    exists = session.scalar(
        select(Guardianship.parent_id).where(
            Guardianship.teen_id == teen.id, Guardianship.parent_id == parent_id
        )
    )
    if exists is not None:
        raise AlreadyGuardianError(parent_email)
    session.add(Guardianship(teen_id=teen.id, parent_id=parent_id, created_at=now))
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent request added the same guardian
        raise AlreadyGuardianError(parent_email) from exc
    return Guardian(teen.id, parent_id, parent_email)
