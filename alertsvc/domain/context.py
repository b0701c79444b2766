"""One check's inputs (`CheckInput`, with the experiment `Arm` it is in) and its `Context`:
the inputs read against the school's days, which the rules and explanations share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache

from alertsvc.domain.calendar import Interval, Occurrence, to_local, window_intervals, zone_named
from alertsvc.domain.message import Localized
from alertsvc.domain.plan import DayPlan, PlanBook, plan_book, search
from alertsvc.domain.schedule import (
    MINUTES_PER_DAY,
    Place,
    Policy,
    Schedule,
    SchoolException,
    Window,
)
from alertsvc.domain.state import NudgeState, daily_cap_reached

_DAY = timedelta(days=1)
_WHOLE_DAY = Window(0, MINUTES_PER_DAY)


@dataclass(frozen=True, slots=True)
class VariantParams:
    """An experiment variant's overrides; `None` keeps the schedule's policy or default copy."""

    # The copy: a text by language (a plain string is one text for every reader, tag "").
    title: Localized | None = None
    body: Localized | None = None
    grace_minutes: int | None = None
    min_interval_minutes: int | None = None
    max_per_day: int | None = None
    holdout: bool = False


@dataclass(frozen=True, slots=True)
class Arm:
    """The experiment variant a teen is in."""

    experiment_key: str
    variant_key: str
    params: VariantParams


@dataclass(frozen=True, slots=True)
class CheckInput:
    """Every fact one check depends on; `now` is an aware UTC instant."""

    now: datetime
    device_id: str
    place: Place
    schedule: Schedule | None
    exceptions: tuple[SchoolException, ...] = ()
    state: NudgeState = field(default_factory=NudgeState)
    arm: Arm | None = None
    kill_switch: bool = False
    device_offset_minutes: int | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """What one check knows once its inputs are read against the school's days."""

    inp: CheckInput
    zone: tzinfo
    local_day: date
    policy: Policy
    book: PlanBook | None
    today: DayPlan | None
    current: Occurrence | None
    occurrence: Occurrence | None  # the current occurrence, else the next within 7 local days
    wall: datetime
    now: datetime  # inp.now and inp.state, copied: the rules read them many times per check
    state: NudgeState


def context(inp: CheckInput, policy: Policy) -> Context:
    """The check's context, with `policy` the schedule's as the arm overrides it."""
    zone = zone_named(inp.place.timezone)
    wall = to_local(inp.now, zone)
    local_day = wall.date()
    book = today = current = occurrence = None
    if inp.schedule is not None:
        book = plan_book(inp.schedule, inp.exceptions, inp.place)
        today = book.plan(local_day)
        current = today.occurrence_at(inp.now)
        occurrence = current
        if current is None:
            found = search(book, local_day, local_day - _DAY, None, inp.now)
            occurrence = found[1] if found is not None else None
    return Context(
        inp, zone, local_day, policy, book, today, current, occurrence, wall, inp.now, inp.state
    )


def next_nudge_instant(ctx: Context) -> datetime | None:
    """The next instant after now at which rules 4–6 (and a full daily cap) stop blocking."""
    if ctx.book is None:
        return None
    skip_today = daily_cap_reached(ctx.state, ctx.local_day, ctx.policy)
    first_day = ctx.local_day + _DAY if skip_today else ctx.local_day - _DAY
    found = search(ctx.book, ctx.local_day, first_day, ctx.policy.grace_minutes, ctx.now)
    return found[0] if found is not None else None


@lru_cache(maxsize=1024)
def _local_day_span(day: date, zone_name: str) -> tuple[Interval, ...]:
    """Every instant whose local date is `day` (one interval, unless a clock change splits it)."""
    return window_intervals(day, _WHOLE_DAY, zone_named(zone_name))


def next_day_start(ctx: Context) -> datetime | None:
    """The first instant after now on a later local date: where daily counts reset."""
    for ahead in range(1, 4):
        for interval in _local_day_span(ctx.local_day + ahead * _DAY, ctx.inp.place.timezone):
            if interval.start > ctx.now:
                return interval.start
    return None


def grace_end(ctx: Context) -> datetime | None:
    """When the grace of the current window ends (None outside a window)."""
    if ctx.today is None or ctx.current is None:
        return None
    start = ctx.today.first_starts[ctx.current.window]
    return start + timedelta(minutes=ctx.policy.grace_minutes)


def local(ctx: Context, instant: datetime) -> datetime:
    """`instant` read in the school's zone."""
    return ctx.book.wall(instant) if ctx.book is not None else to_local(instant, ctx.zone)
