"""Pairing a teen's app: single-use codes, device tokens, listing and revoking devices."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from alertsvc.db.repositories import devices as device_rows
from alertsvc.db.repositories.devices import DeviceIdentity as DeviceIdentity
from alertsvc.db.repositories.devices import DeviceView as DeviceView
from alertsvc.domain.errors import FieldError, InvalidFieldsError
from alertsvc.domain.message import msg
from alertsvc.i18n import NATIVE_NAMES, supported_tag
from alertsvc.services.ids import digest, new_id, new_token

# No 0/O, 1/I/L: a parent reads the code aloud or types it from another screen.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
CODE_TTL = timedelta(minutes=15)


# The sentences of the errors below, said in the reader's language at the edge.
INVALID_CODE = msg("is unknown, already used or expired; ask a parent for a new one")
UNSUPPORTED_LOCALE = msg(
    "is not a language we speak; use a language tag such as %(tags)s",
    tags=", ".join(NATIVE_NAMES),
)


class InvalidCodeError(InvalidFieldsError):
    """The code is unknown, already used or expired (the caller can't tell which)."""

    def __init__(self) -> None:
        super().__init__([FieldError("pairing_code", INVALID_CODE)])


class UnsupportedLocaleError(InvalidFieldsError):
    """A device's `locale` that none of our catalogs speaks (or not a BCP 47 tag at all)."""

    def __init__(self) -> None:
        super().__init__([FieldError("locale", UNSUPPORTED_LOCALE)])


@dataclass(frozen=True, slots=True)
class IssuedCode:
    code: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PairedDevice:
    device_id: str
    teen_id: str
    device_token: str


def normalize_code(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


def issue_code(session: Session, teen_id: str, now: datetime) -> IssuedCode:
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires_at = now + CODE_TTL
    device_rows.add_code(session, digest(code), teen_id, now, expires_at)
    return IssuedCode(code, expires_at)


def normalize_locale(tag: str | None) -> str | None:
    """A device's language as stored (`es-mx` → `es-MX`); None stays None (no choice).

    Raises UnsupportedLocaleError for a tag none of our catalogs speaks."""
    if tag is None:
        return None
    found = supported_tag(tag)
    if found is None:
        raise UnsupportedLocaleError
    return found


def pair_device(
    session: Session, code: str, platform: str, now: datetime, locale: str | None = None
) -> PairedDevice:
    """Spend a code (once, even when two apps race with it) and create a device, with the
    language its teen reads (`locale`, checked before the code is spent)."""
    stored_locale = normalize_locale(locale)
    teen_id = device_rows.spend_code(session, digest(normalize_code(code)), now)
    if teen_id is None:
        raise InvalidCodeError
    token = new_token()
    device = DeviceIdentity(new_id("dev"), teen_id, stored_locale)
    device_rows.add_device(session, device, digest(token), platform, now)
    return PairedDevice(device.device_id, device.teen_id, token)


def list_devices(session: Session, teen_id: str) -> list[DeviceView]:
    return device_rows.load_devices(session, teen_id)


def revoke_device(session: Session, teen_id: str, device_id: str) -> bool:
    """Delete the device, so its token stops working with the next request; False if the
    teen had no such device (already unpaired)."""
    return device_rows.delete_device(session, teen_id, device_id)


class CodeStatus(StrEnum):
    ACTIVE = "active"
    USED = "used"
    EXPIRED = "expired"


def code_status(session: Session, teen_id: str, code: str, now: datetime) -> CodeStatus | None:
    """What became of a code issued for this teen; None once it is purged (or never was)."""
    found = device_rows.find_code(session, digest(normalize_code(code)), teen_id)
    if found is None:
        return None
    if found.used_at is not None:
        return CodeStatus.USED
    return CodeStatus.ACTIVE if found.expires_at > now else CodeStatus.EXPIRED


def device_for_token(session: Session, token: str) -> DeviceIdentity | None:
    return device_rows.device_for_token_hash(session, digest(token))


def set_locale(session: Session, device: DeviceIdentity, locale: str | None) -> str | None:
    """Store the language the teen picked on this device (None clears it); the stored tag.

    Raises UnsupportedLocaleError for a tag none of our catalogs speaks."""
    stored = normalize_locale(locale)
    device_rows.set_locale(session, device.device_id, stored)
    return stored
