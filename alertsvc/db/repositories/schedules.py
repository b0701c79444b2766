"""Schedules: rows <-> domain `Schedule` values, versioned on change."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alertsvc.db.models import ScheduleRow
from alertsvc.domain.schedule import (
    WEEKDAYS,
    Policy,
    Schedule,
    Term,
    Window,
    format_hhmm,
    parse_hhmm,
)


def windows_to_json(windows: Sequence[Window]) -> list[list[str]]:
    return [[format_hhmm(w.start), format_hhmm(w.end)] for w in windows]


def windows_from_json(pairs: Sequence[Sequence[str]]) -> tuple[Window, ...]:
    return tuple(sorted(Window(parse_hhmm(start), parse_hhmm(end)) for start, end in pairs))


def _weekly_to_json(schedule: Schedule) -> dict[str, Any]:
    return {name: windows_to_json(schedule.weekly[i]) for i, name in enumerate(WEEKDAYS)}


# The content columns of a schedule row, in the order `schedule_from_values` takes them.
SCHEDULE_CONTENT = (
    ScheduleRow.weekly,
    ScheduleRow.term_first_day,
    ScheduleRow.term_last_day,
    ScheduleRow.observe_public_holidays,
    ScheduleRow.grace_minutes,
    ScheduleRow.min_interval_minutes,
    ScheduleRow.max_per_day,
    ScheduleRow.snooze_minutes,
    ScheduleRow.away_threshold_minutes,
)


def schedule_from_row(row: ScheduleRow) -> Schedule:
    """A schedule row as a domain `Schedule`."""
    return schedule_from_values(row.version, tuple(getattr(row, c.key) for c in SCHEDULE_CONTENT))


def schedule_from_values(version: int, content: tuple[Any, ...]) -> Schedule:
    """A domain `Schedule` from its version and the `SCHEDULE_CONTENT` values (e.g. of a join)."""
    weekly, first_day, last_day, observe, grace, interval, per_day, snooze, away = content
    term = None
    if first_day is not None and last_day is not None:
        term = Term(first_day, last_day)
    return Schedule(
        weekly=tuple(windows_from_json(weekly.get(name, ())) for name in WEEKDAYS),
        term=term,
        observe_public_holidays=bool(observe),
        policy=Policy(
            grace_minutes=grace,
            min_interval_minutes=interval,
            max_per_day=per_day,
            snooze_minutes=snooze,
            away_threshold_minutes=away,
        ),
        version=version,
    )


def load_schedule(session: Session, teen_id: str) -> Schedule | None:
    """The teen's schedule (with its `version`), or None if the parents never set one."""
    row = session.get(ScheduleRow, teen_id)
    return None if row is None else schedule_from_row(row)


def teens_with_schedule(session: Session, teen_ids: Collection[str]) -> set[str]:
    """Which of the teens have a schedule, in one query."""
    if not teen_ids:
        return set()
    found = session.scalars(select(ScheduleRow.teen_id).where(ScheduleRow.teen_id.in_(teen_ids)))
    return set(found)


@dataclass(frozen=True, slots=True)
class StampedSchedule:
    """A stored schedule and when the parents last changed it."""

    schedule: Schedule
    updated_at: datetime


def load_stamped_schedule(session: Session, teen_id: str) -> StampedSchedule | None:
    """The teen's schedule with when it last changed, or None if the parents never set one."""
    row = session.get(ScheduleRow, teen_id)
    return None if row is None else StampedSchedule(schedule_from_row(row), row.updated_at)


def save_schedule(session: Session, teen_id: str, schedule: Schedule, now: datetime) -> Schedule:
    """Store a schedule; the version starts at 1 and goes up only when something changed.

    Returns the stored schedule with its version. The row is locked while it is compared, so
    two concurrent changes cannot both claim the same next version.
    """
    row = session.scalar(
        select(ScheduleRow).where(ScheduleRow.teen_id == teen_id).with_for_update()
    )
    if row is None:
        row = ScheduleRow(teen_id=teen_id, version=0)
        session.add(row)
    else:
        current = schedule_from_row(row)
        if replace(schedule, version=current.version) == current:
            return current
    row.version += 1
    row.weekly = _weekly_to_json(schedule)
    row.term_first_day = schedule.term.first_day if schedule.term else None
    row.term_last_day = schedule.term.last_day if schedule.term else None
    row.observe_public_holidays = schedule.observe_public_holidays
    policy = schedule.policy
    row.grace_minutes = policy.grace_minutes
    row.min_interval_minutes = policy.min_interval_minutes
    row.max_per_day = policy.max_per_day
    row.snooze_minutes = policy.snooze_minutes
    row.away_threshold_minutes = policy.away_threshold_minutes
    row.updated_at = now
    session.flush()
    return replace(schedule, version=row.version)
