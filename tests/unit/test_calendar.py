"""The school calendar on worked examples: DST edges, odd offsets, date lines, school-day order.

Every instant here is written out by hand from the zone's published rules, so a test fails if
the calendar computes anything other than SPEC §4.1's wall-clock semantics.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

import pytest
import pytz

from alertsvc.domain.calendar import (
    ClockChange,
    DayReason,
    Interval,
    SchoolDay,
    clock_change_on,
    format_offset,
    local_date,
    occurrences_on,
    public_holiday,
    school_day,
    window_intervals,
)
from alertsvc.domain.schedule import (
    ExceptionKind,
    Place,
    Schedule,
    SchoolException,
    Term,
    Window,
    parse_hhmm,
)


def utc(text: str) -> datetime:
    """`"2026-03-08 06:30"` as an aware UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def window(start: str, end: str) -> Window:
    return Window(parse_hhmm(start), parse_hhmm(end))


def spans(*pairs: tuple[str, str]) -> tuple[Interval, ...]:
    return tuple(Interval(utc(start), utc(end)) for start, end in pairs)


def total(intervals: Sequence[Interval]) -> timedelta:
    return sum((i.end - i.start for i in intervals), timedelta())


# --- window_intervals: wall-clock windows as UTC instants --------------------------------------

WINDOW_CASES = [
    # America/New_York spring-forward, 2026-03-08: 02:00 EST -> 03:00 EDT at 07:00Z.
    pytest.param(
        "America/New_York",
        date(2026, 3, 8),
        ("01:30", "03:30"),
        spans(("2026-03-08 06:30", "2026-03-08 07:30")),
        id="new york spring-forward gap shortens 01:30-03:30 to one hour",
    ),
    pytest.param(
        "America/New_York",
        date(2026, 3, 8),
        ("02:00", "03:00"),
        (),
        id="new york window wholly inside the spring-forward gap is empty",
    ),
    pytest.param(
        "America/New_York",
        date(2026, 3, 8),
        ("02:15", "02:45"),
        (),
        id="new york window strictly inside the gap is empty",
    ),
    pytest.param(
        "America/New_York",
        date(2026, 3, 8),
        ("00:00", "24:00"),
        spans(("2026-03-08 05:00", "2026-03-09 04:00")),
        id="new york spring-forward day is 23 hours",
    ),
    # America/New_York fall-back, 2026-11-01: 02:00 EDT -> 01:00 EST at 06:00Z.
    pytest.param(
        "America/New_York",
        date(2026, 11, 1),
        ("00:30", "01:30"),
        spans(("2026-11-01 04:30", "2026-11-01 05:30"), ("2026-11-01 06:00", "2026-11-01 06:30")),
        id="new york fall-back repeat is covered twice in two intervals",
    ),
    pytest.param(
        "America/New_York",
        date(2026, 11, 1),
        ("00:00", "03:00"),
        spans(("2026-11-01 04:00", "2026-11-01 08:00")),
        id="new york window spanning the whole repeat is one four hour interval",
    ),
    pytest.param(
        "America/New_York",
        date(2026, 11, 1),
        ("01:00", "02:00"),
        spans(("2026-11-01 05:00", "2026-11-01 07:00")),
        id="new york window equal to the repeat is two hours in one interval",
    ),
    pytest.param(
        "America/New_York",
        date(2026, 11, 1),
        ("08:00", "15:00"),
        spans(("2026-11-01 13:00", "2026-11-01 20:00")),
        id="new york window after the fall-back is untouched",
    ),
    pytest.param(
        "America/New_York",
        date(2026, 6, 15),
        ("22:00", "24:00"),
        spans(("2026-06-16 02:00", "2026-06-16 04:00")),
        id="new york window ending 24:00 ends at the next local midnight",
    ),
    # Australia/Lord_Howe moves its clocks by 30 minutes at 02:00.
    pytest.param(
        "Australia/Lord_Howe",
        date(2026, 10, 4),
        ("02:00", "03:00"),
        spans(("2026-10-03 15:30", "2026-10-03 16:00")),
        id="lord howe half hour gap shortens a window to 30 minutes",
    ),
    pytest.param(
        "Australia/Lord_Howe",
        date(2026, 10, 4),
        ("02:00", "02:30"),
        (),
        id="lord howe window equal to the half hour gap is empty",
    ),
    pytest.param(
        "Australia/Lord_Howe",
        date(2026, 4, 5),
        ("01:00", "03:00"),
        spans(("2026-04-04 14:00", "2026-04-04 16:30")),
        id="lord howe half hour repeat lengthens a window by 30 minutes",
    ),
    pytest.param(
        "Australia/Lord_Howe",
        date(2026, 4, 5),
        ("01:45", "02:00"),
        spans(("2026-04-04 14:45", "2026-04-04 15:00"), ("2026-04-04 15:15", "2026-04-04 15:30")),
        id="lord howe window inside the half hour repeat is covered twice",
    ),
    pytest.param(
        "Australia/Lord_Howe",
        date(2026, 6, 15),
        ("08:00", "15:00"),
        spans(("2026-06-14 21:30", "2026-06-15 04:30")),
        id="lord howe winter offset is plus 10:30",
    ),
    # America/Santiago changes its clocks at local midnight.
    pytest.param(
        "America/Santiago",
        date(2026, 9, 6),
        ("00:00", "24:00"),
        spans(("2026-09-06 04:00", "2026-09-07 03:00")),
        id="santiago spring-forward day starts at 01:00 and is 23 hours",
    ),
    pytest.param(
        "America/Santiago",
        date(2026, 9, 6),
        ("00:00", "01:00"),
        (),
        id="santiago hour before 01:00 on the spring-forward day does not exist",
    ),
    pytest.param(
        "America/Santiago",
        date(2026, 9, 5),
        ("00:00", "24:00"),
        spans(("2026-09-05 04:00", "2026-09-06 04:00")),
        id="santiago day before the spring-forward is 24 hours",
    ),
    pytest.param(
        "America/Santiago",
        date(2026, 4, 4),
        ("00:00", "24:00"),
        spans(("2026-04-04 03:00", "2026-04-05 04:00")),
        id="santiago repeated evening makes a 25 hour day",
    ),
    pytest.param(
        "America/Santiago",
        date(2026, 4, 4),
        ("22:00", "24:00"),
        spans(("2026-04-05 01:00", "2026-04-05 04:00")),
        id="santiago window ending 24:00 covers the repeated hour",
    ),
    pytest.param(
        "America/Santiago",
        date(2026, 4, 5),
        ("00:00", "24:00"),
        spans(("2026-04-05 04:00", "2026-04-06 04:00")),
        id="santiago day after the repeated evening is 24 hours",
    ),
    # Half-hour and 45-minute offsets.
    pytest.param(
        "Asia/Kathmandu",
        date(2026, 6, 15),
        ("10:00", "15:00"),
        spans(("2026-06-15 04:15", "2026-06-15 09:15")),
        id="kathmandu plus 05:45",
    ),
    pytest.param(
        "Pacific/Chatham",
        date(2026, 6, 15),
        ("09:00", "15:00"),
        spans(("2026-06-14 20:15", "2026-06-15 02:15")),
        id="chatham winter plus 12:45",
    ),
    pytest.param(
        "Pacific/Chatham",
        date(2026, 1, 15),
        ("09:00", "15:00"),
        spans(("2026-01-14 19:15", "2026-01-15 01:15")),
        id="chatham summer plus 13:45",
    ),
    pytest.param(
        "America/St_Johns",
        date(2026, 1, 15),
        ("08:00", "15:00"),
        spans(("2026-01-15 11:30", "2026-01-15 18:30")),
        id="st johns minus 03:30",
    ),
    # The Southern hemisphere: summer time in January, standard time in July.
    pytest.param(
        "Australia/Sydney",
        date(2026, 1, 15),
        ("09:00", "15:00"),
        spans(("2026-01-14 22:00", "2026-01-15 04:00")),
        id="sydney january is daylight time plus 11",
    ),
    pytest.param(
        "Australia/Sydney",
        date(2026, 7, 15),
        ("09:00", "15:00"),
        spans(("2026-07-14 23:00", "2026-07-15 05:00")),
        id="sydney july is standard time plus 10",
    ),
    pytest.param(
        "Australia/Sydney",
        date(2026, 10, 4),
        ("00:00", "24:00"),
        spans(("2026-10-03 14:00", "2026-10-04 13:00")),
        id="sydney october spring-forward day is 23 hours",
    ),
    pytest.param(
        "Australia/Sydney",
        date(2026, 4, 5),
        ("02:00", "03:00"),
        spans(("2026-04-04 15:00", "2026-04-04 17:00")),
        id="sydney april repeat covers 02:00-03:00 twice",
    ),
    # The date line: Monday morning in Auckland is Sunday in UTC.
    pytest.param(
        "Pacific/Auckland",
        date(2026, 6, 15),
        ("08:00", "15:00"),
        spans(("2026-06-14 20:00", "2026-06-15 03:00")),
        id="auckland monday morning is sunday evening utc",
    ),
    # Pacific/Apia skipped 2011-12-30 when it moved across the date line.
    pytest.param(
        "Pacific/Apia",
        date(2011, 12, 30),
        ("00:00", "24:00"),
        (),
        id="apia 2011-12-30 never happened",
    ),
    pytest.param(
        "Pacific/Apia",
        date(2011, 12, 30),
        ("08:00", "15:00"),
        (),
        id="apia school hours on 2011-12-30 are empty",
    ),
    pytest.param(
        "Pacific/Apia",
        date(2011, 12, 29),
        ("00:00", "24:00"),
        spans(("2011-12-29 10:00", "2011-12-30 10:00")),
        id="apia 2011-12-29 is a full day at minus 10",
    ),
    pytest.param(
        "Pacific/Apia",
        date(2011, 12, 31),
        ("00:00", "24:00"),
        spans(("2011-12-30 10:00", "2011-12-31 10:00")),
        id="apia 2011-12-31 is a full day at plus 14",
    ),
    # Leap day.
    pytest.param(
        "Europe/London",
        date(2028, 2, 29),
        ("08:00", "15:00"),
        spans(("2028-02-29 08:00", "2028-02-29 15:00")),
        id="london leap day",
    ),
    pytest.param(
        "Pacific/Auckland",
        date(2028, 2, 29),
        ("08:00", "24:00"),
        spans(("2028-02-28 19:00", "2028-02-29 11:00")),
        id="auckland leap day in daylight time runs to the first of march midnight",
    ),
    pytest.param(
        "America/Los_Angeles",
        date(2028, 2, 29),
        ("20:00", "24:00"),
        spans(("2028-03-01 04:00", "2028-03-01 08:00")),
        id="los angeles leap day evening is the first of march utc",
    ),
    # Zones with no transitions at all.
    pytest.param(
        "UTC",
        date(2026, 3, 8),
        ("00:00", "24:00"),
        spans(("2026-03-08 00:00", "2026-03-09 00:00")),
        id="utc days are always 24 hours",
    ),
    pytest.param(
        "Etc/GMT+5",
        date(2026, 3, 8),
        ("08:00", "15:00"),
        spans(("2026-03-08 13:00", "2026-03-08 20:00")),
        id="a fixed offset zone",
    ),
]


@pytest.mark.parametrize(("zone_name", "day", "hours", "expected"), WINDOW_CASES)
def test_window_covers_exactly_the_wall_clock_instants_of_its_local_date(
    zone_name: str, day: date, hours: tuple[str, str], expected: tuple[Interval, ...]
) -> None:
    assert window_intervals(day, window(*hours), pytz.timezone(zone_name)) == expected


def test_a_repeat_crossing_midnight_lengthens_the_next_days_first_window() -> None:
    # St. John's fell back at 00:01 until 2011: 00:00:59 NDT -> 23:01 NST the evening before,
    # so 00:00-00:01 of 2006-10-29 happened twice although the change belongs to 10-28.
    zone = pytz.timezone("America/St_Johns")
    intervals = window_intervals(date(2006, 10, 29), window("00:00", "00:30"), zone)
    assert intervals == spans(
        ("2006-10-29 02:30", "2006-10-29 02:31"), ("2006-10-29 03:30", "2006-10-29 04:00")
    )
    assert total(intervals) == timedelta(minutes=31)
    assert clock_change_on(date(2006, 10, 28), zone) is not None
    assert clock_change_on(date(2006, 10, 29), zone) is None


@pytest.mark.parametrize(
    ("zone_name", "day", "utc_offset"),
    [
        pytest.param("America/Indiana/Petersburg", date(2006, 4, 2), "-05:00", id="est to cdt"),
        pytest.param("Africa/Casablanca", date(2018, 10, 28), "+01:00", id="summer time kept"),
        pytest.param("America/Argentina/Buenos_Aires", date(2000, 3, 3), "-03:00", id="dst flag"),
    ],
)
def test_a_new_zone_name_without_a_new_offset_is_no_clock_change(
    zone_name: str, day: date, utc_offset: str
) -> None:
    # The zone database records a transition here, but the wall clock does not move.
    zone = pytz.timezone(zone_name)
    assert clock_change_on(day, zone) is None
    (whole_day,) = window_intervals(day, window("00:00", "24:00"), zone)
    assert whole_day.end - whole_day.start == timedelta(hours=24)
    assert format_offset(-(whole_day.start - datetime.combine(day, time(), UTC))) == utc_offset


def test_auckland_monday_school_hours_start_on_a_utc_sunday() -> None:
    zone = pytz.timezone("Pacific/Auckland")
    monday = date(2026, 6, 15)
    assert monday.weekday() == 0
    schedule = Schedule(weekly=((window("08:00", "15:00"),), (), (), (), (), (), ()))
    verdict = school_day(monday, schedule, (), Place("Pacific/Auckland"))
    assert school_day(date(2026, 6, 14), schedule, (), Place("Pacific/Auckland")).reason == (
        DayReason.WEEKLY_OFF
    )
    (occurrence,) = occurrences_on(monday, verdict.windows, zone)
    first_bell = occurrence.interval.start
    assert first_bell.weekday() == 6
    assert local_date(first_bell, zone) == monday
    sunday_night_utc = utc("2026-06-14 20:30")
    assert occurrence.interval.contains(sunday_night_utc)
    place = Place("Pacific/Auckland")
    assert school_day(local_date(sunday_night_utc, zone), schedule, (), place).school_day


def test_end_of_window_is_exclusive_and_start_inclusive() -> None:
    zone = pytz.timezone("America/New_York")
    (interval,) = window_intervals(date(2026, 6, 15), window("08:00", "15:00"), zone)
    assert interval.contains(utc("2026-06-15 12:00"))
    assert interval.contains(utc("2026-06-15 18:59:59"))
    assert not interval.contains(utc("2026-06-15 19:00"))
    assert not interval.contains(utc("2026-06-15 11:59:59"))


def test_occurrences_come_in_time_order_with_their_window() -> None:
    zone = pytz.timezone("America/New_York")
    late, early = window("01:30", "03:00"), window("00:15", "01:15")
    found = occurrences_on(date(2026, 11, 1), [late, early], zone)
    assert [(o.window, o.interval) for o in found] == [
        (early, Interval(utc("2026-11-01 04:15"), utc("2026-11-01 05:15"))),
        (late, Interval(utc("2026-11-01 05:30"), utc("2026-11-01 06:00"))),
        (early, Interval(utc("2026-11-01 06:00"), utc("2026-11-01 06:15"))),
        (late, Interval(utc("2026-11-01 06:30"), utc("2026-11-01 08:00"))),
    ]
    assert all(o.day == date(2026, 11, 1) for o in found)


def test_a_window_a_gap_swallows_yields_no_occurrence() -> None:
    zone = pytz.timezone("America/New_York")
    assert occurrences_on(date(2026, 3, 8), [window("02:00", "03:00")], zone) == []


# --- clock_change_on --------------------------------------------------------------------------

CLOCK_CHANGES = [
    pytest.param(
        "America/New_York", date(2026, 3, 8), "2026-03-08 07:00", "-05:00", "-04:00", id="ny spring"
    ),
    pytest.param(
        "America/New_York", date(2026, 11, 1), "2026-11-01 06:00", "-04:00", "-05:00", id="ny fall"
    ),
    pytest.param(
        "Europe/London", date(2026, 3, 29), "2026-03-29 01:00", "+00:00", "+01:00", id="london"
    ),
    pytest.param(
        "Australia/Lord_Howe",
        date(2026, 10, 4),
        "2026-10-03 15:30",
        "+10:30",
        "+11:00",
        id="lord howe half hour forward",
    ),
    pytest.param(
        "Australia/Lord_Howe",
        date(2026, 4, 5),
        "2026-04-04 15:00",
        "+11:00",
        "+10:30",
        id="lord howe half hour back",
    ),
    pytest.param(
        "Australia/Sydney",
        date(2026, 10, 4),
        "2026-10-03 16:00",
        "+10:00",
        "+11:00",
        id="sydney forward in october",
    ),
    pytest.param(
        "Australia/Sydney",
        date(2026, 4, 5),
        "2026-04-04 16:00",
        "+11:00",
        "+10:00",
        id="sydney back in april",
    ),
    pytest.param(
        "America/Santiago",
        date(2026, 9, 6),
        "2026-09-06 04:00",
        "-04:00",
        "-03:00",
        id="santiago spring-forward at midnight marks the day that starts at 01:00",
    ),
    pytest.param(
        "America/Santiago",
        date(2026, 4, 4),
        "2026-04-05 03:00",
        "-03:00",
        "-04:00",
        id="santiago fall-back at midnight marks the repeated evening",
    ),
    pytest.param(
        "Pacific/Chatham",
        date(2026, 9, 27),
        "2026-09-26 14:00",
        "+12:45",
        "+13:45",
        id="chatham 45 minute offsets",
    ),
    pytest.param(
        "Asia/Tehran",
        date(2022, 3, 22),
        "2022-03-21 20:30",
        "+03:30",
        "+04:30",
        id="tehran spring-forward at midnight",
    ),
    pytest.param(
        "Pacific/Apia",
        date(2011, 12, 30),
        "2011-12-30 10:00",
        "-10:00",
        "+14:00",
        id="apia skips 2011-12-30 and the change is reported on it",
    ),
    pytest.param(
        "America/St_Johns",
        date(2006, 10, 28),
        "2006-10-29 02:31",
        "-02:30",
        "-03:30",
        id="st johns fall-back at 00:01 marks the repeated evening",
    ),
]


@pytest.mark.parametrize(("zone_name", "day", "at", "before", "after"), CLOCK_CHANGES)
def test_a_clock_change_is_reported_on_the_earlier_wall_date_it_joins(
    zone_name: str, day: date, at: str, before: str, after: str
) -> None:
    zone = pytz.timezone(zone_name)
    change = clock_change_on(day, zone)
    assert change is not None
    assert change.at == utc(at)
    assert (format_offset(change.from_offset), format_offset(change.to_offset)) == (before, after)
    assert clock_change_on(day - timedelta(days=1), zone) is None
    assert clock_change_on(day + timedelta(days=1), zone) is None


def test_clock_change_offsets_are_exact_timedeltas() -> None:
    change = clock_change_on(date(2026, 10, 4), pytz.timezone("Australia/Lord_Howe"))
    assert change == ClockChange(
        utc("2026-10-03 15:30"), timedelta(hours=10, minutes=30), timedelta(hours=11)
    )


@pytest.mark.parametrize(
    ("zone_name", "day"),
    [
        ("America/New_York", date(2026, 6, 15)),
        ("America/New_York", date(2026, 3, 7)),
        ("America/New_York", date(2026, 3, 9)),
        ("America/Santiago", date(2026, 4, 5)),
        ("America/Santiago", date(2026, 9, 5)),
        ("Asia/Kathmandu", date(2026, 6, 15)),
        ("Pacific/Chatham", date(2026, 6, 15)),
        ("Australia/Sydney", date(2026, 1, 15)),
        ("Pacific/Apia", date(2011, 12, 29)),
        ("Pacific/Apia", date(2011, 12, 31)),
        ("Europe/London", date(2028, 2, 29)),
        ("UTC", date(2026, 3, 8)),
        ("Etc/GMT-14", date(2026, 3, 8)),
    ],
)
def test_an_ordinary_day_has_no_clock_change(zone_name: str, day: date) -> None:
    assert clock_change_on(day, pytz.timezone(zone_name)) is None


@pytest.mark.parametrize(
    ("offset", "text"),
    [
        (timedelta(0), "+00:00"),
        (timedelta(hours=-4), "-04:00"),
        (timedelta(hours=1), "+01:00"),
        (timedelta(hours=-3, minutes=-30), "-03:30"),
        (timedelta(hours=10, minutes=30), "+10:30"),
        (timedelta(hours=5, minutes=45), "+05:45"),
        (timedelta(hours=12, minutes=45), "+12:45"),
        (timedelta(hours=-9, minutes=-30), "-09:30"),
        (timedelta(minutes=-30), "-00:30"),
        (timedelta(hours=14), "+14:00"),
        (timedelta(hours=-12), "-12:00"),
        (timedelta(hours=-4, minutes=-56, seconds=-2), "-04:56"),
        (timedelta(seconds=-20), "+00:00"),
    ],
)
def test_offsets_are_formatted_as_signed_hh_mm(offset: timedelta, text: str) -> None:
    assert format_offset(offset) == text


# --- school_day: SPEC §4.1's rules in order ---------------------------------------------------

NINE_TO_THREE = (window("09:00", "15:00"),)
HALF_DAY = (window("08:00", "12:00"),)
LATE_START = (window("10:00", "15:00"),)
# Monday to Friday, a 2025/26 school year, in California.
WEEKDAYS_ONLY = Schedule(
    weekly=(NINE_TO_THREE,) * 5 + ((), ()),
    term=Term(date(2025, 8, 20), date(2026, 6, 12)),
)
CALIFORNIA = Place("America/Los_Angeles", "US", "CA")

TUESDAY = date(2026, 3, 24)
SATURDAY = date(2026, 3, 28)
CESAR_CHAVEZ_DAY = date(2026, 3, 31)  # a Tuesday; a holiday in California only
INDEPENDENCE_OBSERVED = date(2026, 7, 3)  # a Friday, outside the term
SUMMER_TUESDAY = date(2026, 7, 7)


def no_school(first: date, last: date, note: str | None = "Spring break") -> SchoolException:
    return SchoolException(f"ex-{first}", first, last, ExceptionKind.NO_SCHOOL, (), note)


def custom(first: date, last: date, windows: tuple[Window, ...], note: str) -> SchoolException:
    return SchoolException(f"ex-{first}", first, last, ExceptionKind.CUSTOM_HOURS, windows, note)


SCHOOL_DAY_CASES = [
    pytest.param(
        TUESDAY,
        WEEKDAYS_ONLY,
        (),
        CALIFORNIA,
        SchoolDay(TUESDAY, True, None, None, NINE_TO_THREE),
        id="an ordinary tuesday uses the weekly windows",
    ),
    pytest.param(
        SATURDAY,
        WEEKDAYS_ONLY,
        (),
        CALIFORNIA,
        SchoolDay(SATURDAY, False, DayReason.WEEKLY_OFF, None, ()),
        id="a weekday with no windows is weekly off",
    ),
    pytest.param(
        CESAR_CHAVEZ_DAY,
        WEEKDAYS_ONLY,
        (),
        CALIFORNIA,
        SchoolDay(CESAR_CHAVEZ_DAY, False, DayReason.PUBLIC_HOLIDAY, "Cesar Chavez Day", ()),
        id="a subdivision holiday beats the weekly windows",
    ),
    pytest.param(
        CESAR_CHAVEZ_DAY,
        WEEKDAYS_ONLY,
        (),
        Place("America/New_York", "US", "NY"),
        SchoolDay(CESAR_CHAVEZ_DAY, True, None, None, NINE_TO_THREE),
        id="another subdivision does not observe it",
    ),
    pytest.param(
        CESAR_CHAVEZ_DAY,
        WEEKDAYS_ONLY,
        (),
        Place("America/Los_Angeles", "US"),
        SchoolDay(CESAR_CHAVEZ_DAY, True, None, None, NINE_TO_THREE),
        id="the country alone does not observe it",
    ),
    pytest.param(
        CESAR_CHAVEZ_DAY,
        WEEKDAYS_ONLY,
        (),
        Place("America/Los_Angeles"),
        SchoolDay(CESAR_CHAVEZ_DAY, True, None, None, NINE_TO_THREE),
        id="no country means no public holidays",
    ),
    pytest.param(
        CESAR_CHAVEZ_DAY,
        Schedule(
            weekly=WEEKDAYS_ONLY.weekly, term=WEEKDAYS_ONLY.term, observe_public_holidays=False
        ),
        (),
        CALIFORNIA,
        SchoolDay(CESAR_CHAVEZ_DAY, True, None, None, NINE_TO_THREE),
        id="holidays are ignored when the schedule does not observe them",
    ),
    pytest.param(
        SUMMER_TUESDAY,
        WEEKDAYS_ONLY,
        (),
        CALIFORNIA,
        SchoolDay(
            SUMMER_TUESDAY,
            False,
            DayReason.OUTSIDE_TERM,
            "Term runs 2025-08-20 to 2026-06-12",
            (),
        ),
        id="a weekday after the term is outside term",
    ),
    pytest.param(
        date(2025, 8, 19),
        WEEKDAYS_ONLY,
        (),
        CALIFORNIA,
        SchoolDay(
            date(2025, 8, 19),
            False,
            DayReason.OUTSIDE_TERM,
            "Term runs 2025-08-20 to 2026-06-12",
            (),
        ),
        id="the day before the first day is outside term",
    ),
    pytest.param(
        date(2026, 6, 12),
        WEEKDAYS_ONLY,
        (),
        CALIFORNIA,
        SchoolDay(date(2026, 6, 12), True, None, None, NINE_TO_THREE),
        id="the last day of term is in the term",
    ),
    pytest.param(
        INDEPENDENCE_OBSERVED,
        WEEKDAYS_ONLY,
        (),
        CALIFORNIA,
        SchoolDay(
            INDEPENDENCE_OBSERVED,
            False,
            DayReason.OUTSIDE_TERM,
            "Term runs 2025-08-20 to 2026-06-12",
            (),
        ),
        id="the term beats a public holiday",
    ),
    pytest.param(
        INDEPENDENCE_OBSERVED,
        Schedule(weekly=WEEKDAYS_ONLY.weekly),
        (),
        CALIFORNIA,
        SchoolDay(
            INDEPENDENCE_OBSERVED,
            False,
            DayReason.PUBLIC_HOLIDAY,
            "Independence Day (observed)",
            (),
        ),
        id="without a term an observed holiday is a holiday",
    ),
    pytest.param(
        TUESDAY,
        WEEKDAYS_ONLY,
        (no_school(TUESDAY, TUESDAY),),
        CALIFORNIA,
        SchoolDay(TUESDAY, False, DayReason.EXCEPTION, "Spring break", ()),
        id="a no school exception beats the weekly windows",
    ),
    pytest.param(
        TUESDAY,
        WEEKDAYS_ONLY,
        (no_school(TUESDAY, TUESDAY, note=None),),
        CALIFORNIA,
        SchoolDay(TUESDAY, False, DayReason.EXCEPTION, "No school", ()),
        id="a no school exception without a note still explains itself",
    ),
    pytest.param(
        TUESDAY,
        WEEKDAYS_ONLY,
        (custom(TUESDAY, TUESDAY, HALF_DAY, "Half day"),),
        CALIFORNIA,
        SchoolDay(TUESDAY, True, None, "Half day", HALF_DAY),
        id="custom hours replace the weekly windows",
    ),
    pytest.param(
        SATURDAY,
        WEEKDAYS_ONLY,
        (custom(SATURDAY, SATURDAY, HALF_DAY, "Saturday exam"),),
        CALIFORNIA,
        SchoolDay(SATURDAY, True, None, "Saturday exam", HALF_DAY),
        id="custom hours make a weekly off day a school day",
    ),
    pytest.param(
        SUMMER_TUESDAY,
        WEEKDAYS_ONLY,
        (custom(SUMMER_TUESDAY, SUMMER_TUESDAY, HALF_DAY, "Summer school"),),
        CALIFORNIA,
        SchoolDay(SUMMER_TUESDAY, True, None, "Summer school", HALF_DAY),
        id="an exception beats the term",
    ),
    pytest.param(
        CESAR_CHAVEZ_DAY,
        WEEKDAYS_ONLY,
        (custom(CESAR_CHAVEZ_DAY, CESAR_CHAVEZ_DAY, LATE_START, "Make-up day"),),
        CALIFORNIA,
        SchoolDay(CESAR_CHAVEZ_DAY, True, None, "Make-up day", LATE_START),
        id="an exception beats a public holiday",
    ),
    pytest.param(
        TUESDAY,
        WEEKDAYS_ONLY,
        (
            no_school(date(2026, 3, 23), date(2026, 3, 27)),
            custom(TUESDAY, TUESDAY, HALF_DAY, "Exam"),
        ),
        CALIFORNIA,
        SchoolDay(TUESDAY, True, None, "Exam", HALF_DAY),
        id="the later created custom hours beat an earlier no school week",
    ),
    pytest.param(
        TUESDAY,
        WEEKDAYS_ONLY,
        (
            custom(TUESDAY, TUESDAY, HALF_DAY, "Exam"),
            no_school(date(2026, 3, 23), date(2026, 3, 27)),
        ),
        CALIFORNIA,
        SchoolDay(TUESDAY, False, DayReason.EXCEPTION, "Spring break", ()),
        id="the later created no school week beats earlier custom hours",
    ),
    pytest.param(
        TUESDAY,
        WEEKDAYS_ONLY,
        (
            custom(TUESDAY, TUESDAY, HALF_DAY, "Exam"),
            custom(date(2026, 3, 1), date(2026, 3, 31), LATE_START, "Late starts"),
            no_school(date(2026, 4, 1), date(2026, 4, 3)),
        ),
        CALIFORNIA,
        SchoolDay(TUESDAY, True, None, "Late starts", LATE_START),
        id="the last covering exception wins and later non covering ones do not count",
    ),
    pytest.param(
        date(2026, 3, 23),
        WEEKDAYS_ONLY,
        (
            no_school(date(2026, 3, 23), date(2026, 3, 27)),
            custom(TUESDAY, TUESDAY, HALF_DAY, "Exam"),
        ),
        CALIFORNIA,
        SchoolDay(date(2026, 3, 23), False, DayReason.EXCEPTION, "Spring break", ()),
        id="an exception covers its first day inclusively",
    ),
    pytest.param(
        date(2026, 3, 27),
        WEEKDAYS_ONLY,
        (no_school(date(2026, 3, 23), date(2026, 3, 27)),),
        CALIFORNIA,
        SchoolDay(date(2026, 3, 27), False, DayReason.EXCEPTION, "Spring break", ()),
        id="an exception covers its last day inclusively",
    ),
    pytest.param(
        date(2026, 3, 30),
        WEEKDAYS_ONLY,
        (no_school(date(2026, 3, 23), date(2026, 3, 27)),),
        CALIFORNIA,
        SchoolDay(date(2026, 3, 30), True, None, None, NINE_TO_THREE),
        id="the day after an exception is back to the weekly windows",
    ),
    pytest.param(
        date(2028, 2, 29),
        Schedule(weekly=WEEKDAYS_ONLY.weekly, term=Term(date(2027, 9, 1), date(2028, 6, 15))),
        (),
        CALIFORNIA,
        SchoolDay(date(2028, 2, 29), True, None, None, NINE_TO_THREE),
        id="leap day is a tuesday in the term",
    ),
    pytest.param(
        date(2028, 2, 29),
        WEEKDAYS_ONLY,
        (no_school(date(2028, 2, 28), date(2028, 3, 1), "Ski week"),),
        CALIFORNIA,
        SchoolDay(date(2028, 2, 29), False, DayReason.EXCEPTION, "Ski week", ()),
        id="an exception spanning leap day covers it",
    ),
]


@pytest.mark.parametrize(("day", "schedule", "exceptions", "place", "expected"), SCHOOL_DAY_CASES)
def test_school_day_applies_exception_then_term_then_holiday_then_weekly(
    day: date,
    schedule: Schedule,
    exceptions: Sequence[SchoolException],
    place: Place,
    expected: SchoolDay,
) -> None:
    assert school_day(day, schedule, exceptions, place) == expected


@pytest.mark.parametrize(
    ("day", "bavaria", "berlin"),
    [
        pytest.param(date(2026, 1, 6), "Epiphany", None, id="epiphany is bavarian"),
        pytest.param(date(2026, 6, 4), "Corpus Christi", None, id="corpus christi is bavarian"),
        pytest.param(date(2027, 3, 8), None, "Women's Day", id="womens day is berlins"),
        pytest.param(date(2026, 10, 3), "German Unity Day", "German Unity Day", id="national"),
        pytest.param(date(2026, 1, 7), None, None, id="an ordinary day"),
    ],
)
def test_public_holidays_follow_the_subdivision(
    day: date, bavaria: str | None, berlin: str | None
) -> None:
    assert public_holiday(day, Place("Europe/Berlin", "DE", "BY")) == bavaria
    assert public_holiday(day, Place("Europe/Berlin", "DE", "BE")) == berlin


def test_a_subdivision_holiday_is_a_day_off_only_there() -> None:
    week = Schedule(weekly=(NINE_TO_THREE,) * 5 + ((), ()))
    bavaria = school_day(date(2026, 1, 6), week, (), Place("Europe/Berlin", "DE", "BY"))
    berlin = school_day(date(2026, 1, 6), week, (), Place("Europe/Berlin", "DE", "BE"))
    assert (bavaria.school_day, bavaria.reason, bavaria.detail) == (
        False,
        DayReason.PUBLIC_HOLIDAY,
        "Epiphany",
    )
    assert (berlin.school_day, berlin.reason) == (True, None)
