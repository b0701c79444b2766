"""Pairing a teen's app: single-use codes, device tokens, listing and revoking devices."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from alertsvc.db.repositories import devices as device_rows
from alertsvc.db.repositories.devices import DeviceIdentity as DeviceIdentity
from alertsvc.db.repositories.devices import DeviceView as DeviceView
from alertsvc.domain.errors import FieldError, InvalidFieldsError
from alertsvc.services.ids import digest, new_id, new_token

# No 0/O, 1/I/L: a parent reads the code aloud or types it from another screen.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
CODE_TTL = timedelta(minutes=15)


class InvalidCodeError(InvalidFieldsError):
    """The code is unknown, already used or expired (the caller can't tell which)."""

    def __init__(self) -> None:
        message = "is unknown, already used or expired; ask a parent for a new one"
        super().__init__([FieldError("pairing_code", message)])


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


def pair_device(session: Session, code: str, platform: str, now: datetime) -> PairedDevice:
    """Spend a code (once, even when two apps race with it) and create a device."""
    teen_id = device_rows.spend_code(session, digest(normalize_code(code)), now)
    if teen_id is None:
        raise InvalidCodeError
    token = new_token()
    device = DeviceIdentity(new_id("dev"), teen_id)
    device_rows.add_device(session, device, digest(token), platform, now)
    return PairedDevice(device.device_id, device.teen_id, token)


def list_devices(session: Session, teen_id: str) -> list[DeviceView]:
    return device_rows.load_devices(session, teen_id)


def revoke_device(session: Session, teen_id: str, device_id: str) -> bool:
    """Delete the device, so its token stops working with the next request; False if the
    teen had no such device (already unpaired)."""
    return device_rows.delete_device(session, teen_id, device_id)


def device_for_token(session: Session, token: str) -> DeviceIdentity | None:
    return device_rows.device_for_token_hash(session, digest(token))
