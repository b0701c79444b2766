"""What the teen may see of what is set for them (`GET /v1/me`) and their own data's export.

A teen is told what is set and by whom: the guardians' display names (never their emails),
the schedule, today's school hours, a pause, and the teen's own recent reminders with what
they answered. Nothing a parent wrote for themselves (exception notes, imported event names)
and nothing about another teen is ever read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from alertsvc.db.repositories import exceptions as exception_rows
from alertsvc.db.repositories import schedules as schedule_rows
from alertsvc.db.repositories import teens as teen_rows
from alertsvc.db.repositories.devices import DeviceIdentity, DeviceView
from alertsvc.db.repositories.exceptions import DayOff
from alertsvc.db.repositories.nudges import NudgeView
from alertsvc.db.repositories.schedules import StampedSchedule
from alertsvc.db.repositories.teens import TeenView
from alertsvc.db.teen_state import load_state
from alertsvc.domain.calendar import DayReason, local_date, zone_named
from alertsvc.domain.errors import NotAuthenticatedError
from alertsvc.domain.plan import LOOKAHEAD_DAYS
from alertsvc.domain.schedule import FIRST_SUPPORTED_DATE, LAST_SUPPORTED_DATE
from alertsvc.services import nudges, pairing, profiles, schedules
from alertsvc.services.schedules import PreviewWindow

RECENT = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class TeenDay:
    day: date
    school_day: bool
    reason: DayReason | None
    windows: tuple[PreviewWindow, ...]


@dataclass(frozen=True, slots=True)
class TeenOverview:
    teen: TeenView
    guardians: tuple[str, ...]
    schedule: StampedSchedule | None
    today: TeenDay | None
    next_window: PreviewWindow | None
    paused_until: datetime | None
    recent: tuple[NudgeView, ...]
    locale: str | None = None  # the language picked on the asking device, if any


@dataclass(frozen=True, slots=True)
class TeenExport:
    overview: TeenOverview
    exported_at: datetime
    local_day: date  # the school's date when it was exported, for the file's name
    reminders: tuple[NudgeView, ...]
    days_off: tuple[DayOff, ...]
    devices: tuple[DeviceView, ...]


def overview(session: Session, token: str | None, now: datetime) -> TeenOverview:
    """What is set for the teen of the device `token`, as of `now`.

    Raises NotAuthenticatedError for a missing or unknown token (a revoked device's included)."""
    return overview_of(session, device_of(session, token), now)


def overview_of(session: Session, device: DeviceIdentity, now: datetime) -> TeenOverview:
    """What is set for the teen of an authenticated `device`, as of `now`."""
    return _overview(session, _teen_of_device(session, device), now, device.locale)


def device_of(session: Session, token: str | None) -> DeviceIdentity:
    """The device holding `token` (with its stored language). Raises NotAuthenticatedError
    for a missing or unknown token (a revoked device's included)."""
    device = pairing.device_for_token(session, token) if token else None
    if device is None:
        raise NotAuthenticatedError
    return device


def export(session: Session, token: str | None, now: datetime) -> TeenExport:
    """The overview plus every reminder and ack still kept, the days set differently (without
    the parents' notes) and the teen's devices. Raises NotAuthenticatedError as `overview`."""
    device = device_of(session, token)
    teen = _teen_of_device(session, device)
    return TeenExport(
        overview=_overview(session, teen, now, device.locale),
        exported_at=now,
        local_day=local_date(now, zone_named(teen.timezone)),
        reminders=tuple(nudges.history(session, teen.id, None)),
        days_off=tuple(exception_rows.load_days_off(session, teen.id)),
        devices=tuple(pairing.list_devices(session, teen.id)),
    )


def _teen_of_device(session: Session, device: DeviceIdentity) -> TeenView:
    teen = teen_rows.load_teen(session, device.teen_id)
    if teen is None:
        raise NotAuthenticatedError
    return teen


def _overview(session: Session, teen: TeenView, now: datetime, locale: str | None) -> TeenOverview:
    stored = schedule_rows.load_stamped_schedule(session, teen.id)
    today, next_window = _calendar(session, teen, now) if stored else (None, None)
    state, _ = load_state(session, teen.id)
    paused = state.paused_until if state.paused_until and state.paused_until > now else None
    return TeenOverview(
        teen=teen,
        guardians=tuple(profiles.guardian_names(session, teen.id)),
        schedule=stored,
        today=today,
        next_window=next_window,
        paused_until=paused,
        recent=tuple(nudges.history(session, teen.id, None, since=now - RECENT)),
        locale=locale,
    )


def _calendar(
    session: Session, teen: TeenView, now: datetime
) -> tuple[TeenDay | None, PreviewWindow | None]:
    """Today's verdict, and the school block in progress or else the next one within the
    check's look-ahead (the same as the check's `window`)."""
    first = local_date(now, zone_named(teen.timezone))
    if not FIRST_SUPPORTED_DATE <= first <= LAST_SUPPORTED_DATE:
        return None, None
    days = min(LOOKAHEAD_DAYS + 1, (LAST_SUPPORTED_DATE - first).days + 1)
    found = schedules.preview(session, teen, first, days, now)
    today = TeenDay(found[0].day, found[0].school_day, found[0].reason, found[0].windows)
    upcoming = (w for day in found for w in day.windows if w.end > now)
    return today, next(upcoming, None)
