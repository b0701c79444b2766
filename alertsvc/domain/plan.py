"""The school days a check looks at: each date's plan (is it a school day, its windows as
instants) and the search for the next window.

Polls keep asking about the same few days of the same schedule, so the plans of a (schedule,
exceptions, place) are computed once, in a `PlanBook` memoised by that value (`plan_book`):
equal inputs share a book, whatever objects carry them, and a book can never answer for
other inputs.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from alertsvc.domain.calendar import (
    Occurrence,
    SchoolDay,
    occurrences_on,
    school_day,
    to_local,
    zone_named,
)
from alertsvc.domain.message import Hours
from alertsvc.domain.schedule import (
    MINUTES_PER_DAY,
    Place,
    Schedule,
    SchoolException,
    Window,
)

LOOKAHEAD_DAYS = 7

_DAY = timedelta(days=1)
_LOOKAHEAD = timedelta(days=LOOKAHEAD_DAYS)
_MICROSECOND = timedelta(microseconds=1)
_WHOLE_DAY = Window(0, MINUTES_PER_DAY)


@dataclass(frozen=True, slots=True)
class DayPlan:
    """One local date of a schedule: the verdict, its occurrences and its hours in words."""

    verdict: SchoolDay
    occurrences: tuple[Occurrence, ...]
    first_starts: Mapping[Window, datetime]
    hours: Hours  # the day's windows, for explanations

    def occurrence_at(self, instant: datetime) -> Occurrence | None:
        """The occurrence whose interval contains `instant` (`Interval.contains`, inlined)."""
        for occurrence in self.occurrences:
            if occurrence.interval.start <= instant < occurrence.interval.end:
                return occurrence
        return None


def build_plan(
    day: date, schedule: Schedule, exceptions: tuple[SchoolException, ...], place: Place
) -> DayPlan:
    verdict = school_day(day, schedule, exceptions, place)
    found: tuple[Occurrence, ...] = ()
    if verdict.school_day:
        found = tuple(occurrences_on(day, verdict.windows, zone_named(place.timezone)))
    first_starts: dict[Window, datetime] = {}
    for occurrence in found:
        first_starts.setdefault(occurrence.window, occurrence.interval.start)
    hours = Hours(tuple((window.start, window.end) for window in verdict.windows))
    return DayPlan(verdict, found, first_starts, hours)


Found = tuple[datetime, Occurrence] | None
Candidates = tuple[tuple[datetime, Occurrence], ...]


def _nudge_from(plan: DayPlan, occurrence: Occurrence, grace_minutes: int) -> datetime | None:
    """The first instant of an occurrence past the window's grace, or None if grace covers it."""
    # Grace runs from the window's first occurrence of the day: the second stretch of a
    # fall-back repeat is the same lesson, not a new arrival.
    grace_end = plan.first_starts[occurrence.window] + timedelta(minutes=grace_minutes)
    start = max(occurrence.interval.start, grace_end)
    return start if start < occurrence.interval.end else None


def candidates(plan: DayPlan, grace: int | None) -> Candidates:
    """A day's occurrences with their instants (starts, or nudge starts past `grace`)."""
    if grace is None:
        return tuple((o.interval.start, o) for o in plan.occurrences)
    found = ((_nudge_from(plan, o, grace), o) for o in plan.occurrences)
    return tuple((instant, o) for instant, o in found if instant is not None)


def scan(days: tuple[Candidates, ...], now: datetime) -> Found:
    """The earliest candidate after `now`, looking one local date past the first with a hit.

    Searches start at yesterday: a fall-back across midnight (America/St_Johns until 2011)
    brings the previous date's last hour back after today has begun. Only such a fall-back
    runs local dates backwards, so the day after the first day with a hit is the last that
    can hold an earlier instant. On a tie the earlier day, then the earlier occurrence, wins.
    """
    best: Found = None
    hit_index: int | None = None
    for index, day_candidates in enumerate(days):
        if hit_index is not None and index > hit_index + 1:
            break
        for instant, occurrence in day_candidates:
            if instant > now and (best is None or instant < best[0]):
                best = (instant, occurrence)
        if best is not None and hit_index is None:
            hit_index = index
    return best


class Timeline:
    """`scan` of fixed days answered for every `now` at once, by bisecting the candidates.

    `scan` looks at `now` only through `instant > now` for the candidates' instants, so its
    answer is the same for every `now` between two consecutive distinct instants: one answer
    per gap, computed once, is exact.
    """

    __slots__ = ("_answers", "_instants")

    def __init__(self, days: tuple[Candidates, ...]) -> None:
        instants = sorted({instant for day in days for instant, _ in day})
        # answers[i] holds for the nows with exactly i instants at or before them.
        probes = [instants[0] - _MICROSECOND, *instants] if instants else []
        self._instants = instants
        self._answers: list[Found] = [scan(days, probe) for probe in probes] or [None]

    def at(self, now: datetime) -> Found:
        return self._answers[bisect_right(self._instants, now)]


class PlanBook:
    """The day plans of one (schedule, exceptions, place), each computed once.

    Its memos (plans by date, timelines by (first day, last day, grace), zone readings by
    instant) are keyed by every argument, and the rest of what their values depend on is the
    book's own frozen schedule, exceptions and place, so an entry can never go stale. Threads:
    a value is finished before one dict set stores it (atomic under the GIL); a lost race
    computes an equal value twice. Each memo is emptied when full, which only costs time.
    """

    __slots__ = ("_days", "_exceptions", "_place", "_schedule", "_timelines", "_walls", "_zone")
    _LIMIT = 16  # per memo: a poll needs ten days (yesterday to a week ahead), often fewer

    def __init__(
        self, schedule: Schedule, exceptions: tuple[SchoolException, ...], place: Place
    ) -> None:
        self._schedule, self._exceptions, self._place = schedule, exceptions, place
        self._days: dict[date, DayPlan] = {}
        self._timelines: dict[tuple[date, date, int | None], Timeline] = {}
        self._zone = zone_named(place.timezone)
        self._walls: dict[datetime, datetime] = {}

    def plan(self, day: date) -> DayPlan:
        found = self._days.get(day)
        if found is None:
            if len(self._days) >= self._LIMIT:
                self._days.clear()
            found = build_plan(day, self._schedule, self._exceptions, self._place)
            self._days[day] = found
        return found

    def timeline(self, first_day: date, last_day: date, grace: int | None) -> Timeline:
        """The search over the plans of `first_day`..`last_day` (see `Timeline`)."""
        key = (first_day, last_day, grace)
        found = self._timelines.get(key)
        if found is None:
            days = []
            day = first_day
            while day <= last_day:
                days.append(candidates(self.plan(day), grace))
                day += _DAY
            if len(self._timelines) >= self._LIMIT:
                self._timelines.clear()
            found = Timeline(tuple(days))
            self._timelines[key] = found
        return found

    def wall(self, instant: datetime) -> datetime:
        """The reading of `instant` in the school's zone, as `to_local` gives it."""
        # The instants explanations name (window starts, cap and snooze ends) recur poll after
        # poll; equal aware datetimes are the same instant, so the reading is the same.
        found = self._walls.get(instant)
        if found is None:
            if len(self._walls) >= self._LIMIT:
                self._walls.clear()
            found = to_local(instant, self._zone)
            self._walls[instant] = found
        return found


@lru_cache(maxsize=4096)  # a worker's whole fleet of teens: a round of polls keeps its books
def plan_book(
    schedule: Schedule, exceptions: tuple[SchoolException, ...], place: Place
) -> PlanBook:
    """The book of these inputs, shared by every check with equal ones (keyed by value)."""
    return PlanBook(schedule, exceptions, place)


def forget_plans() -> None:
    """Drop every book, so the next check computes from scratch (tests compare the two)."""
    plan_book.cache_clear()


def search(
    book: PlanBook, local_day: date, first_day: date, grace: int | None, now: datetime
) -> Found:
    """The occurrence with the earliest instant after now, from `first_day` to 7 days after today.

    The instant is the occurrence's start, or with `grace` its first instant past the grace.
    """
    return book.timeline(first_day, local_day + _LOOKAHEAD, grace).at(now)
