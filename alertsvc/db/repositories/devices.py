"""Pairing codes and paired devices (secrets stored only as digests)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from alertsvc.db.models import Device, PairingCode


@dataclass(frozen=True, slots=True)
class DeviceView:
    id: str
    platform: str
    paired_at: datetime
    last_seen_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    device_id: str
    teen_id: str
    locale: str | None = None  # the language the teen picked on this device (BCP 47)


@dataclass(frozen=True, slots=True)
class CodeRecord:
    used_at: datetime | None
    expires_at: datetime


def add_code(
    session: Session, code_hash: str, teen_id: str, now: datetime, expires_at: datetime
) -> None:
    session.add(
        PairingCode(code_hash=code_hash, teen_id=teen_id, created_at=now, expires_at=expires_at)
    )


def spend_code(session: Session, code_hash: str, now: datetime) -> str | None:
    """Mark an unused, unexpired code used; its teen's id, or None if there was none.

    One conditional UPDATE, so a code is spent once even when two apps race with it."""
    spent = session.execute(
        update(PairingCode)
        .where(
            PairingCode.code_hash == code_hash,
            PairingCode.used_at.is_(None),
            PairingCode.expires_at > now,
        )
        .values(used_at=now)
        .returning(PairingCode.teen_id)
    ).first()
    return None if spent is None else str(spent[0])


def find_code(session: Session, code_hash: str, teen_id: str) -> CodeRecord | None:
    """The code issued for this teen with this digest, used or not, until it is purged."""
    row = session.execute(
        select(PairingCode.used_at, PairingCode.expires_at).where(
            PairingCode.code_hash == code_hash, PairingCode.teen_id == teen_id
        )
    ).first()
    return None if row is None else CodeRecord(row.used_at, row.expires_at)


def add_device(
    session: Session, device: DeviceIdentity, token_hash: str, platform: str, now: datetime
) -> None:
    session.add(
        Device(
            id=device.device_id,
            teen_id=device.teen_id,
            token_hash=token_hash,
            platform=platform,
            paired_at=now,
            last_seen_at=None,
            locale=device.locale,
        )
    )
    session.flush()


def load_devices(session: Session, teen_id: str) -> list[DeviceView]:
    rows = session.scalars(
        select(Device).where(Device.teen_id == teen_id).order_by(Device.paired_at, Device.id)
    ).all()
    return [DeviceView(d.id, d.platform, d.paired_at, d.last_seen_at) for d in rows]


def load_devices_for_teens(
    session: Session, teen_ids: Collection[str]
) -> dict[str, list[DeviceView]]:
    """Each teen's devices in `load_devices`' order, in one query; a teen without any is
    left out."""
    found: dict[str, list[DeviceView]] = {}
    if not teen_ids:
        return found
    rows = session.scalars(
        select(Device)
        .where(Device.teen_id.in_(teen_ids))
        .order_by(Device.teen_id, Device.paired_at, Device.id)
    )
    for d in rows:
        found.setdefault(d.teen_id, []).append(
            DeviceView(d.id, d.platform, d.paired_at, d.last_seen_at)
        )
    return found


def delete_device(session: Session, teen_id: str, device_id: str) -> bool:
    """False if the teen has no such device."""
    result = session.execute(
        delete(Device).where(Device.id == device_id, Device.teen_id == teen_id)
    )
    return bool(getattr(result, "rowcount", 0))


def device_for_token_hash(session: Session, token_hash: str) -> DeviceIdentity | None:
    row = session.execute(
        select(Device.id, Device.teen_id, Device.locale).where(Device.token_hash == token_hash)
    ).first()
    return DeviceIdentity(row[0], row[1], row[2]) if row else None


def set_locale(session: Session, device_id: str, locale: str | None) -> None:
    """Store the device's language (normalised BCP 47), or clear it with None."""
    session.execute(update(Device).where(Device.id == device_id).values(locale=locale))
