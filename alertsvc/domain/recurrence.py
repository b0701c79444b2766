"""Recurrence rules of whole days (RFC 5545 RRULE), expanded over a bounded range of dates.

python-dateutil walks a rule period after period until one of its dates passes the end of
the range asked for, so a rule with no date after that end (`BYMONTH=2;BYMONTHDAY=30`, or
an INTERVAL that keeps missing its BYDAY) walks on to the year 9999. Here the walk starts
at the first period that can matter, stops at the end of the range, and charges every day
it looks at to a `WorkBudget`, so no rule can cost more than the range it is asked about.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import Enum

from alertsvc.domain.message import msg

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_MAX_ORDINAL = date.max.toordinal()


class Frequency(Enum):
    YEARLY = "YEARLY"
    MONTHLY = "MONTHLY"
    WEEKLY = "WEEKLY"
    DAILY = "DAILY"


class WorkExhaustedError(Exception):
    """Expanding would look at more days than the budget allows."""


class WorkBudget:
    """The days that expansions may look at in total; `used` says how many they did.

    Mutable on purpose: one budget is shared by every rule of one import.
    """

    __slots__ = ("limit", "used")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def charge(self, days: int) -> None:
        self.used += days
        if self.used > self.limit:
            raise WorkExhaustedError(msg("more than %(limit)d days to look at", limit=self.limit))


def _check(values: frozenset[int], low: int, high: int, name: str) -> None:
    if any(value == 0 or not low <= value <= high for value in values):
        raise ValueError(
            msg(
                "%(name)s must be within %(low)d..%(high)d and not 0", name=name, low=low, high=high
            )
        )


@dataclass(frozen=True, slots=True)
class DayRule:
    """One RRULE of an all-day series; empty sets mean the part is absent.

    `weekdays` holds (weekday, ordinal) pairs, Monday = 0, ordinal 0 for "every" (`MO`)
    and n for the n-th of the month or year (`1MO`, `-1FR`). `week_start` is WKST.
    """

    frequency: Frequency
    interval: int = 1
    count: int | None = None
    until: date | None = None
    week_start: int = 0
    months: frozenset[int] = frozenset()
    week_numbers: frozenset[int] = frozenset()
    year_days: frozenset[int] = frozenset()
    month_days: frozenset[int] = frozenset()
    weekdays: frozenset[tuple[int, int]] = frozenset()
    set_positions: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if self.interval < 1:
            raise ValueError(msg("%(name)s must be at least 1", name="INTERVAL"))
        if self.count is not None and self.count < 1:
            raise ValueError(msg("%(name)s must be at least 1", name="COUNT"))
        if not 0 <= self.week_start <= 6:
            raise ValueError(msg("%(name)s must be a weekday", name="WKST"))
        _check(self.months, 1, 12, "BYMONTH")
        _check(self.week_numbers, -53, 53, "BYWEEKNO")
        _check(self.year_days, -366, 366, "BYYEARDAY")
        _check(self.month_days, -31, 31, "BYMONTHDAY")
        _check(self.set_positions, -366, 366, "BYSETPOS")
        if any(not 0 <= day <= 6 or not -53 <= n <= 53 for day, n in self.weekdays):
            raise ValueError(
                msg("%(name)s must be weekdays with an ordinal within -53..53", name="BYDAY")
            )


def _month_length(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def _year_length(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def _week1_start(year: int, week_start: int) -> int:
    """Ordinal of the first day of week 1: the week (from WKST) that holds January 4th.

    Computed without `date`, which ends with the year 9999, because week 1 of the next
    year is needed for the last days of any year.
    """
    before = year - 1
    jan4 = before * 365 + before // 4 - before // 100 + before // 400 + 4
    return jan4 - ((jan4 - 1) % 7 - week_start) % 7


def _week_number(day: date, week_start: int) -> tuple[int, int]:
    """(week number, weeks in that week-numbering year) of `day`, weeks starting on WKST."""
    ordinal = day.toordinal()
    year = day.year
    start = _week1_start(year, week_start)
    following = _week1_start(year + 1, week_start)
    if ordinal < start:
        following, start = start, _week1_start(year - 1, week_start)
    elif ordinal >= following:
        start, following = following, _week1_start(year + 2, week_start)
    return (ordinal - start) // 7 + 1, (following - start) // 7


@dataclass(frozen=True, slots=True)
class _Filters:
    """The BYxxx parts of a rule for one DTSTART, as a test of single days."""

    months: frozenset[int]
    week_numbers: frozenset[int]
    year_days: frozenset[int]
    month_days: frozenset[int]
    every_weekday: frozenset[int]
    nth_weekdays: frozenset[tuple[int, int]]
    nth_in_year: bool
    week_start: int

    @classmethod
    def of(cls, rule: DayRule, dtstart: date) -> _Filters:
        months, month_days, weekdays = rule.months, rule.month_days, rule.weekdays
        # A rule without BYxxx parts repeats DTSTART's month day, weekday or date (RFC 5545).
        if not (rule.week_numbers or rule.year_days or month_days or weekdays):
            if rule.frequency is Frequency.YEARLY:
                months = months or frozenset({dtstart.month})
                month_days = frozenset({dtstart.day})
            elif rule.frequency is Frequency.MONTHLY:
                month_days = frozenset({dtstart.day})
            elif rule.frequency is Frequency.WEEKLY:
                weekdays = frozenset({(dtstart.weekday(), 0)})
        # An ordinal BYDAY means the n-th in the month or year; weekly and daily rules ignore it.
        ordinals = rule.frequency in (Frequency.YEARLY, Frequency.MONTHLY)
        return cls(
            months=months,
            week_numbers=rule.week_numbers,
            year_days=rule.year_days,
            month_days=month_days,
            every_weekday=frozenset(d for d, n in weekdays if n == 0 or not ordinals),
            nth_weekdays=frozenset((d, n) for d, n in weekdays if n != 0 and ordinals),
            nth_in_year=rule.frequency is Frequency.YEARLY and not months,
            week_start=rule.week_start,
        )

    def _nth(self, day: date, n: int) -> bool:
        if self.nth_in_year:
            first, length = date(day.year, 1, 1), _year_length(day.year)
        else:
            first, length = day.replace(day=1), _month_length(day)
        index = (day - first).days
        return index // 7 + 1 == n if n > 0 else (length - 1 - index) // 7 + 1 == -n

    def _weekday(self, day: date) -> bool:
        weekday = day.weekday()
        if weekday in self.every_weekday:
            return True
        return any(d == weekday and self._nth(day, n) for d, n in self.nth_weekdays)

    def match(self, day: date) -> bool:
        if self.months and day.month not in self.months:
            return False
        if self.month_days:
            negative = day.day - _month_length(day) - 1
            if day.day not in self.month_days and negative not in self.month_days:
                return False
        if self.year_days:
            number = day.timetuple().tm_yday
            negative = number - _year_length(day.year) - 1
            if number not in self.year_days and negative not in self.year_days:
                return False
        if self.week_numbers:
            number, weeks = _week_number(day, self.week_start)
            if number not in self.week_numbers and number - weeks - 1 not in self.week_numbers:
                return False
        return not (self.every_weekday or self.nth_weekdays) or self._weekday(day)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _month_periods(
    rule: DayRule, dtstart: date, start: date, last: date
) -> Iterator[tuple[int, int]]:
    first_month = dtstart.year * 12 + dtstart.month - 1
    skip = max(0, _ceil_div(start.year * 12 + start.month - 1 - first_month, rule.interval))
    month = first_month + skip * rule.interval
    while month <= last.year * 12 + last.month - 1:
        year, index = divmod(month, 12)
        begin = date(year, index + 1, 1)
        yield begin.toordinal(), begin.toordinal() + _month_length(begin) - 1
        month += rule.interval


def _periods(rule: DayRule, dtstart: date, start: date, last: date) -> Iterator[tuple[int, int]]:
    """First and last day (ordinals) of each period the rule is active in, from `start`'s.

    Periods are counted from DTSTART's, every INTERVAL-th one active; the walk jumps
    straight to the first active period that reaches `start` and stops after `last`.
    """
    step, begin, end = rule.interval, start.toordinal(), last.toordinal()
    if rule.frequency is Frequency.DAILY:
        first = dtstart.toordinal()
        day = first + max(0, _ceil_div(begin - first, step)) * step
        while day <= end:
            yield day, day
            day += step
    elif rule.frequency is Frequency.WEEKLY:
        first = dtstart.toordinal() - (dtstart.weekday() - rule.week_start) % 7
        week = first + max(0, _ceil_div(begin - first - 6, 7 * step)) * 7 * step
        while week <= end:
            yield week, week + 6
            week += 7 * step
    elif rule.frequency is Frequency.MONTHLY:
        yield from _month_periods(rule, dtstart, start, last)
    else:
        year = dtstart.year + max(0, _ceil_div(start.year - dtstart.year, step)) * step
        while year <= last.year:
            yield date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
            year += step


def _pick(days: list[date], positions: frozenset[int]) -> list[date]:
    """BYSETPOS: the n-th (or n-th from last) of one period's dates."""
    picked = {days[p - 1 if p > 0 else p] for p in positions if -len(days) <= p <= len(days)}
    return sorted(picked)


def _period_dates(
    rule: DayRule, filters: _Filters, period: tuple[int, int], low: int, budget: WorkBudget
) -> list[date]:
    """The dates one period gives, from ordinal `low` on (BYSETPOS needs the whole period)."""
    first, last = period
    if not rule.set_positions:
        first = max(first, low)
    last = min(last, _MAX_ORDINAL)
    budget.charge(last - first + 1)
    days = [day for day in map(date.fromordinal, range(first, last + 1)) if filters.match(day)]
    return _pick(days, rule.set_positions) if rule.set_positions else days


def rule_dates(
    rule: DayRule, dtstart: date, first: date, last: date, budget: WorkBudget
) -> list[date]:
    """The dates within `first..last` that `rule` gives a series starting on `dtstart`.

    As in python-dateutil (which recurring-ical-events uses), COUNT counts the rule's own
    dates and DTSTART is not added here. As RFC 5545 says (and dateutil does not), `MO,1FR`
    means Mondays and the first Friday, and BYSETPOS picks from whole periods. Every day
    looked at is charged to `budget`, which raises `WorkExhaustedError` when it runs out.
    """
    last = last if rule.until is None else min(last, rule.until)
    # Each date comes once, so a COUNT above the days up to `last` cannot end the series.
    count = rule.count if rule.count is not None and rule.count <= (last - dtstart).days else None
    start = dtstart if count is not None else max(first, dtstart)
    if last < start or last < first:
        return []
    filters = _Filters.of(rule, dtstart)
    found: list[date] = []
    for period in _periods(rule, dtstart, start, last):
        for day in _period_dates(rule, filters, period, start.toordinal(), budget):
            if not start <= day <= last:
                continue
            if day >= first:
                found.append(day)
            if count is not None:
                count -= 1
                if count == 0:
                    return found
    return found
