"""A demo family for `make run`: a parent, a teen whose school is in session right now
somewhere on Earth, a paired device, and the lines to try."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

import pytz
from sqlalchemy import select
from sqlalchemy.orm import Session

from alertsvc.db.models import Parent
from alertsvc.domain.calendar import to_local, zone_named
from alertsvc.domain.schedule import ExceptionKind
from alertsvc.services import accounts, pairing, privacy, schedules, teens

DEMO_EMAIL = "demo-parent@example.com"
DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - a published demo credential, development only
DEMO_NICKNAME = "Alex (demo)"
SCHOOL_DAYS = ("mon", "tue", "wed", "thu", "fri")
# Zones tried first, so the demo usually lands somewhere familiar.
FAMILIAR_ZONES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "Pacific/Honolulu", "Pacific/Auckland", "Australia/Sydney", "Asia/Tokyo",
    "Asia/Bangkok", "Asia/Kolkata", "Asia/Dubai", "Europe/Athens", "Europe/Berlin",
    "Europe/London", "America/Sao_Paulo",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Demo:
    parent_token: str
    teen_id: str
    timezone: str
    device_token: str

    def instructions(self, base_url: str) -> str:
        parent = f"-H 'Authorization: Bearer {self.parent_token}'"
        device = f"-H 'Authorization: Bearer {self.device_token}'"
        teen = f"{base_url}/v1/teens/{self.teen_id}"
        return "\n".join(
            [
                "Demo family ready (school is in session now in " + self.timezone + ").",
                f"  pages:         {base_url}/login  as {DEMO_EMAIL} / {DEMO_PASSWORD}",
                f"  parent token:  {self.parent_token}",
                f"  device token:  {self.device_token}",
                "",
                "Try:",
                "  # the teen's app asks whether to remind now (a nudge, then re-delivery):",
                f"  curl -s -X POST {base_url}/v1/check {device} "
                "-H 'Content-Type: application/json' -d '{}'",
                "  # what the parent sees:",
                f"  curl -s {teen}/schedule {parent}",
                f"  curl -s '{teen}/preview?days=14' {parent}",
                f"  curl -s {teen}/nudges {parent}",
                f"  curl -s {base_url}/v1/openapi.json | head -c 300",
            ]
        )


def school_zone_now(now: datetime) -> str:
    """A zone where it is between 09:30 and 13:00 right now (one always exists)."""
    candidates = (*FAMILIAR_ZONES, *pytz.common_timezones)
    for name in candidates:
        local = to_local(now, zone_named(name)).time()
        if time(9, 30) <= local < time(13, 0):
            return name
    return "UTC"  # unreachable: offsets span 26 hours


def _fresh_parent(session: Session, now: datetime) -> str:
    parent_id = session.scalar(select(Parent.id).where(Parent.email == DEMO_EMAIL))
    if parent_id is None:
        return accounts.register_parent(session, DEMO_EMAIL, DEMO_PASSWORD, now).parent_id
    for teen in teens.teens_of_parent(session, parent_id):
        if teen.nickname == DEMO_NICKNAME:
            privacy.delete_teen(session, teen.id)
    return parent_id


def create_demo(session: Session, now: datetime) -> Demo:
    """Create (or recreate) the demo family; the caller commits."""
    parent_id = _fresh_parent(session, now)
    zone = school_zone_now(now)
    teen = teens.create_teen(
        session, parent_id, nickname=DEMO_NICKNAME, timezone=zone, country=None,
        subdivision=None, now=now,
    )  # fmt: skip
    schedules.put_schedule(
        session, teen,
        weekly={day: [("08:00", "15:00")] for day in SCHOOL_DAYS},
        term=None, observe_public_holidays=True, policy={}, now=now,
    )  # fmt: skip
    today = to_local(now, zone_named(zone)).date()
    if today.weekday() >= len(SCHOOL_DAYS):
        schedules.add_exception(
            session, teen, first_day=today, last_day=today,
            kind=ExceptionKind.CUSTOM_HOURS, windows=[("08:00", "15:00")],
            note="Weekend demo school day", now=now,
        )  # fmt: skip
    code = pairing.issue_code(session, teen.id, now)
    device = pairing.pair_device(session, code.code, "web", now)
    token = accounts.issue_token(session, parent_id, "api", now)
    return Demo(token, teen.id, zone, device.device_token)
