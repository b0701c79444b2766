"""Pairing a teen's app: single-use codes, device tokens, listing and revoking devices."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from alertsvc.db.models import Device, PairingCode
from alertsvc.services.ids import digest, new_id, new_token

# No 0/O, 1/I/L: a parent reads the code aloud or types it from another screen.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
CODE_TTL = timedelta(minutes=15)
PLATFORMS = ("ios", "android", "web")


class InvalidCodeError(Exception):
    """The code is unknown, already used or expired (the caller can't tell which)."""


@dataclass(frozen=True, slots=True)
class IssuedCode:
    code: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PairedDevice:
    device_id: str
    teen_id: str
    device_token: str


@dataclass(frozen=True, slots=True)
class DeviceView:
    id: str
    platform: str
    paired_at: datetime
    last_seen_at: datetime | None


def normalize_code(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


def issue_code(session: Session, teen_id: str, now: datetime) -> IssuedCode:
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires_at = now + CODE_TTL
    session.add(
        PairingCode(code_hash=digest(code), teen_id=teen_id, created_at=now, expires_at=expires_at)
    )
    return IssuedCode(code, expires_at)


def pair_device(session: Session, code: str, platform: str, now: datetime) -> PairedDevice:
    """Spend a code and create a device; the conditional UPDATE makes the code single-use
    even when two apps race with the same code."""
    hashed = digest(normalize_code(code))
    spent = session.execute(
        update(PairingCode)
        .where(
            PairingCode.code_hash == hashed,
            PairingCode.used_at.is_(None),
            PairingCode.expires_at > now,
        )
        .values(used_at=now)
        .returning(PairingCode.teen_id)
    ).first()
    if spent is None:
        raise InvalidCodeError
    token = new_token()
    device = Device(
        id=new_id("dev"),
        teen_id=spent[0],
        token_hash=digest(token),
        platform=platform,
        paired_at=now,
        last_seen_at=None,
    )
    session.add(device)
    session.flush()
    return PairedDevice(device.id, device.teen_id, token)


def list_devices(session: Session, teen_id: str) -> list[DeviceView]:
    rows = session.scalars(
        select(Device).where(Device.teen_id == teen_id).order_by(Device.paired_at, Device.id)
    ).all()
    return [DeviceView(d.id, d.platform, d.paired_at, d.last_seen_at) for d in rows]


def revoke_device(session: Session, teen_id: str, device_id: str) -> bool:
    """Delete the device, so its token stops working with the next request."""
    result = session.execute(
        delete(Device).where(Device.id == device_id, Device.teen_id == teen_id)
    )
    return bool(getattr(result, "rowcount", 0))


def purge_expired_codes(session: Session, now: datetime) -> int:
    result = session.execute(delete(PairingCode).where(PairingCode.expires_at <= now))
    return int(getattr(result, "rowcount", 0))


class CodeStatus(StrEnum):
    ACTIVE = "active"
    USED = "used"
    EXPIRED = "expired"


def code_status(session: Session, teen_id: str, code: str, now: datetime) -> CodeStatus | None:
    """What became of a code issued for this teen; None once it is purged (or never was)."""
    row = session.execute(
        select(PairingCode.used_at, PairingCode.expires_at).where(
            PairingCode.code_hash == digest(normalize_code(code)), PairingCode.teen_id == teen_id
        )
    ).first()
    if row is None:
        return None
    if row.used_at is not None:
        return CodeStatus.USED
    return CodeStatus.ACTIVE if row.expires_at > now else CodeStatus.EXPIRED


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    device_id: str
    teen_id: str


def device_for_token(session: Session, token: str) -> DeviceIdentity | None:
    row = session.execute(
        select(Device.id, Device.teen_id).where(Device.token_hash == digest(token))
    ).first()
    return DeviceIdentity(row[0], row[1]) if row else None
