"""Expanding repeating all-day events over a window of days, within a work budget.

No RRULE reaches recurring-ical-events (python-dateutil would walk it to year 9999 when it
never matches again): `domain.recurrence` turns each into the finite list of dates it gives
in the window, charging each day it looks at to one `WorkBudget`; recurring-ical-events then
applies EXDATE, RDATE and moved occurrences to that list.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import icalendar
import recurring_ical_events

from alertsvc.domain.message import msg
from alertsvc.domain.recurrence import WEEKDAY_CODES, DayRule, Frequency, WorkBudget, rule_dates
from alertsvc.domain.schedule import FIRST_SUPPORTED_DATE, LAST_SUPPORTED_DATE
from alertsvc.services.ics_reading import CalendarFormatError, as_date, is_all_day

# A series costs its window's days (from its start with COUNT), plus this if it is expanded.
SERIES_COST = 100
_LONGEST = (LAST_SUPPORTED_DATE - FIRST_SUPPORTED_DATE).days + 1
_WEEKDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_RULE_PARTS = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYMONTH", "BYWEEKNO", "BYYEARDAY"}
    | {"BYMONTHDAY", "BYDAY", "BYSETPOS"}
)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _ints(parts: dict[str, list[Any]], name: str) -> frozenset[int]:
    return frozenset(int(value) for value in parts.get(name, ()))


def _one(parts: dict[str, list[Any]], name: str) -> Any:
    (value,) = parts[name]
    return value


def _weekday(value: Any) -> tuple[int, int]:
    """`-1FR` -> (4, -1); `MO` -> (0, 0)."""
    match = _WEEKDAY.fullmatch(str(value).strip().upper())
    if match is None:
        raise ValueError(f"{value!r} is not a weekday")
    return WEEKDAY_CODES.index(match[2]), int(match[1] or 0)


def _day_rule(recur: Any) -> DayRule | None:
    """The RRULE as a rule of whole days, or None for one this import does not expand.

    Rules with times (FREQ=HOURLY and finer, BYHOUR, BYMINUTE, BYSECOND), parts outside
    RFC 5545 (BYEASTER, RSCALE) and values it does not allow (INTERVAL=0) are not expanded.
    """
    try:
        parts = {str(key).upper(): _as_list(value) for key, value in recur.items()}
        if not parts.keys() <= _RULE_PARTS:
            return None
        return DayRule(
            frequency=Frequency(str(_one(parts, "FREQ")).upper()),
            interval=int(_one(parts, "INTERVAL")) if "INTERVAL" in parts else 1,
            count=int(_one(parts, "COUNT")) if "COUNT" in parts else None,
            until=as_date(_one(parts, "UNTIL")) if "UNTIL" in parts else None,
            week_start=_weekday(_one(parts, "WKST"))[0] if "WKST" in parts else 0,
            months=_ints(parts, "BYMONTH"),
            week_numbers=_ints(parts, "BYWEEKNO"),
            year_days=_ints(parts, "BYYEARDAY"),
            month_days=_ints(parts, "BYMONTHDAY"),
            weekdays=frozenset(_weekday(value) for value in parts.get("BYDAY", ())),
            set_positions=_ints(parts, "BYSETPOS"),
        )
    except (KeyError, ValueError, TypeError, AttributeError):
        return None


def length_in_days(component: Any) -> int:
    """Days an all-day event lasts: 1 to the supported range's length (a longer one cannot
    be stored, and a DURATION of millions of days must not overflow the date arithmetic)."""
    try:
        return min(max(1, int(component.duration.days)), _LONGEST)
    except Exception:  # a missing or contradictory DTEND/DURATION means one day
        return 1


class Expander:
    """Turns one series into its occurrences in the window, charging the shared budget."""

    def __init__(self, window: tuple[date, date], budget: WorkBudget) -> None:
        self.window = window
        self.budget = budget

    def _dates(self, component: Any) -> list[date] | None:
        """The dates the component's RRULEs give in the window; None if not expandable."""
        start = component["DTSTART"].dt
        if not is_all_day(start):
            return None
        first = self.window[0] - timedelta(days=length_in_days(component) - 1)
        last = self.window[1] - timedelta(days=1)
        dates: set[date] = set()
        for recur in _as_list(component["RRULE"]):
            rule = _day_rule(recur)
            if rule is None:
                return None
            dates.update(rule_dates(rule, start, first, last, self.budget))
        return sorted(dates)

    def _finite(self, component: Any) -> Any | None:
        """The component with its RRULEs replaced by the RDATEs they give in the window."""
        if "RRULE" not in component:
            return component
        dates = self._dates(component)
        if dates is None:
            return None
        finite = icalendar.Event()
        finite.update(component)
        del finite["RRULE"]
        if dates:
            finite.add("RDATE", dates)
        return finite

    def occurrences(self, components: list[tuple[int, Any]]) -> list[Any] | None:
        """The series' occurrences that touch the window; None if its rules are not expandable.

        No RRULE reaches recurring-ical-events (python-dateutil would walk it to year 9999
        when it never matches again): each becomes the finite RDATE list it gives here.
        """
        calendar = icalendar.Calendar()
        for _, component in components:
            finite = self._finite(component)
            if finite is None:
                return None
            calendar.add_component(finite)
        self.budget.charge(SERIES_COST)
        try:
            found = recurring_ical_events.of(calendar).between(*self.window)
        except Exception as exc:  # bad dates surface only while expanding
            raise CalendarFormatError(
                msg("The calendar's events cannot be expanded: %(error)s", error=str(exc))
            ) from exc
        return [o for o in found if as_date(o["DTSTART"].dt) < self.window[1]]
