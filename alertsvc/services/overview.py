"""A parent's teens at a glance: for each, its devices, whether reminders are paused, the
latest reminder and whether a school week is set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from alertsvc.db.repositories import devices as device_rows
from alertsvc.db.repositories import nudges as nudge_rows
from alertsvc.db.repositories import schedules as schedule_rows
from alertsvc.db.repositories import teens as teen_rows
from alertsvc.db.repositories.devices import DeviceView
from alertsvc.db.repositories.nudges import NudgeView
from alertsvc.db.repositories.teens import TeenView
from alertsvc.db.teen_state import load_states


@dataclass(frozen=True, slots=True)
class TeenOverview:
    teen: TeenView
    devices: tuple[DeviceView, ...]
    paused_until: datetime | None  # only while the pause lasts
    last_nudge: NudgeView | None
    has_schedule: bool

    @property
    def last_seen_at(self) -> datetime | None:
        """When any of the teen's devices last checked in."""
        seen = [d.last_seen_at for d in self.devices if d.last_seen_at is not None]
        return max(seen, default=None)


def teen_overviews(session: Session, parent_id: str, now: datetime) -> list[TeenOverview]:
    """Every teen the parent is a guardian of, with what the teens list shows about each: a
    fixed number of queries for all of them, however many teens there are."""
    teens = teen_rows.load_teens_for_parent(session, parent_id)
    ids = [teen.id for teen in teens]
    states = load_states(session, ids)
    latest = nudge_rows.load_latest_for_teens(session, ids)
    devices = device_rows.load_devices_for_teens(session, ids)
    scheduled = schedule_rows.teens_with_schedule(session, ids)
    overviews = []
    for teen in teens:
        paused_until = states[teen.id].paused_until
        overviews.append(
            TeenOverview(
                teen=teen,
                devices=tuple(devices.get(teen.id, ())),
                paused_until=paused_until if paused_until and paused_until > now else None,
                last_nudge=latest.get(teen.id),
                has_schedule=teen.id in scheduled,
            )
        )
    return overviews
