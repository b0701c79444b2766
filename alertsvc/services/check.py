"""The check every poll gets: load the subject in one query, decide, persist only a nudge.

Reads run on the request's reader connection (`edge.reader`, outside any transaction): a
check that writes nothing costs one round trip, with no BEGIN or COMMIT. The state is
compare-and-set, so reading it outside the writing transaction is safe: a nudge is claimed
in its own transaction on `writer()` only if the state is still the version that was read.

Operator changes hold at once: the same query reads the kill switch and the experiments'
definitions version, so no process answers from a copy older than the check's own query.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Dialect, bindparam, exists, select, update
from sqlalchemy.orm import Session

from alertsvc.db import repositories
from alertsvc.db.models import Device, ExceptionRow, Nudge, ScheduleRow, Teen, TeenState
from alertsvc.db.session import commit_now, orm
from alertsvc.db.teen_state import (
    MAX_ATTEMPTS,
    STATE_COLUMNS,
    StateConflictError,
    load_state,
    save_state,
    state_from_row,
)
from alertsvc.domain.decision import Arm, CheckInput, Decision, NudgeState, decide, with_nudge
from alertsvc.domain.schedule import Place, Schedule, SchoolException
from alertsvc.services.experiments import (
    definitions_version,
    parse_teen_exposures,
    teen_exposures,
)
from alertsvc.services.flags import kill_switch_on
from alertsvc.services.ids import digest, new_id

# last_seen_at is for parents ("is the app still installed?"), not tracking: minute-level
# freshness is plenty, and it keeps most checks free of writes.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Subject:
    """The device asking, its teen, schedule and nudge state, as read in one query."""

    device_id: str
    teen_id: str
    place: Place
    last_seen_at: datetime | None
    schedule: Schedule | None
    state: NudgeState
    state_version: int | None
    has_exceptions: bool = True
    kill_switch: bool = False
    # The experiments' definitions version (`experiments.arm_for_teen` reloads on a change)
    # and the teen's exposures {experiment key: variant key}.
    experiments_version: int = 0
    exposures: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckResult:
    decision: Decision
    nudge_id: str | None
    arm: Arm | None
    schedule_version: int | None
    new_nudge: bool


# Built once: the check runs this on every poll, so it skips building and coercing a new
# statement each time (SQLAlchemy's compiled cache then serves the SQL by the same key).
_SUBJECT_COLUMNS = (
    Device.id,
    Device.teen_id,
    Device.last_seen_at,
    Teen.timezone,
    Teen.country,
    Teen.subdivision,
    ScheduleRow.version,
    ScheduleRow.updated_at,
    # Most teens have no exceptions: knowing that here saves a round trip per check.
    exists().where(ExceptionRow.teen_id == Device.teen_id).label("has_exceptions"),
    # Operator state, read with the subject so a change holds for the very next check on any
    # process, at no round trip of its own (two primary-key reads in the same statement).
    kill_switch_on().label("kill_switch"),
    definitions_version().label("experiments_version"),
    # A teen in a running experiment needs its exposures: read here, they cost no round trip.
    teen_exposures(Device.teen_id).label("exposures"),
)
_STATE_AT = len(_SUBJECT_COLUMNS)  # where the state columns start in the row
_SCHEDULE_AT = _STATE_AT + len(STATE_COLUMNS)  # and where the schedule's content starts
_SUBJECT_QUERY = (
    select(
        *_SUBJECT_COLUMNS,
        *STATE_COLUMNS,
        # The schedule's content comes along, converted only when the cache below misses:
        # a teen this process has not seen yet (most teens, at scale) costs no second query,
        # and the content is the one the version beside it names, read in the same statement.
        *repositories.SCHEDULE_CONTENT,
    )
    .join(Teen, Teen.id == Device.teen_id)
    .outerjoin(ScheduleRow, ScheduleRow.teen_id == Device.teen_id)
    .outerjoin(TeenState, TeenState.teen_id == Device.teen_id)
    .where(Device.token_hash == bindparam("token_hash"))
)

# Schedules by (teen, version, updated_at). A stored schedule's content never changes without
# its version going up (save_schedule bumps it under a row lock whenever anything differs),
# and teen ids are random and never reused, so a key always names one content: a cached value
# can be old only in the sense of being superseded, and then its key is no longer asked for.
# It also hands decide() the same Schedule object on every poll, which its plan memo likes.
_SCHEDULE_CACHE_LIMIT = 4096
_schedules: dict[tuple[str, int, datetime | None], Schedule] = {}
_places: dict[tuple[str, str | None, str | None], Place] = {}


@dataclass(frozen=True, slots=True)
class SubjectRow:
    """The subject query's row: `values` are the subject and state columns, converted; the
    schedule's content columns are converted only when asked for (on a cache miss)."""

    values: tuple[Any, ...]
    schedule_raw: tuple[Any, ...]
    schedule_converters: tuple[Callable[[Any], Any] | None, ...] | None = None

    def schedule_content(self) -> tuple[Any, ...]:
        """The `repositories.SCHEDULE_CONTENT` values, as a Core execute gives them."""
        if self.schedule_converters is None:
            return self.schedule_raw
        return _convert(self.schedule_converters, self.schedule_raw)


def _convert(
    converters: tuple[Callable[[Any], Any] | None, ...], raw: tuple[Any, ...]
) -> tuple[Any, ...]:
    return tuple(v if c is None else c(v) for c, v in zip(converters, raw, strict=True))


def _cached_schedule(row: SubjectRow) -> Schedule:
    teen_id, version, updated = row.values[1], row.values[6], row.values[7]
    key = (teen_id, version, updated)
    found = _schedules.get(key)
    if found is not None:
        return found
    schedule = repositories.schedule_from_values(version, row.schedule_content())
    if len(_schedules) >= _SCHEDULE_CACHE_LIMIT:
        try:
            del _schedules[next(iter(_schedules))]  # oldest first
        except (KeyError, StopIteration, RuntimeError):
            _schedules.clear()
    _schedules[key] = schedule
    return schedule


def _place(timezone: str, country: str | None, subdivision: str | None) -> Place:
    """Equal places as one object (a value, so sharing it is safe; zones are few)."""
    key = (timezone, country, subdivision)
    found = _places.get(key)
    if found is None:
        if len(_places) >= _SCHEDULE_CACHE_LIMIT:
            _places.clear()
        found = _places[key] = Place(timezone, country, subdivision)
    return found


@dataclass(frozen=True, slots=True)
class _DriverQuery:
    """`_SUBJECT_QUERY` compiled once for one dialect, run on the driver's cursor directly.

    SQLAlchemy's per-execution machinery (execution context, result metadata, row objects)
    cost more than the query itself on the hot path (~90 us of ~270 us on PostgreSQL). The
    SQL and each column's result conversion are SQLAlchemy's own, taken from the compiled
    statement and the column types, so values come out exactly as a Core execute gives them
    (tests compare the two paths on both databases)."""

    sql: str
    positional: bool
    converters: tuple[Callable[[Any], Any] | None, ...]
    schedule_converters: tuple[Callable[[Any], Any] | None, ...]

    @classmethod
    def compile(cls, dialect: Dialect) -> _DriverQuery:
        compiled = _SUBJECT_QUERY.compile(dialect=dialect)
        converters = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in _SUBJECT_QUERY.selected_columns
        )
        return cls(
            sql=str(compiled),
            positional=dialect.positional,
            converters=converters[:_SCHEDULE_AT],
            schedule_converters=converters[_SCHEDULE_AT:],
        )

    def first(self, reader: Connection, token_hash: str) -> SubjectRow | None:
        params: Any = (token_hash,) if self.positional else {"token_hash": token_hash}
        cursor = reader.connection.cursor()
        try:
            raw = cursor.execute(self.sql, params).fetchone()
        finally:
            cursor.close()
        if raw is None:
            return None
        return SubjectRow(
            _convert(self.converters, raw[:_SCHEDULE_AT]),
            raw[_SCHEDULE_AT:],
            self.schedule_converters,
        )


_driver_queries: dict[str, _DriverQuery] = {}


def subject_row(reader: Connection, token_hash: str) -> SubjectRow | None:
    """The subject query's row for a token digest, on the fast driver path when it works.

    Any driver error is left to SQLAlchemy: the same query runs again through Core, which
    raises it wrapped (a lost connection invalidates the pool, edge.read retries) or, if the
    error was passing, answers. Reads only, so running one twice is harmless."""
    dialect = reader.dialect
    key = f"{dialect.name}+{dialect.driver}"
    query = _driver_queries.get(key)
    if query is None:
        query = _driver_queries[key] = _DriverQuery.compile(dialect)
    try:
        return query.first(reader, token_hash)
    except dialect.loaded_dbapi.Error:
        row = reader.execute(_SUBJECT_QUERY, {"token_hash": token_hash}).first()
        if row is None:
            return None
        return SubjectRow(tuple(row[:_SCHEDULE_AT]), tuple(row[_SCHEDULE_AT:]))


def find_subject(reader: Connection, device_token: str) -> Subject | None:
    """One indexed lookup by token digest, joining teen, schedule and state; the schedule is
    built from the row only when the cache (keyed by its version) does not hold it."""
    found = subject_row(reader, digest(device_token))
    if found is None:
        return None
    row = found.values
    state, version = state_from_row(row[_STATE_AT:_SCHEDULE_AT])
    return Subject(
        device_id=row[0],
        teen_id=row[1],
        place=_place(row[3], row[4], row[5]),
        last_seen_at=row[2],
        schedule=_cached_schedule(found) if row[6] is not None else None,
        state=state,
        state_version=version,
        has_exceptions=bool(row[8]),
        kill_switch=bool(row[9]),
        experiments_version=int(row[10]),
        exposures=parse_teen_exposures(row[11]),
    )


def answer_check(
    reader: Connection,
    writer: Callable[[], Session],
    subject: Subject,
    *,
    now: datetime,
    device_offset_minutes: int | None,
    kill_switch: bool,
    arm: Arm | None,
) -> CheckResult:
    """Decide; when the answer is a new nudge, claim it with a compare-and-set on the state
    in `writer()`'s transaction, which the caller commits when `new_nudge` is true."""
    exceptions: list[SchoolException] = []
    if subject.schedule and subject.has_exceptions:
        with orm(reader) as session:
            exceptions = repositories.load_exceptions(session, subject.teen_id)
    _touch_device(reader, subject, now)
    schedule_version = subject.schedule.version if subject.schedule else None
    for _ in range(MAX_ATTEMPTS):
        decision = decide(
            CheckInput(
                now=now,
                device_id=subject.device_id,
                place=subject.place,
                schedule=subject.schedule,
                exceptions=tuple(exceptions),
                state=subject.state,
                arm=arm,
                kill_switch=kill_switch,
                device_offset_minutes=device_offset_minutes,
            )
        )
        if decision.nudge is None or decision.redeliver_id is not None:
            return CheckResult(decision, decision.redeliver_id, arm, schedule_version, False)
        nudge_id = new_id("nud")
        claimed = with_nudge(subject.state, nudge_id, now, decision.local_day)
        session = writer()
        if save_state(session, subject.teen_id, claimed, subject.state_version):
            _record_nudge(session, subject, decision, nudge_id, now, arm, schedule_version)
            return CheckResult(decision, nudge_id, arm, schedule_version, True)
        # Another process answered for this teen since we read: decide again on its state.
        state, version = load_state(session, subject.teen_id)
        subject = replace(subject, state=state, state_version=version)
    raise StateConflictError(subject.teen_id)


def _touch_device(reader: Connection, subject: Subject, now: datetime) -> None:
    if subject.last_seen_at is None or now - subject.last_seen_at >= LAST_SEEN_RESOLUTION:
        reader.execute(
            update(Device).where(Device.id == subject.device_id).values(last_seen_at=now)
        )
        commit_now(reader)


def _record_nudge(
    session: Session,
    subject: Subject,
    decision: Decision,
    nudge_id: str,
    now: datetime,
    arm: Arm | None,
    schedule_version: int | None,
) -> None:
    if decision.nudge is None or decision.window is None:
        raise ValueError("only a nudge decision inside a window is recorded")
    session.add(
        Nudge(
            id=nudge_id,
            teen_id=subject.teen_id,
            device_id=subject.device_id,
            at=now,
            local_date=decision.local_day,
            day_index=len(decision_marks(subject.state, decision)),
            reason=decision.reason.value,
            explanation=decision.explanation,
            window_start=decision.window.start,
            window_end=decision.window.end,
            title=decision.nudge.title,
            body=decision.nudge.body,
            experiment_key=arm.experiment_key if arm else None,
            variant_key=arm.variant_key if arm else None,
            schedule_version=schedule_version or 0,
        )
    )


def decision_marks(state: NudgeState, decision: Decision) -> str:
    """Today's marks before this nudge (yesterday's don't count)."""
    return state.day_marks if state.day == decision.local_day else ""
