"""The check's subject: the device asking, its teen, schedule and nudge state, and the
operator's switches, read in one query by the device token's digest.

The query runs on the driver's cursor, with SQLAlchemy's own SQL and result conversions
(`_DriverQuery`), and falls back to a Core execute on any driver error. The schedule's stored
values become a `Schedule` through `_stored_schedule`, memoised by those values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, Dialect, Text, bindparam, cast, exists, select, update

from alertsvc.db import repositories
from alertsvc.db.models import Device, ExceptionRow, ScheduleRow, Teen, TeenState
from alertsvc.db.repositories.experiments import (
    definitions_version,
    parse_teen_exposures,
    teen_exposures,
)
from alertsvc.db.repositories.flags import KILL_SWITCH, flag_on
from alertsvc.db.session import commit_now, orm
from alertsvc.db.teen_state import state_from_row
from alertsvc.domain.schedule import Place, Schedule, SchoolException
from alertsvc.domain.state import NudgeState


@dataclass(frozen=True, slots=True)
class Subject:
    """The device asking, its teen, schedule and nudge state, as read in one query."""

    device_id: str
    teen_id: str
    place: Place
    last_seen_at: datetime | None
    locale: str | None
    schedule: Schedule | None
    state: NudgeState
    state_version: int | None
    has_exceptions: bool = True
    kill_switch: bool = False
    # The experiments' definitions version (`experiments.arm_for_teen` reloads on a change)
    # and the teen's exposures {experiment key: variant key}.
    experiments_version: int = 0
    exposures: Mapping[str, str] = field(default_factory=dict)


class SubjectRow(NamedTuple):
    """The subject query's row, a field per column (`_COLUMNS`), converted as Core converts."""

    device_id: str
    teen_id: str
    last_seen_at: datetime | None
    locale: str | None
    timezone: str
    country: str | None
    subdivision: str | None
    has_exceptions: bool
    kill_switch: bool
    experiments_version: int
    exposures: str | None
    # The state row (`teen_state.STATE_COLUMNS`); all None before the teen's first nudge.
    state_version: int | None
    paused_until: datetime | None
    snoozed_until: datetime | None
    day: date | None
    day_marks: str | None
    last_nudge_id: str | None
    last_nudge_at: datetime | None
    last_nudge_acked: bool | None
    # The schedule (`repositories.SCHEDULE_CONTENT`, `weekly` as its JSON text); all None
    # until the parents set one.
    schedule_version: int | None
    weekly: str | None
    term_first_day: date | None
    term_last_day: date | None
    observe_public_holidays: bool | None
    grace_minutes: int | None
    min_interval_minutes: int | None
    max_per_day: int | None
    snooze_minutes: int | None
    away_threshold_minutes: int | None


_COLUMNS: Mapping[str, Any] = {
    "device_id": Device.id,
    "teen_id": Device.teen_id,
    "last_seen_at": Device.last_seen_at,
    "locale": Device.locale,
    "timezone": Teen.timezone,
    "country": Teen.country,
    "subdivision": Teen.subdivision,
    # Most teens have no exceptions: knowing that here saves a round trip per check.
    "has_exceptions": exists().where(ExceptionRow.teen_id == Device.teen_id),
    # Operator state, read with the subject so a change holds for the very next check on any
    # process, at no round trip of its own (two primary-key reads in the same statement).
    "kill_switch": flag_on(KILL_SWITCH),
    "experiments_version": definitions_version(),
    # A teen in a running experiment needs its exposures: read here, they cost no round trip.
    "exposures": teen_exposures(Device.teen_id),
    "state_version": TeenState.version,
    "paused_until": TeenState.paused_until,
    "snoozed_until": TeenState.snoozed_until,
    "day": TeenState.day,
    "day_marks": TeenState.day_marks,
    "last_nudge_id": TeenState.last_nudge_id,
    "last_nudge_at": TeenState.last_nudge_at,
    "last_nudge_acked": TeenState.last_nudge_acked,
    "schedule_version": ScheduleRow.version,
    # As text: a hashable key for `_stored_schedule`, decoded only when it misses.
    "weekly": cast(ScheduleRow.weekly, Text),
    "term_first_day": ScheduleRow.term_first_day,
    "term_last_day": ScheduleRow.term_last_day,
    "observe_public_holidays": ScheduleRow.observe_public_holidays,
    "grace_minutes": ScheduleRow.grace_minutes,
    "min_interval_minutes": ScheduleRow.min_interval_minutes,
    "max_per_day": ScheduleRow.max_per_day,
    "snooze_minutes": ScheduleRow.snooze_minutes,
    "away_threshold_minutes": ScheduleRow.away_threshold_minutes,
}

# Built once: the check runs this on every poll (SQLAlchemy's compiled cache then serves the
# SQL by the same key on the Core path).
SUBJECT_QUERY = (
    select(*(column.label(name) for name, column in _COLUMNS.items()))
    .join(Teen, Teen.id == Device.teen_id)
    .outerjoin(ScheduleRow, ScheduleRow.teen_id == Device.teen_id)
    .outerjoin(TeenState, TeenState.teen_id == Device.teen_id)
    .where(Device.token_hash == bindparam("token_hash"))
)

_Converter = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _DriverQuery:
    """`SUBJECT_QUERY` compiled once for one dialect, run on the driver's cursor directly.

    The SQL and each column's result conversion are SQLAlchemy's own, taken from the compiled
    statement and the column types, so values come out exactly as a Core execute gives them
    (tests compare the two paths on both databases)."""

    sql: str
    positional: bool
    conversions: tuple[tuple[int, _Converter], ...]  # (column index, converter), where needed

    @classmethod
    def compile(cls, dialect: Dialect) -> _DriverQuery:
        compiled = SUBJECT_QUERY.compile(dialect=dialect)
        conversions = []
        for index, column in enumerate(SUBJECT_QUERY.selected_columns):
            converter = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if converter is not None:
                conversions.append((index, converter))
        return cls(str(compiled), dialect.positional, tuple(conversions))

    def first(self, reader: Connection, token_hash: str) -> SubjectRow | None:
        params: Any = (token_hash,) if self.positional else {"token_hash": token_hash}
        cursor = reader.connection.cursor()
        try:
            raw = cursor.execute(self.sql, params).fetchone()
        finally:
            cursor.close()
        if raw is None:
            return None
        values = list(raw)
        for index, converter in self.conversions:
            values[index] = converter(values[index])
        return SubjectRow._make(values)


_driver_queries: dict[str, _DriverQuery] = {}


def subject_row(reader: Connection, token_hash: str) -> SubjectRow | None:
    """The subject query's row for a token digest, on the fast driver path when it works.

    Any driver error is left to SQLAlchemy: the same query runs again through Core, which
    raises it wrapped (a lost connection invalidates the pool, and the request is answered
    again) or, if the error was passing, answers. Reads only, so running one twice is
    harmless."""
    dialect = reader.dialect
    key = f"{dialect.name}+{dialect.driver}"
    query = _driver_queries.get(key)
    if query is None:
        query = _driver_queries[key] = _DriverQuery.compile(dialect)
    try:
        return query.first(reader, token_hash)
    except dialect.loaded_dbapi.Error:
        row = reader.execute(SUBJECT_QUERY, {"token_hash": token_hash}).first()
        return None if row is None else SubjectRow._make(row)


def find_subject(reader: Connection, token_hash: str) -> Subject | None:
    """The subject of a device token's digest, or None if no device has it."""
    row = subject_row(reader, token_hash)
    if row is None:
        return None
    state, state_version = state_from_row(
        (
            row.state_version,
            row.paused_until,
            row.snoozed_until,
            row.day,
            row.day_marks,
            row.last_nudge_id,
            row.last_nudge_at,
            row.last_nudge_acked,
        )
    )
    return Subject(
        device_id=row.device_id,
        teen_id=row.teen_id,
        place=Place(row.timezone, row.country, row.subdivision),
        last_seen_at=row.last_seen_at,
        locale=row.locale,
        schedule=_schedule(row),
        state=state,
        state_version=state_version,
        has_exceptions=bool(row.has_exceptions),
        kill_switch=bool(row.kill_switch),
        experiments_version=int(row.experiments_version),
        exposures=parse_teen_exposures(row.exposures),
    )


def _schedule(row: SubjectRow) -> Schedule | None:
    if row.schedule_version is None or row.weekly is None:
        return None
    return _stored_schedule(
        row.schedule_version,
        row.weekly,
        row.term_first_day,
        row.term_last_day,
        row.observe_public_holidays,
        row.grace_minutes,
        row.min_interval_minutes,
        row.max_per_day,
        row.snooze_minutes,
        row.away_threshold_minutes,
    )


# Keyed by every stored value of the schedule, so an entry is the conversion of its key and
# can never answer for other values. Sized like the plan memo (`domain.plan.plan_book`).
@lru_cache(maxsize=4096)
def _stored_schedule(version: int, weekly: str, *content: Any) -> Schedule:
    """The `Schedule` of a schedule row's values (`weekly` as JSON text, then the rest of
    `repositories.SCHEDULE_CONTENT` in order)."""
    return repositories.schedule_from_values(version, (json.loads(weekly), *content))


def load_exceptions(reader: Connection, teen_id: str) -> tuple[SchoolException, ...]:
    """The teen's exceptions, in creation order."""
    with orm(reader) as session:
        return tuple(repositories.load_exceptions(session, teen_id))


def mark_seen(reader: Connection, device_id: str, now: datetime) -> None:
    """Record that the device checked in at `now` (committed at once)."""
    reader.execute(update(Device).where(Device.id == device_id).values(last_seen_at=now))
    commit_now(reader)
