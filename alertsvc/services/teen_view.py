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

from alertsvc.db import family, repositories
from alertsvc.db.repositories import TeenView
from alertsvc.db.repositories.nudges import NudgeView
from alertsvc.db.teen_state import load_state
from alertsvc.domain.calendar import DayReason, local_date, zone_named
from alertsvc.domain.plan import LOOKAHEAD_DAYS
from alertsvc.domain.schedule import FIRST_SUPPORTED_DATE, LAST_SUPPORTED_DATE, Schedule
from alertsvc.services import nudges, profiles, schedules
from alertsvc.services.schedules import PreviewWindow
from alertsvc.services.teens import TeenNotFoundError

RECENT = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class TeenDay:
    day: date
    school_day: bool
    reason: DayReason | None
    windows: tuple[PreviewWindow, ...]


@dataclass(frozen=True, slots=True)
class StoredSchedule:
    schedule: Schedule
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class TeenOverview:
    teen: TeenView
    guardians: tuple[str, ...]
    schedule: StoredSchedule | None
    today: TeenDay | None
    next_window: PreviewWindow | None
    paused_until: datetime | None
    recent: tuple[NudgeView, ...]


@dataclass(frozen=True, slots=True)
class TeenExport:
    overview: TeenOverview
    reminders: tuple[NudgeView, ...]
    days_off: tuple[family.DayOff, ...]
    devices: tuple[family.DeviceRecord, ...]


def overview(session: Session, teen_id: str, now: datetime) -> TeenOverview:
    """What is set for the teen, as of `now`; `TeenNotFoundError` if the teen is gone."""
    teen = family.load_teen(session, teen_id)
    if teen is None:
        raise TeenNotFoundError
    stored = _stored_schedule(session, teen_id)
    today, next_window = _calendar(session, teen, now) if stored else (None, None)
    state, _ = load_state(session, teen_id)
    paused = state.paused_until if state.paused_until and state.paused_until > now else None
    return TeenOverview(
        teen=teen,
        guardians=tuple(profiles.guardian_names(session, teen_id)),
        schedule=stored,
        today=today,
        next_window=next_window,
        paused_until=paused,
        recent=tuple(nudges.history(session, teen_id, None, since=now - RECENT)),
    )


def export(session: Session, teen_id: str, now: datetime) -> TeenExport:
    """The overview plus every reminder and ack still kept, the days set differently (without
    the parents' notes) and the teen's devices."""
    return TeenExport(
        overview=overview(session, teen_id, now),
        reminders=tuple(nudges.history(session, teen_id, None)),
        days_off=tuple(family.load_days_off(session, teen_id)),
        devices=tuple(family.load_devices(session, teen_id)),
    )


def _stored_schedule(session: Session, teen_id: str) -> StoredSchedule | None:
    schedule = repositories.load_schedule(session, teen_id)
    updated_at = family.schedule_updated_at(session, teen_id)
    if schedule is None or updated_at is None:
        return None
    return StoredSchedule(schedule, updated_at)


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
