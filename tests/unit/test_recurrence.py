"""Whole-day RRULE expansion: the same dates as python-dateutil, for bounded work.

The oracle is python-dateutil, which recurring-ical-events uses. dateutil stops only when a
date passes the range or the year 9999 ends, so the comparison runs in the years 9980-9998
(a Gregorian calendar like any other) where even a rule that never matches ends quickly.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from alertsvc.domain.recurrence import (
    WEEKDAY_CODES,
    DayRule,
    Frequency,
    WorkBudget,
    WorkExhaustedError,
    rule_dates,
)

UNLIMITED = 10**9


def _values(values: list[int], size: int = 3) -> st.SearchStrategy[frozenset[int]]:
    return st.frozensets(st.sampled_from(values), max_size=size)


@st.composite
def day_rules(draw: st.DrawFn, week_numbers: bool = True) -> DayRule:
    frequency = draw(st.sampled_from(Frequency))
    ordinals = frequency in (Frequency.YEARLY, Frequency.MONTHLY) and draw(st.booleans())
    # dateutil requires every BYDAY of one rule to be all plain or all ordinal (see below).
    ordinal = st.sampled_from([1, 2, 3, 4, 5, -1, -2, -5]) if ordinals else st.just(0)
    return DayRule(
        frequency=frequency,
        interval=draw(st.integers(1, 12)),
        count=draw(st.none() | st.integers(1, 40)),
        week_start=draw(st.integers(0, 6)),
        months=draw(_values(list(range(1, 13)))),
        week_numbers=draw(_values([1, 2, 26, 52, 53, -1]))
        if week_numbers and frequency is Frequency.YEARLY
        else frozenset(),
        year_days=draw(_values([1, 2, 59, 60, 100, 365, 366, -1, -2, -366])),
        month_days=draw(_values([1, 2, 15, 28, 29, 30, 31, -1, -2, -31])),
        weekdays=draw(st.frozensets(st.tuples(st.integers(0, 6), ordinal), max_size=3)),
        set_positions=draw(_values([1, 2, 3, -1, -2], size=2)),
    )


def _text(rule: DayRule) -> str:
    parts = [f"FREQ={rule.frequency.value}", f"INTERVAL={rule.interval}"]
    parts.append(f"WKST={WEEKDAY_CODES[rule.week_start]}")
    if rule.count is not None:
        parts.append(f"COUNT={rule.count}")
    for name, values in (
        ("BYMONTH", rule.months),
        ("BYWEEKNO", rule.week_numbers),
        ("BYYEARDAY", rule.year_days),
        ("BYMONTHDAY", rule.month_days),
        ("BYSETPOS", rule.set_positions),
    ):
        if values:
            parts.append(f"{name}={','.join(map(str, sorted(values)))}")
    if rule.weekdays:
        days = ",".join(f"{n or ''}{WEEKDAY_CODES[d]}" for d, n in sorted(rule.weekdays))
        parts.append(f"BYDAY={days}")
    return ";".join(parts)


def dateutil_dates(rule: DayRule, dtstart: date, first: date, last: date) -> list[date]:
    found = []
    try:
        for moment in rrulestr(_text(rule), dtstart=datetime.combine(dtstart, time())):
            if moment.date() > last:
                break
            if moment.date() >= first:
                found.append(moment.date())
    except ValueError:  # dateutil's walk reached the year 10000: every date is in
        pass
    return found


@settings(max_examples=600, deadline=None)
@given(
    rule=day_rules(),
    dtstart=st.dates(date(9980, 1, 1), date(9990, 12, 31)),
    offset=st.integers(-400, 1500),
    length=st.integers(0, 1500),
)
def test_dates_are_the_dates_dateutil_gives(
    rule: DayRule, dtstart: date, offset: int, length: int
) -> None:
    if rule.set_positions and rule.frequency is Frequency.WEEKLY:
        # dateutil's first week starts at DTSTART, not at WKST (see below).
        dtstart -= timedelta(days=(dtstart.weekday() - rule.week_start) % 7)
    first = dtstart + timedelta(days=offset)
    last = min(first + timedelta(days=length), date(9998, 12, 31))
    ours = rule_dates(rule, dtstart, first, last, WorkBudget(UNLIMITED))
    assert ours == dateutil_dates(rule, dtstart, first, last)


@settings(max_examples=600, deadline=None)
@given(
    rule=day_rules(),
    dtstart=st.dates(date(2000, 1, 1), date(2037, 12, 31)),
    offset=st.integers(-20000, 20000),
    length=st.integers(0, 800),
    interval=st.integers(1, 10**9),
)
def test_the_work_is_the_range_asked_for_never_more(
    rule: DayRule, dtstart: date, offset: int, length: int, interval: int
) -> None:
    if interval > 12:
        rule = replace(rule, interval=interval)
    first = min(max(date(1990, 1, 1), dtstart + timedelta(days=offset)), date(2037, 1, 1))
    last = first + timedelta(days=length)
    budget = WorkBudget(UNLIMITED)
    found = rule_dates(rule, dtstart, first, last, budget)
    assert all(first <= day <= last for day in found)
    # From the series' start with COUNT, else from the range's; plus whole periods at both
    # ends for BYSETPOS (a year at most each).
    walked_from = dtstart if rule.count is not None else max(dtstart, first)
    assert budget.used <= max(0, (last - walked_from).days + 1) + 2 * 366


NEVER = [
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4,6,9,11",
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYSETPOS=2",
    "FREQ=YEARLY;BYYEARDAY=366;BYMONTH=1",
    "FREQ=MONTHLY;BYDAY=5MO;BYMONTHDAY=1",
    "FREQ=DAILY;INTERVAL=7;BYDAY=TU",
]


def _rule(text: str) -> DayRule:
    parts = dict(part.split("=") for part in text.split(";"))
    weekdays = frozenset(
        (WEEKDAY_CODES.index(code[-2:]), int(code[:-2] or 0))
        for code in parts.get("BYDAY", "").split(",")
        if code
    )

    def ints(name: str) -> frozenset[int]:
        return frozenset(int(v) for v in parts[name].split(",")) if name in parts else frozenset()

    return DayRule(
        frequency=Frequency(parts["FREQ"]),
        interval=int(parts.get("INTERVAL", 1)),
        months=ints("BYMONTH"),
        month_days=ints("BYMONTHDAY"),
        year_days=ints("BYYEARDAY"),
        set_positions=ints("BYSETPOS"),
        weekdays=weekdays,
    )


@pytest.mark.parametrize("text", NEVER)
def test_a_rule_that_never_matches_costs_only_the_range(text: str) -> None:
    # A Monday, so the weekly and every-7th-day rules never meet their BYDAY.
    dtstart, first, last = date(2026, 1, 5), date(2026, 10, 25), date(2027, 12, 30)
    budget = WorkBudget(UNLIMITED)
    assert rule_dates(_rule(text), dtstart, first, last, budget) == []
    assert budget.used <= (last - first).days + 1 + 2 * 366


def test_a_budget_that_runs_out_raises() -> None:
    budget = WorkBudget(1000)
    daily = DayRule(Frequency.DAILY, count=5000)
    with pytest.raises(WorkExhaustedError):
        rule_dates(daily, date(2000, 1, 1), date(2026, 1, 1), date(2026, 12, 31), budget)
    assert budget.used == 1001


def test_a_plain_and_an_ordinal_byday_are_alternatives_as_rfc_5545_says() -> None:
    # dateutil gives no date at all for MO,1FR (it asks a day to be both).
    rule = DayRule(Frequency.MONTHLY, weekdays=frozenset({(0, 0), (4, 1)}))
    found = rule_dates(rule, date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 31), WorkBudget(99))
    assert found == [date(2026, 1, d) for d in (2, 5, 12, 19, 26)]


def test_bysetpos_picks_from_the_whole_first_week() -> None:
    # The first weekday of the week of Wednesday 2026-01-07 is Monday the 5th, before
    # DTSTART: that week gives nothing (dateutil would pick the Wednesday).
    rule = DayRule(
        Frequency.WEEKLY,
        weekdays=frozenset({(0, 0), (2, 0), (4, 0)}),
        set_positions=frozenset({1}),
    )
    found = rule_dates(rule, date(2026, 1, 7), date(2026, 1, 1), date(2026, 1, 20), WorkBudget(99))
    assert found == [date(2026, 1, 12), date(2026, 1, 19)]


@pytest.mark.parametrize(
    "bad",
    [
        {"interval": 0},
        {"count": 0},
        {"months": frozenset({13})},
        {"month_days": frozenset({0})},
        {"year_days": frozenset({367})},
        {"week_numbers": frozenset({54})},
        {"set_positions": frozenset({-367})},
        {"weekdays": frozenset({(7, 0)})},
        {"week_start": 7},
    ],
)
def test_values_rfc_5545_does_not_allow_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must"):
        DayRule(Frequency.DAILY, **bad)  # type: ignore[arg-type]
