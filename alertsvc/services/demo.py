"""A demo family for `make run`: a parent, a teen whose school is in session right now
somewhere on Earth, a paired device, and the lines to try.

The family is created once and then kept: running the demo again prints the same logins, and
tokens that still work are printed again rather than replaced (the database keeps only their
digests, so the caller remembers them); a token that no longer works is replaced by a new one,
and nothing is ever revoked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

import pytz
from sqlalchemy.orm import Session

from alertsvc.domain.calendar import to_local, zone_named
from alertsvc.domain.schedule import (
    ExceptionKind,
    SchoolException,
    build_schedule,
    build_windows,
)
from alertsvc.services import accounts, pairing, schedules, teens

DEMO_EMAIL = "demo-parent@example.com"
DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - a published demo credential, development only
DEMO_NICKNAME = "Alex (demo)"
SCHOOL_DAYS = ("mon", "tue", "wed", "thu", "fri")
SCHOOL_HOURS = ("08:00", "15:00")
WEEKEND_NOTE = "Weekend demo school day"
# Zones tried first, so the demo usually lands somewhere familiar.
FAMILIAR_ZONES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "Pacific/Honolulu", "Pacific/Auckland", "Australia/Sydney", "Asia/Tokyo",
    "Asia/Bangkok", "Asia/Kolkata", "Asia/Dubai", "Europe/Athens", "Europe/Berlin",
    "Europe/London", "America/Sao_Paulo",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DemoTokens:
    """The demo's two bearer tokens, as the caller remembers them between runs."""

    parent_token: str
    device_token: str


@dataclass(frozen=True, slots=True)
class Demo:
    parent_token: str
    teen_id: str
    timezone: str
    device_token: str
    kept: bool = False  # the family existed before this run
    password_known: bool = True  # the demo parent still has DEMO_PASSWORD

    @property
    def tokens(self) -> DemoTokens:
        return DemoTokens(self.parent_token, self.device_token)

    def instructions(self, base_url: str) -> str:
        parent = f"-H 'Authorization: Bearer {self.parent_token}'"
        device = f"-H 'Authorization: Bearer {self.device_token}'"
        teen = f"{base_url}/v1/teens/{self.teen_id}"
        state = "kept from an earlier run" if self.kept else "ready"
        login = (
            f"{DEMO_EMAIL} / {DEMO_PASSWORD}"
            if self.password_known
            else f"{DEMO_EMAIL} (its password was changed since the demo set it)"
        )
        return "\n".join(
            [
                f"Demo family {state} (school is in session now in {self.timezone}).",
                f"  pages:         {base_url}/login  as {login}",
                f"  teen's app:    {base_url}/app/  (pair it with a code from the teen's page)",
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
        if _in_school_now(name, now):
            return name
    return "UTC"  # unreachable: offsets span 26 hours


def _in_school_now(zone: str, now: datetime) -> bool:
    return time(9, 30) <= to_local(now, zone_named(zone)).time() < time(13, 0)


def ensure_demo(session: Session, now: datetime, remembered: DemoTokens | None = None) -> Demo:
    """The demo family, created on the first run and kept on later ones; the caller commits.

    A kept teen moves to a zone where school is in session now (so the printed check nudges),
    and the `remembered` tokens are printed again while they still work."""
    account = accounts.account_for_email(session, DEMO_EMAIL)
    if account is None:
        parent_id = accounts.register_parent(session, DEMO_EMAIL, DEMO_PASSWORD, now).parent_id
        password_known = True
    else:
        parent_id = account.parent_id
        password_known = accounts.authenticate(session, DEMO_EMAIL, DEMO_PASSWORD) is not None
    teen, kept = _demo_teen(session, parent_id, now)
    _school_today(session, teen, now)
    parent_token = remembered.parent_token if remembered else None
    if parent_token is None or not _parent_token_works(session, parent_token, parent_id, now):
        parent_token = accounts.issue_token(session, parent_id, "api", now)
    device_token = remembered.device_token if remembered else None
    if device_token is None or not _device_token_works(session, device_token, teen.id):
        code = pairing.issue_code(session, teen.id, now)
        device_token = pairing.pair_device(session, code.code, "web", now).device_token
    return Demo(parent_token, teen.id, teen.timezone, device_token, kept, password_known)


def _demo_teen(session: Session, parent_id: str, now: datetime) -> tuple[teens.TeenView, bool]:
    """The parent's demo teen (moved to where school is in session now), or a new one."""
    for teen in teens.teens_of_parent(session, parent_id):
        if teen.nickname == DEMO_NICKNAME:
            if not _in_school_now(teen.timezone, now):
                teen = teens.update_teen(session, teen, {"timezone": school_zone_now(now)})
            return teen, True
    teen = teens.create_teen(
        session, parent_id, nickname=DEMO_NICKNAME, timezone=school_zone_now(now),
        country=None, subdivision=None, now=now,
    )  # fmt: skip
    week = build_schedule({day: [SCHOOL_HOURS] for day in SCHOOL_DAYS}, None, True, {})
    schedules.put_schedule(session, teen, week, now)
    return teen, False


def _school_today(session: Session, teen: teens.TeenView, now: datetime) -> None:
    """On a weekend, an exception that makes today a school day, unless one covers today."""
    today = to_local(now, zone_named(teen.timezone)).date()
    if today.weekday() < len(SCHOOL_DAYS):
        return
    if any(record.exception.covers(today) for record in schedules.list_exceptions(session, teen)):
        return
    hours = build_windows("windows", [SCHOOL_HOURS])
    school_day = SchoolException("", today, today, ExceptionKind.CUSTOM_HOURS, hours, WEEKEND_NOTE)
    schedules.add_exception(session, teen, school_day, now)


def _parent_token_works(session: Session, token: str, parent_id: str, now: datetime) -> bool:
    identity = accounts.identity_for_token(session, token, "api", now)
    return identity is not None and identity.parent_id == parent_id


def _device_token_works(session: Session, token: str, teen_id: str) -> bool:
    device = pairing.device_for_token(session, token)
    return device is not None and device.teen_id == teen_id
