"""Properties of the calendar's time rules over many zones and every date from 2000 to 2037.

The oracle is SPEC §4.1 itself: an instant is in a window when its local date is the window's
date and its wall-clock time `t` satisfies `start <= t < end`, where the wall clock is read
with `instant.astimezone(zone)`. Transitions for the length property are found by scanning
offsets, not from the calendar's own table.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from itertools import pairwise

import pytz
from hypothesis import given, settings
from hypothesis import strategies as st

from alertsvc.domain.calendar import Interval, clock_change_on, window_intervals
from alertsvc.domain.schedule import (
    FIRST_SUPPORTED_DATE,
    LAST_SUPPORTED_DATE,
    MINUTES_PER_DAY,
    Window,
)

# The zones whose rules are odd in some way, so every run visits them often.
FEATURED_ZONES = (
    "America/Santiago",  # DST at local midnight
    "Australia/Lord_Howe",  # 30-minute DST
    "Pacific/Apia",  # skipped 2011-12-30
    "Pacific/Fakaofo",  # skipped 2011-12-30 too, without DST
    "Asia/Kathmandu",  # +05:45
    "Pacific/Chatham",  # +12:45 / +13:45
    "Australia/Eucla",  # +08:45 with DST in 2006-2009
    "America/St_Johns",  # -03:30, fell back at 00:01 until 2011
    "Europe/London",
    "America/New_York",
    "Africa/Casablanca",  # DST suspended for Ramadan, then permanent +01 with Ramadan -1h
    "Asia/Tehran",  # DST at midnight until 2022
    "America/Havana",  # DST at midnight
    "Asia/Gaza",  # irregular dates and hours
    "Asia/Dhaka",  # one DST year, ending at 24:00
    "Asia/Pyongyang",  # 30-minute offset changes in 2015 and 2018
    "America/Caracas",  # -04:30 from 2007 to 2016
    "Antarctica/Troll",  # a 2-hour DST
    "Pacific/Kiritimati",  # +14
    "Pacific/Marquesas",  # -09:30
    "Australia/Sydney",  # Southern hemisphere
    "Pacific/Auckland",
    "America/Indiana/Petersburg",  # 2006: EST -> CDT, a new name at the same offset
    "America/Argentina/Buenos_Aires",  # 2000: a DST flag that moves no clock
    "UTC",
)
ALL_ZONES = tuple(sorted(pytz.common_timezones))

FIRST_INSTANT = datetime.combine(FIRST_SUPPORTED_DATE, time(), UTC)
LAST_INSTANT = datetime.combine(LAST_SUPPORTED_DATE, time(23, 59, 59), UTC)
SECOND = timedelta(seconds=1)


@cache
def zone_named(name: str) -> tzinfo:
    return pytz.timezone(name)


@cache
def transitions_in_range(name: str) -> tuple[datetime, ...]:
    """pytz's transition instants from 2000 to 2037: only used to aim examples at hard spots."""
    table: list[datetime] = getattr(zone_named(name), "_utc_transition_times", None) or []
    return tuple(
        t.replace(tzinfo=UTC)
        for t in table
        if FIRST_INSTANT <= t.replace(tzinfo=UTC) <= LAST_INSTANT
    )


def wall(instant: datetime, zone: tzinfo) -> datetime:
    """The naive wall-clock reading of an instant, with the zone's offset at that instant."""
    return instant.astimezone(zone).replace(tzinfo=None)


def offset(instant: datetime, zone: tzinfo) -> timedelta:
    value = instant.astimezone(zone).utcoffset()
    assert value is not None
    return value


def midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def in_window_by_spec(instant: datetime, day: date, window: Window, zone: tzinfo) -> bool:
    """SPEC §4.1, read literally: the local date is `day` and start <= wall time < end."""
    local = instant.astimezone(zone)
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    return local.date() == day and window.start * 60 <= seconds < window.end * 60


def covered(instant: datetime, intervals: tuple[Interval, ...]) -> bool:
    return any(interval.contains(instant) for interval in intervals)


def is_transition(instant: datetime, zone: tzinfo) -> bool:
    return offset(instant - SECOND, zone) != offset(instant, zone)


def scanned_transitions(
    zone: tzinfo, start: datetime, end: datetime
) -> list[tuple[datetime, timedelta, timedelta]]:
    """Offset changes in `[start, end]` found by sampling every 30 minutes, then bisecting."""
    found = []
    step = timedelta(minutes=30)
    probe = start
    while probe < end:
        after = probe + step
        if offset(probe, zone) != offset(after, zone):
            low, high = probe, after  # offset(low) differs from offset(high)
            while high - low > SECOND:
                middle = low + SECOND * ((high - low) // SECOND // 2)
                if offset(middle, zone) == offset(low, zone):
                    low = middle
                else:
                    high = middle
            found.append((high, offset(low, zone), offset(high, zone)))
        probe = after
    return found


def overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> timedelta:
    return max(timedelta(0), min(a[1], b[1]) - max(a[0], b[0]))


# --- strategies -------------------------------------------------------------------------------

zone_names = st.one_of(st.sampled_from(FEATURED_ZONES), st.sampled_from(ALL_ZONES))

any_instant = st.integers(0, int((LAST_INSTANT - FIRST_INSTANT).total_seconds())).map(
    lambda seconds: FIRST_INSTANT + timedelta(seconds=seconds)
)


@st.composite
def instants_in(draw: st.DrawFn, name: str) -> datetime:
    """A second-precision instant, often within hours of one of the zone's transitions."""
    transitions = transitions_in_range(name)
    if transitions and draw(st.booleans()):
        near = draw(st.sampled_from(transitions))
        reach = draw(st.sampled_from((120, 3 * 3600, 30 * 3600)))
        instant = near + timedelta(seconds=draw(st.integers(-reach, reach)))
        return min(max(instant, FIRST_INSTANT), LAST_INSTANT)
    return draw(any_instant)


@st.composite
def windows(draw: st.DrawFn, around: int | None = None) -> Window:
    """Any window, or (given a wall minute) one whose edges fall within hours of it."""
    if around is not None and draw(st.booleans()):
        start = min(max(around + draw(st.integers(-150, 150)), 0), MINUTES_PER_DAY - 1)
        end = min(start + draw(st.integers(1, 240)), MINUTES_PER_DAY)
        return Window(start, end)
    start = draw(st.integers(0, MINUTES_PER_DAY - 1))
    end = draw(st.integers(start + 1, MINUTES_PER_DAY))
    return Window(start, end)


@st.composite
def zone_day_window(draw: st.DrawFn) -> tuple[str, date, Window]:
    """A zone, a local date from 2000 to 2037 (often one with a clock change), and a window."""
    name = draw(zone_names)
    zone = zone_named(name)
    instant = draw(instants_in(name))
    local = wall(instant, zone)
    day = min(max(local.date(), FIRST_SUPPORTED_DATE), LAST_SUPPORTED_DATE)
    return name, day, draw(windows(around=local.hour * 60 + local.minute))


@st.composite
def zone_instant_window(draw: st.DrawFn) -> tuple[str, datetime, Window]:
    name = draw(zone_names)
    instant = draw(instants_in(name))
    local = wall(instant, zone_named(name))
    return name, instant, draw(windows(around=local.hour * 60 + local.minute))


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(zone_instant_window())
def test_an_instant_is_in_a_window_exactly_when_its_wall_clock_says_so(
    case: tuple[str, datetime, Window],
) -> None:
    name, instant, window = case
    zone = zone_named(name)
    day = instant.astimezone(zone).date()
    assert covered(instant, window_intervals(day, window, zone)) == in_window_by_spec(
        instant, day, window, zone
    )
    # And no other date's window claims it: an instant has one local date.
    for other in (day - timedelta(days=1), day + timedelta(days=1)):
        assert not covered(instant, window_intervals(other, window, zone))


@settings(max_examples=400, deadline=None)
@given(zone_day_window())
def test_intervals_are_ordered_disjoint_maximal_and_start_at_the_bell_or_a_transition(
    case: tuple[str, date, Window],
) -> None:
    name, day, window = case
    zone = zone_named(name)
    intervals = window_intervals(day, window, zone)
    for earlier, later in pairwise(intervals):
        assert earlier.end < later.start  # ordered, disjoint and not merely touching
    bell = midnight(day) + timedelta(minutes=window.start)
    closing = midnight(day) + timedelta(minutes=window.end)
    for interval in intervals:
        assert interval.start < interval.end
        assert interval.start.tzinfo is UTC
        assert interval.end.tzinfo is UTC
        # Each edge is where the configured time is read, or where the offset changes.
        assert wall(interval.start, zone) == bell or is_transition(interval.start, zone)
        assert wall(interval.end, zone) == closing or is_transition(interval.end, zone)
        # The edges agree with the spec, and each interval is as long as it can be.
        assert in_window_by_spec(interval.start, day, window, zone)
        assert in_window_by_spec(interval.end - SECOND, day, window, zone)
        assert not in_window_by_spec(interval.start - SECOND, day, window, zone)
        assert not in_window_by_spec(interval.end, day, window, zone)


@settings(max_examples=400, deadline=None)
@given(zone_day_window())
def test_a_windows_length_is_its_span_corrected_by_the_gaps_and_repeats_it_meets(
    case: tuple[str, date, Window],
) -> None:
    name, day, window = case
    zone = zone_named(name)
    length = sum(
        (i.end - i.start for i in window_intervals(day, window, zone)),
        timedelta(0),
    )
    span = (
        midnight(day) + timedelta(minutes=window.start),
        midnight(day) + timedelta(minutes=window.end),
    )
    expected = span[1] - span[0]
    # A change at T touches the wall times between T + one offset and T + the other; with
    # offsets within -12..+14 hours, only changes within 20 hours of the span can reach it.
    reach = timedelta(hours=20)
    search = (span[0].replace(tzinfo=UTC) - reach, span[1].replace(tzinfo=UTC) + reach)
    for at, before, after in scanned_transitions(zone, *search):
        read_before = (at + before).replace(tzinfo=None)
        read_after = (at + after).replace(tzinfo=None)
        if after > before:  # a gap: wall times [read_before, read_after) are never read
            expected -= overlap(span, (read_before, read_after))
        else:  # a repeat: wall times [read_after, read_before) are read twice
            expected += overlap(span, (read_after, read_before))
    assert length == expected
    # The simple form: with no change on this date or the one before (whose change may
    # reach past midnight, as St. John's 00:01 fall-back did), a window is exactly its span.
    if (
        clock_change_on(day, zone) is None
        and clock_change_on(day - timedelta(days=1), zone) is None
    ):
        assert length == span[1] - span[0]


@settings(max_examples=300, deadline=None)
@given(zone_day_window())
def test_every_clock_change_is_reported_on_exactly_the_earlier_wall_date_it_joins(
    case: tuple[str, date, Window],
) -> None:
    name, day, _ = case
    zone = zone_named(name)
    # A change owned by `day` has T + its smaller offset on `day`, so T is within these hours.
    start = midnight(day).replace(tzinfo=UTC) - timedelta(hours=20)
    changes = [
        (at, before, after)
        for at, before, after in scanned_transitions(zone, start, start + timedelta(hours=64))
        if min((at + before).date(), (at + after).date()) == day
    ]
    reported = clock_change_on(day, zone)
    if not changes:
        assert reported is None
    else:
        assert reported is not None
        assert (reported.at, reported.from_offset, reported.to_offset) == changes[0]
