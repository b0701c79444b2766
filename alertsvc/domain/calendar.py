"""The school calendar: which local dates are school days, and which instants are in a window.

Everything here works on aware UTC instants and converts to the school's zone with pytz's
`astimezone`/`fromutc` (never `replace(tzinfo=zone)`, which would pick the zone's LMT offset).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise

import holidays
import pytz

from alertsvc.domain.schedule import (
    ExceptionKind,
    Place,
    Schedule,
    SchoolException,
    Window,
)

_MARGIN = timedelta(hours=27)  # wider than any UTC offset (-12:00..+14:00) plus a spare hour


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """A half-open span of instants `[start, end)`, both aware UTC."""

    start: datetime
    end: datetime

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant < self.end


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One stretch of instants that a configured window covers on one local date.

    A window usually yields one occurrence; one that a fall-back repeat cuts can yield two.
    """

    day: date
    window: Window
    interval: Interval


class DayReason(StrEnum):
    WEEKLY_OFF = "weekly_off"
    PUBLIC_HOLIDAY = "public_holiday"
    EXCEPTION = "exception"
    OUTSIDE_TERM = "outside_term"


@dataclass(frozen=True, slots=True)
class SchoolDay:
    """The verdict for one local date (SPEC §4.1 school-day rules, in order)."""

    day: date
    school_day: bool
    reason: DayReason | None
    detail: str | None
    windows: tuple[Window, ...]


@dataclass(frozen=True, slots=True)
class ClockChange:
    at: datetime
    from_offset: timedelta
    to_offset: timedelta


@lru_cache(maxsize=1024)
def zone_named(name: str) -> tzinfo:
    """The pytz zone for an IANA name (raises `pytz.UnknownTimeZoneError`)."""
    return pytz.timezone(name)


def is_known_zone(name: str) -> bool:
    return name in pytz.all_timezones_set


def to_local(instant: datetime, zone: tzinfo) -> datetime:
    """The wall-clock reading of an instant in a zone, with that instant's own offset."""
    return instant.astimezone(zone)


def local_date(instant: datetime, zone: tzinfo) -> date:
    return to_local(instant, zone).date()


def utc_offset_at(instant: datetime, zone: tzinfo) -> timedelta:
    offset = to_local(instant, zone).utcoffset()
    return offset if offset is not None else timedelta(0)


@lru_cache(maxsize=4096)
def _holidays_of(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    try:
        table = holidays.country_holidays(country, subdiv=subdivision, years=year, language="en_US")
    except NotImplementedError:
        table = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return dict(table.items())


def public_holiday(day: date, place: Place) -> str | None:
    """The public holiday's name on a local date for the place's country/subdivision."""
    if place.country is None:
        return None
    return _holidays_of(place.country, place.subdivision, day.year).get(day)


def governing_exception(day: date, exceptions: Sequence[SchoolException]) -> SchoolException | None:
    """The exception that decides a date: of those covering it, the most recently created.

    `exceptions` come in creation order (oldest first), so the last one covering wins.
    """
    for exception in reversed(exceptions):
        if exception.covers(day):
            return exception
    return None


def school_day(
    day: date,
    schedule: Schedule,
    exceptions: Sequence[SchoolException],
    place: Place,
) -> SchoolDay:
    """Apply SPEC §4.1's school-day rules in order: exception, term, holiday, weekly."""
    exception = governing_exception(day, exceptions)
    if exception is not None:
        if exception.kind is ExceptionKind.NO_SCHOOL:
            return SchoolDay(day, False, DayReason.EXCEPTION, exception.note or "No school", ())
        return SchoolDay(day, True, None, exception.note, exception.windows)
    term = schedule.term
    if term is not None and not term.first_day <= day <= term.last_day:
        detail = f"Term runs {term.first_day.isoformat()} to {term.last_day.isoformat()}"
        return SchoolDay(day, False, DayReason.OUTSIDE_TERM, detail, ())
    if schedule.observe_public_holidays:
        name = public_holiday(day, place)
        if name is not None:
            return SchoolDay(day, False, DayReason.PUBLIC_HOLIDAY, name, ())
    windows = schedule.windows_for_weekday(day.weekday())
    if not windows:
        return SchoolDay(day, False, DayReason.WEEKLY_OFF, None, ())
    return SchoolDay(day, True, None, None, windows)


def _offset_segments(
    zone: tzinfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, timedelta]]:
    """Split naive-UTC `[start, end)` into stretches of constant UTC offset.

    The transition instants come from pytz's own table (the one its `fromutc` bisects); the
    offset of each stretch is read through the public `astimezone`.
    """
    table: list[datetime] = getattr(zone, "_utc_transition_times", None) or []
    cuts = table[bisect_right(table, start) : bisect_left(table, end)]
    bounds = [start, *cuts, end]
    segments: list[tuple[datetime, datetime, timedelta]] = []
    for seg_start, seg_end in pairwise(bounds):
        offset = utc_offset_at(seg_start.replace(tzinfo=UTC), zone)
        if segments and segments[-1][2] == offset:
            segments[-1] = (segments[-1][0], seg_end, offset)
        else:
            segments.append((seg_start, seg_end, offset))
    return segments


def _local_midnight_naive(day: date) -> datetime:
    return datetime.combine(day, time())


def window_intervals(day: date, window: Window, zone: tzinfo) -> tuple[Interval, ...]:
    """All instants whose local date is `day` and whose wall time `t` has start <= t < end.

    A DST gap shortens (or empties) the result; a fall-back repeat is covered twice, which may
    give two disjoint intervals.
    """
    wall_start = _local_midnight_naive(day) + timedelta(minutes=window.start)
    wall_end = _local_midnight_naive(day) + timedelta(minutes=window.end)
    found: list[Interval] = []
    for seg_start, seg_end, offset in _offset_segments(
        zone, wall_start - _MARGIN, wall_end + _MARGIN
    ):
        # Within a stretch, wall time is UTC + offset, so the window is a shifted interval.
        lo = max(seg_start, wall_start - offset)
        hi = min(seg_end, wall_end - offset)
        if lo >= hi:
            continue
        if found and found[-1].end == lo.replace(tzinfo=UTC):
            found[-1] = Interval(found[-1].start, hi.replace(tzinfo=UTC))
        else:
            found.append(Interval(lo.replace(tzinfo=UTC), hi.replace(tzinfo=UTC)))
    return tuple(found)


def occurrences_on(day: date, windows: Sequence[Window], zone: tzinfo) -> list[Occurrence]:
    """The day's windows as instants, in time order (empty stretches dropped)."""
    found = [
        Occurrence(day, window, interval)
        for window in windows
        for interval in window_intervals(day, window, zone)
    ]
    found.sort(key=lambda occurrence: occurrence.interval)
    return found


def clock_change_on(day: date, zone: tzinfo) -> ClockChange | None:
    """The UTC-offset change that belongs to a local date, if any.

    A change belongs to the earlier of the two wall dates it joins, so a fall-back at
    midnight marks the repeated evening and a spring-forward at midnight marks the day that
    starts at 01:00.
    """
    midnight = _local_midnight_naive(day)
    segments = _offset_segments(zone, midnight - _MARGIN, midnight + timedelta(days=1) + _MARGIN)
    for before, after in pairwise(segments):
        at = after[0]
        owner = min((at + before[2]).date(), (at + after[2]).date())
        if owner == day:
            return ClockChange(at.replace(tzinfo=UTC), before[2], after[2])
    return None


def format_offset(offset: timedelta) -> str:
    """`timedelta(hours=-4)` -> `"-04:00"`; `timedelta(hours=5, minutes=45)` -> `"+05:45"`."""
    # Truncate the magnitude, not the signed value: floor division would turn an old LMT
    # offset such as -04:56:02 into "-04:57".
    minutes = int(abs(offset).total_seconds()) // 60
    sign = "-" if offset < timedelta(0) and minutes else "+"
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
