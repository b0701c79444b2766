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
from alertsvc.i18n import NATIVE_NAMES, supported_tag

NAME_MAX_LENGTH = 60


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    email: str
    name: str
    language: str | None = None  # the pages' language the parent picked (None: the browser's)


class ProfileNotFoundError(NotFoundError):
    """The parent's account is gone (deleted while a session or token was in use)."""

    def __init__(self) -> None:
        super().__init__("parent")


def default_name(email: str) -> str:
    """`ann.lee@example.com` -> `ann.lee`."""
    return email.partition("@")[0] or email


def _profile(record: ParentProfile) -> Profile:
    return Profile(
        record.id,
        record.email,
        record.display_name or default_name(record.email),
        record.language,
    )


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


def check_language(tag: str) -> str:
    """The tag as we answer it (`es-mx` -> `es-MX`), or `InvalidFieldsError` naming
    `language` when no catalog of ours speaks it."""
    found = supported_tag(tag)
    if found is None:
        shown = ", ".join(NATIVE_NAMES)
        wrong = msg(
            "must be a language we speak (%(languages)s), not “%(tag)s”", languages=shown, tag=tag
        )
        raise InvalidFieldsError([FieldError("language", wrong)])
    return found


def choose_language(session: Session, parent_id: str, tag: str | None) -> Profile:
    """Store the pages' language the parent picked (SPEC §10); None goes back to the
    browser's Accept-Language."""
    profile_rows.save_language(session, parent_id, None if tag is None else check_language(tag))
    return get_profile(session, parent_id)


def change(session: Session, parent_id: str, name: str | None, language: str | None) -> Profile:
    """`PATCH /v1/parents/me`: the name, the language or both; each is checked before
    anything changes, and a change of nothing names `name` (the field most callers send)."""
    if name is None and language is None:
        raise InvalidFieldsError([FieldError("name", msg("is required (or “language”)"))])
    checked = None if language is None else check_language(language)
    if name is not None:
        profile_rows.save_display_name(session, parent_id, check_name(name))
    if checked is not None:
        profile_rows.save_language(session, parent_id, checked)
    return get_profile(session, parent_id)


def guardian_names(session: Session, teen_id: str) -> list[str]:
    """The names of the teen's guardians, in the order they became guardians."""
    return [_profile(record).name for record in profile_rows.load_guardians(session, teen_id)]
