"""The decision (SPEC §4.3–4.5): "remind now?", when to ask again, and why, as one pure function.

`decide()` takes every fact as an argument (the instant included) and returns a `Decision`;
`with_nudge()` and `with_ack()` are the only ways the per-teen state moves on.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from functools import lru_cache
from hashlib import sha256

from alertsvc.domain.calendar import (
    DayReason,
    Interval,
    Occurrence,
    SchoolDay,
    clock_change_on,
    occurrences_on,
    school_day,
    to_local,
    utc_offset_at,
    window_intervals,
    zone_named,
)
from alertsvc.domain.schedule import (
    MINUTES_PER_DAY,
    Place,
    Policy,
    Schedule,
    SchoolException,
    Window,
)

DEFAULT_TITLE = "School time"
DEFAULT_BODY = (
    "Looks like you're on your phone during school hours. It can probably wait until later."
)
REDELIVERY_PERIOD = timedelta(seconds=120)
# A check that lost the race to another process (or host) may have read its instant a few
# milliseconds, or with clock skew a few seconds, before the winner stamped the nudge.
CLOCK_SKEW = timedelta(seconds=5)
MAX_BACKOFF = 3
LOOKAHEAD_DAYS = 7
MIN_NEXT_CHECK = timedelta(seconds=60)
MAX_NEXT_CHECK = timedelta(hours=1)
SPREAD_MILLISECONDS = 60_000

_DAY = timedelta(days=1)
_LOOKAHEAD = timedelta(days=LOOKAHEAD_DAYS)
_DEFAULT_POLICY = Policy()
_WHOLE_DAY = Window(0, MINUTES_PER_DAY)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class Reason(StrEnum):
    """The reason codes of SPEC §4.3, in the order the rules are tried."""

    DISABLED = "disabled"
    NO_SCHEDULE = "no_schedule"
    PAUSED = "paused"
    NO_SCHOOL_TODAY = "no_school_today"
    OUTSIDE_SCHOOL_HOURS = "outside_school_hours"
    GRACE_PERIOD = "grace_period"
    AWAY = "away"
    SNOOZED = "snoozed"
    HOLDOUT = "holdout"
    DAILY_CAP = "daily_cap"
    FREQUENCY_CAP = "frequency_cap"
    IN_SCHOOL_HOURS = "in_school_hours"


class Mark(StrEnum):
    """What became of one nudge of the state's local day: one character per nudge."""

    OPEN = "."
    DISMISSED = "d"
    CLOSED = "c"


class AckAction(StrEnum):
    """The actions a device may ack a nudge with (SPEC §5)."""

    SHOWN = "shown"
    DISMISSED = "dismissed"
    CLOSED_APP = "closed_app"
    SCHOOL_USE = "school_use"
    REPORT_WRONG = "report_wrong"


@dataclass(frozen=True, slots=True)
class NudgeState:
    """The per-teen state row, as a value."""

    paused_until: datetime | None = None
    snoozed_until: datetime | None = None
    day: date | None = None
    day_marks: str = ""
    last_nudge_id: str | None = None
    last_nudge_at: datetime | None = None
    last_nudge_acked: bool = False


@dataclass(frozen=True, slots=True)
class VariantParams:
    """An experiment variant's overrides; `None` keeps the schedule's policy or default copy."""

    title: str | None = None
    body: str | None = None
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
    state: NudgeState = NudgeState()
    arm: Arm | None = None
    kill_switch: bool = False
    device_offset_minutes: int | None = None


@dataclass(frozen=True, slots=True)
class NudgeCopy:
    """What the nudge says."""

    title: str
    body: str


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one check (SPEC §5 check result, before ids and serialization)."""

    reason: Reason
    nudge: NudgeCopy | None
    redeliver_id: str | None
    window: Interval | None
    window_occurrence: Occurrence | None
    next_check_at: datetime
    change_at: datetime | None
    explanation: str
    local_day: date
    effective_policy: Policy


# --- state transitions ----------------------------------------------------------------------


def with_nudge(state: NudgeState, nudge_id: str, at: datetime, local_day: date) -> NudgeState:
    """The state after emitting a new nudge at `at` on the local date `local_day`."""
    marks = state.day_marks if state.day == local_day else ""
    # Built field by field rather than with `replace()`: every check in school hours asks what
    # the caps would say after a nudge, and `replace()` costs a tenth of such a check.
    return NudgeState(
        paused_until=state.paused_until,
        snoozed_until=state.snoozed_until,
        day=local_day,
        day_marks=marks + Mark.OPEN,
        last_nudge_id=nudge_id,
        last_nudge_at=at,
        last_nudge_acked=False,
    )


def with_ack(
    state: NudgeState,
    *,
    nudge_id: str,
    nudge_day: date,
    day_index: int,
    action: str,
    at: datetime,
    snooze_minutes: int,
) -> NudgeState:
    """The state after a device acked nudge `nudge_id` (the `day_index`-th of `nudge_day`)."""
    kind = AckAction(action)
    updated = state
    if nudge_id == state.last_nudge_id:
        updated = replace(updated, last_nudge_acked=True)
    if kind is AckAction.SCHOOL_USE:
        until = at + timedelta(minutes=snooze_minutes)
        # A replayed or late ack must never shorten a snooze already granted.
        if state.snoozed_until is None or until > state.snoozed_until:
            updated = replace(updated, snoozed_until=until)
    mark = {AckAction.DISMISSED: Mark.DISMISSED, AckAction.CLOSED_APP: Mark.CLOSED}.get(kind)
    if mark is not None and nudge_day == state.day and 0 <= day_index < len(state.day_marks):
        updated = replace(updated, day_marks=_marked(state.day_marks, day_index, mark))
    return updated


def _marked(marks: str, index: int, mark: Mark) -> str:
    if mark is Mark.DISMISSED and marks[index] == Mark.CLOSED:
        return marks
    return marks[:index] + mark + marks[index + 1 :]


# --- policy, cadence and copy ---------------------------------------------------------------


def effective_policy(policy: Policy, arm: Arm | None) -> Policy:
    """The schedule's policy with the experiment variant's overrides applied."""
    if arm is None:
        return policy
    params = arm.params
    return replace(
        policy,
        grace_minutes=_either(params.grace_minutes, policy.grace_minutes),
        min_interval_minutes=_either(params.min_interval_minutes, policy.min_interval_minutes),
        max_per_day=_either(params.max_per_day, policy.max_per_day),
    )


def _either(override: int | None, default: int) -> int:
    return default if override is None else override


_DEFAULT_COPY = NudgeCopy(DEFAULT_TITLE, DEFAULT_BODY)


def nudge_copy(arm: Arm | None) -> NudgeCopy:
    """The default gentle copy, with a variant's title and body when it sets them."""
    if arm is None:
        return _DEFAULT_COPY  # a frozen value, so one instance can serve every check
    params = arm.params
    return NudgeCopy(params.title or DEFAULT_TITLE, params.body or DEFAULT_BODY)


def dismissal_run(marks: str) -> int:
    """How many of the latest nudges in a row were dismissed, capped at `MAX_BACKOFF`."""
    return min(len(marks) - len(marks.rstrip(Mark.DISMISSED)), MAX_BACKOFF)


def effective_interval(policy: Policy, marks: str) -> timedelta:
    """`min_interval * 2**k` with k the run of dismissals counted back from the latest mark."""
    return timedelta(minutes=policy.min_interval_minutes * 2 ** dismissal_run(marks))


@lru_cache(maxsize=4096)
def device_spread(device_id: str) -> timedelta:
    """A stable per-device delay in [0, 60 s), so a school's devices do not poll at once."""
    digest = sha256(device_id.encode("utf-8")).digest()
    return timedelta(milliseconds=int.from_bytes(digest[:8], "big") % SPREAD_MILLISECONDS)


def marks_counting_on(state: NudgeState, local_day: date) -> str:
    """The marks that count on `local_day` (a later state day still counts, see below)."""
    if state.day is None or state.day < local_day:
        return ""
    return state.day_marks


def daily_cap_reached(state: NudgeState, local_day: date, policy: Policy) -> bool:
    """Whether `max_per_day` nudges were already emitted on `local_day`."""
    # A fall-back across midnight (America/St_Johns before 2011) revisits the previous local
    # date after the next one began; its count is no longer known, so it counts as full.
    if state.day is not None and state.day > local_day:
        return True
    return len(marks_counting_on(state, local_day)) >= policy.max_per_day


def cap_end(state: NudgeState, local_day: date, policy: Policy) -> datetime | None:
    """The instant the frequency cap (with fatigue back-off) of the last nudge ends."""
    if state.last_nudge_at is None:
        return None
    return state.last_nudge_at + effective_interval(policy, marks_counting_on(state, local_day))


# --- the day plan and the check context ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _DayPlan:
    verdict: SchoolDay
    occurrences: tuple[Occurrence, ...]
    first_starts: Mapping[Window, datetime]
    hours: str  # "08:15–11:45 and 12:30–15:05", for explanations

    def occurrence_at(self, instant: datetime) -> Occurrence | None:
        """The occurrence whose interval contains `instant` (`Interval.contains`, inlined)."""
        for occurrence in self.occurrences:
            if occurrence.interval.start <= instant < occurrence.interval.end:
                return occurrence
        return None


def _build_plan(
    day: date, schedule: Schedule, exceptions: tuple[SchoolException, ...], place: Place
) -> _DayPlan:
    verdict = school_day(day, schedule, exceptions, place)
    found: tuple[Occurrence, ...] = ()
    if verdict.school_day:
        found = tuple(occurrences_on(day, verdict.windows, zone_named(place.timezone)))
    first_starts: dict[Window, datetime] = {}
    for occurrence in found:
        first_starts.setdefault(occurrence.window, occurrence.interval.start)
    hours = _listing([str(window) for window in verdict.windows])
    return _DayPlan(verdict, found, first_starts, hours)


_Found = tuple[datetime, Occurrence] | None
_Candidates = tuple[tuple[datetime, Occurrence], ...]
_MICROSECOND = timedelta(microseconds=1)


def _nudge_from(plan: _DayPlan, occurrence: Occurrence, grace_minutes: int) -> datetime | None:
    """The first instant of an occurrence past the window's grace, or None if grace covers it."""
    # Grace runs from the window's first occurrence of the day: the second stretch of a
    # fall-back repeat is the same lesson, not a new arrival.
    grace_end = plan.first_starts[occurrence.window] + timedelta(minutes=grace_minutes)
    start = max(occurrence.interval.start, grace_end)
    return start if start < occurrence.interval.end else None


def _candidates(plan: _DayPlan, grace: int | None) -> _Candidates:
    """A day's occurrences with their instants (starts, or nudge starts past `grace`)."""
    if grace is None:
        return tuple((o.interval.start, o) for o in plan.occurrences)
    found = ((_nudge_from(plan, o, grace), o) for o in plan.occurrences)
    return tuple((instant, o) for instant, o in found if instant is not None)


def _scan(days: tuple[_Candidates, ...], now: datetime) -> _Found:
    """The earliest candidate after `now`, looking one local date past the first with a hit.

    Searches start at yesterday: a fall-back across midnight (America/St_Johns until 2011)
    brings the previous date's last hour back after today has begun. Only such a fall-back
    runs local dates backwards, so the day after the first day with a hit is the last that
    can hold an earlier instant. On a tie the earlier day, then the earlier occurrence, wins.
    """
    best: _Found = None
    hit_index: int | None = None
    for index, candidates in enumerate(days):
        if hit_index is not None and index > hit_index + 1:
            break
        for instant, occurrence in candidates:
            if instant > now and (best is None or instant < best[0]):
                best = (instant, occurrence)
        if best is not None and hit_index is None:
            hit_index = index
    return best


class _Timeline:
    """`_scan` of fixed days answered for every `now` at once, by bisecting the candidates.

    `_scan` looks at `now` only through `instant > now` for the candidates' instants, so its
    answer is the same for every `now` between two consecutive distinct instants: one answer
    per gap, computed once, is exact.
    """

    __slots__ = ("_answers", "_instants")

    def __init__(self, days: tuple[_Candidates, ...]) -> None:
        instants = sorted({instant for candidates in days for instant, _ in candidates})
        # answers[i] holds for the nows with exactly i instants at or before them.
        probes = [instants[0] - _MICROSECOND, *instants] if instants else []
        self._instants = instants
        self._answers: list[_Found] = [_scan(days, probe) for probe in probes] or [None]

    def at(self, now: datetime) -> _Found:
        return self._answers[bisect_right(self._instants, now)]


class _PlanBook:
    """Day plans of one schedule, computed once: polls keep asking about the same few days.

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
        self._days: dict[date, _DayPlan] = {}
        self._timelines: dict[tuple[date, date, int | None], _Timeline] = {}
        self._zone = zone_named(place.timezone)
        self._walls: dict[datetime, datetime] = {}

    def plan(self, day: date) -> _DayPlan:
        found = self._days.get(day)
        if found is None:
            if len(self._days) >= self._LIMIT:
                self._days.clear()
            found = _build_plan(day, self._schedule, self._exceptions, self._place)
            self._days[day] = found
        return found

    def timeline(self, first_day: date, last_day: date, grace: int | None) -> _Timeline:
        """The search over the plans of `first_day`..`last_day` (see `_Timeline`)."""
        # Keyed by every argument; the plans are this book's own, fixed by its frozen inputs.
        key = (first_day, last_day, grace)
        found = self._timelines.get(key)
        if found is None:
            days = []
            day = first_day
            while day <= last_day:
                days.append(_candidates(self.plan(day), grace))
                day += _DAY
            if len(self._timelines) >= self._LIMIT:
                self._timelines.clear()
            found = _Timeline(tuple(days))
            self._timelines[key] = found
        return found

    def wall(self, instant: datetime) -> datetime:
        """The reading of `instant` in the school's zone, as `to_local` gives it."""
        # The instants explanations name (window starts, cap and snooze ends) recur poll after
        # poll. The reading depends only on the instant (equal aware datetimes are the same
        # instant) and this book's zone.
        found = self._walls.get(instant)
        if found is None:
            if len(self._walls) >= self._LIMIT:
                self._walls.clear()
            found = to_local(instant, self._zone)
            self._walls[instant] = found
        return found


# A pure memo keyed by values (not identities), so it can never answer for another schedule.
# Sized for a worker's whole fleet of teens, so a round of polls does not evict itself.
@lru_cache(maxsize=4096)
def _plan_book_by_value(
    schedule: Schedule, exceptions: tuple[SchoolException, ...], place: Place
) -> _PlanBook:
    return _PlanBook(schedule, exceptions, place)


_BookEntry = tuple[Schedule, tuple[SchoolException, ...], Place, _PlanBook]


class _BooksByIdentity:
    """An identity memo in front of the value-keyed one, for callers that pass the same objects.

    Hashing a schedule costs more than the rest of a check, and the service hands `decide()`
    the same `Schedule` object for a teen on every poll. Correctness: an entry keyed by
    `id(schedule)` holds that schedule (and the exceptions and place it was built for), so the
    id cannot be reused by another object while the entry exists, and a hit also requires the
    exceptions and place to be the very same objects; all three are frozen values, so the book
    built for them still answers for them. Threads: one dict get, one dict set (atomic under
    the GIL); a lost race only builds or stores an equal book twice.
    """

    __slots__ = ("_entries",)
    _LIMIT = 4096

    def __init__(self) -> None:
        self._entries: dict[int, _BookEntry] = {}

    def get(
        self, schedule: Schedule, exceptions: tuple[SchoolException, ...], place: Place
    ) -> _PlanBook:
        entry = self._entries.get(id(schedule))
        if entry and entry[0] is schedule and entry[1] is exceptions and entry[2] is place:
            return entry[3]
        book = _plan_book_by_value(schedule, exceptions, place)
        if len(self._entries) >= self._LIMIT:
            self._entries.clear()
        self._entries[id(schedule)] = (schedule, exceptions, place, book)
        return book

    def clear(self) -> None:
        self._entries.clear()


_BOOKS = _BooksByIdentity()
_plan_book = _BOOKS.get


def _forget_memos() -> None:
    """Drop every plan book, so the next check computes from scratch (tests compare the two)."""
    _BOOKS.clear()
    _plan_book_by_value.cache_clear()


@dataclass(frozen=True, slots=True)
class _Context:
    inp: CheckInput
    zone: tzinfo
    local_day: date
    policy: Policy
    book: _PlanBook | None
    today: _DayPlan | None
    current: Occurrence | None
    occurrence: Occurrence | None  # the current occurrence, else the next within 7 local days
    wall: datetime
    now: datetime  # inp.now and inp.state, copied: the rules read them many times per check
    state: NudgeState


def _context(inp: CheckInput) -> _Context:
    zone = zone_named(inp.place.timezone)
    wall = to_local(inp.now, zone)
    local_day = wall.date()
    policy = effective_policy(inp.schedule.policy if inp.schedule else _DEFAULT_POLICY, inp.arm)
    book = today = current = occurrence = None
    if inp.schedule is not None:
        book = _plan_book(inp.schedule, inp.exceptions, inp.place)
        today = book.plan(local_day)
        current = today.occurrence_at(inp.now)
        occurrence = current
        if current is None:
            found = _search(book, local_day, local_day - _DAY, None, inp.now)
            occurrence = found[1] if found is not None else None
    return _Context(
        inp, zone, local_day, policy, book, today, current, occurrence, wall, inp.now, inp.state
    )


def _search(
    book: _PlanBook, local_day: date, first_day: date, grace: int | None, now: datetime
) -> _Found:
    """The occurrence with the earliest instant after now, from `first_day` to 7 days after today.

    The instant is the occurrence's start, or with `grace` its first instant past the grace.
    """
    return book.timeline(first_day, local_day + _LOOKAHEAD, grace).at(now)


def _next_nudge_instant(ctx: _Context) -> datetime | None:
    """The next instant after now at which rules 4–6 (and a full daily cap) stop blocking."""
    if ctx.book is None:
        return None
    skip_today = daily_cap_reached(ctx.state, ctx.local_day, ctx.policy)
    first_day = ctx.local_day + _DAY if skip_today else ctx.local_day - _DAY
    found = _search(ctx.book, ctx.local_day, first_day, ctx.policy.grace_minutes, ctx.now)
    return found[0] if found is not None else None


@lru_cache(maxsize=1024)
def _local_day_span(day: date, zone_name: str) -> tuple[Interval, ...]:
    """Every instant whose local date is `day` (one interval, unless a clock change splits it)."""
    return window_intervals(day, _WHOLE_DAY, zone_named(zone_name))


def _next_day_start(ctx: _Context) -> datetime | None:
    """The first instant after now on a later local date: where daily counts reset."""
    for ahead in range(1, 4):
        for interval in _local_day_span(ctx.local_day + ahead * _DAY, ctx.inp.place.timezone):
            if interval.start > ctx.now:
                return interval.start
    return None


def _grace_end(ctx: _Context) -> datetime | None:
    if ctx.today is None or ctx.current is None:
        return None
    start = ctx.today.first_starts[ctx.current.window]
    return start + timedelta(minutes=ctx.policy.grace_minutes)


# --- the rules, in SPEC §4.3 order ------------------------------------------------------------


def _is_after(until: datetime | None, now: datetime) -> bool:
    return until is not None and until > now


def _no_school(ctx: _Context) -> bool:
    return ctx.today is not None and not ctx.today.verdict.school_day


def _in_grace(ctx: _Context) -> bool:
    return _is_after(_grace_end(ctx), ctx.now)


def zone_offset_minutes(instant: datetime, zone: tzinfo) -> int:
    """The zone's UTC offset at an instant, in whole minutes."""
    return _whole_minutes(utc_offset_at(instant, zone))


def _whole_minutes(offset: timedelta | None) -> int:
    return round(offset.total_seconds() / 60) if offset is not None else 0


def _away(ctx: _Context) -> bool:
    device = ctx.inp.device_offset_minutes
    if device is None:
        return False
    gap = abs(device - _whole_minutes(ctx.wall.utcoffset()))
    return gap >= ctx.policy.away_threshold_minutes


def _in_holdout(ctx: _Context) -> bool:
    return ctx.inp.arm is not None and ctx.inp.arm.params.holdout


def _frequency_capped(ctx: _Context) -> bool:
    return _is_after(cap_end(ctx.state, ctx.local_day, ctx.policy), ctx.now)


_RULES: tuple[tuple[Reason, Callable[[_Context], bool]], ...] = (
    (Reason.DISABLED, lambda ctx: ctx.inp.kill_switch),
    (Reason.NO_SCHEDULE, lambda ctx: ctx.inp.schedule is None),
    (Reason.PAUSED, lambda ctx: _is_after(ctx.state.paused_until, ctx.now)),
    (Reason.NO_SCHOOL_TODAY, _no_school),
    (Reason.OUTSIDE_SCHOOL_HOURS, lambda ctx: ctx.current is None),
    (Reason.GRACE_PERIOD, _in_grace),
    (Reason.AWAY, _away),
    (Reason.SNOOZED, lambda ctx: _is_after(ctx.state.snoozed_until, ctx.now)),
    (Reason.HOLDOUT, _in_holdout),
    (Reason.DAILY_CAP, lambda ctx: daily_cap_reached(ctx.state, ctx.local_day, ctx.policy)),
    (Reason.FREQUENCY_CAP, _frequency_capped),
)
_CAPS = frozenset({Reason.DAILY_CAP, Reason.FREQUENCY_CAP})


def _first_reason(ctx: _Context) -> Reason:
    for reason, applies in _RULES:
        if applies(ctx):
            return reason
    return Reason.IN_SCHOOL_HOURS


def _redeliverable(state: NudgeState, now: datetime) -> bool:
    """Whether an unacked nudge from the last 120 s should be answered again (SPEC §4.3)."""
    if state.last_nudge_id is None or state.last_nudge_at is None or state.last_nudge_acked:
        return False
    return -CLOCK_SKEW <= now - state.last_nudge_at < REDELIVERY_PERIOD


# --- next_check_at (SPEC §4.4) ----------------------------------------------------------------


def _current_end(ctx: _Context) -> datetime | None:
    return ctx.current.interval.end if ctx.current is not None else None


def _cap_changes(ctx: _Context, state: NudgeState) -> list[datetime | None]:
    """Where the caps on `state` stop blocking: local midnight, or the interval's end."""
    if daily_cap_reached(state, ctx.local_day, ctx.policy):
        return [_next_day_start(ctx)]
    changes = [cap_end(state, ctx.local_day, ctx.policy)]
    if dismissal_run(marks_counting_on(state, ctx.local_day)) > 0:
        changes.append(_next_day_start(ctx))  # the back-off run is per local date
    return changes


def _clock_changes(ctx: _Context) -> list[datetime | None]:
    """The zone's offset changes around today: they can end (or start) being away."""
    days = (ctx.local_day - _DAY, ctx.local_day, ctx.local_day + _DAY)
    return [change.at for day in days if (change := clock_change_on(day, ctx.zone)) is not None]


_CHANGES: Mapping[Reason, Callable[[_Context], Iterable[datetime | None]]] = {
    Reason.DISABLED: lambda ctx: (),
    Reason.NO_SCHEDULE: lambda ctx: (),
    Reason.PAUSED: lambda ctx: (ctx.state.paused_until,),
    Reason.NO_SCHOOL_TODAY: lambda ctx: (_next_nudge_instant(ctx),),
    Reason.OUTSIDE_SCHOOL_HOURS: lambda ctx: (_next_nudge_instant(ctx),),
    Reason.GRACE_PERIOD: lambda ctx: (_next_nudge_instant(ctx), _current_end(ctx)),
    Reason.AWAY: lambda ctx: (_current_end(ctx), *_clock_changes(ctx)),
    Reason.SNOOZED: lambda ctx: (_current_end(ctx), ctx.state.snoozed_until),
    Reason.HOLDOUT: lambda ctx: (_current_end(ctx),),
    Reason.DAILY_CAP: lambda ctx: (_current_end(ctx), *_cap_changes(ctx, ctx.state)),
    Reason.FREQUENCY_CAP: lambda ctx: (_current_end(ctx), *_cap_changes(ctx, ctx.state)),
    # After a new nudge the caps apply to the state that includes it.
    Reason.IN_SCHOOL_HOURS: lambda ctx: (
        _current_end(ctx),
        *_cap_changes(ctx, with_nudge(ctx.state, "", ctx.now, ctx.local_day)),
    ),
}


def _change_at(ctx: _Context, reason: Reason) -> datetime | None:
    """The earliest instant after now at which the answer could change (SPEC §4.4)."""
    later = [c for c in _CHANGES[reason](ctx) if c is not None and c > ctx.now]
    return min(later, default=None)


def next_check_at(now: datetime, change: datetime | None, device_id: str) -> datetime:
    """`change` plus the device's spread, kept within [now + 60 s, now + 1 h]."""
    if change is None:
        return now + MAX_NEXT_CHECK
    return min(max(change + device_spread(device_id), now + MIN_NEXT_CHECK), now + MAX_NEXT_CHECK)


# --- explanation (SPEC §4.5) ------------------------------------------------------------------


def _local(ctx: _Context, instant: datetime) -> datetime:
    return ctx.book.wall(instant) if ctx.book is not None else to_local(instant, ctx.zone)


def _wall_clock(local: datetime) -> str:
    return f"{local.hour:02d}:{local.minute:02d}"


def _day_words(ctx: _Context, day: date) -> str:
    if day == ctx.local_day + _DAY:
        return "tomorrow"
    words = f"{_WEEKDAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]}"
    return words if day.year == ctx.local_day.year else f"{words} {day.year}"


def _moment(ctx: _Context, instant: datetime, preposition: str) -> str:
    """`"after 10:42"`, `"tomorrow after 10:42"`, `"until Monday 30 November at 08:00"`."""
    local = _local(ctx, instant)  # one zone conversion for both the date and the time
    day, clock = local.date(), _wall_clock(local)
    if day == ctx.local_day:
        return f"{preposition} {clock}"
    words = _day_words(ctx, day)
    if preposition == "until":
        return f"until {words} at {clock}"
    return (
        f"{words} {preposition} {clock}"
        if words == "tomorrow"
        else f"on {words} {preposition} {clock}"
    )


def _listing(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _hours_today(ctx: _Context) -> str:
    hours = ctx.today.hours if ctx.today is not None else ""
    return f"School hours today are {hours} ({ctx.inp.place.timezone})"


def _why_no_school(ctx: _Context) -> str:
    verdict = ctx.today.verdict if ctx.today is not None else None
    if verdict is None or verdict.reason is DayReason.WEEKLY_OFF:
        return f"no school on {_WEEKDAY_NAMES[ctx.local_day.weekday()]}s"
    if verdict.reason is DayReason.PUBLIC_HOLIDAY:
        return f"public holiday: {verdict.detail}"
    term = ctx.inp.schedule.term if ctx.inp.schedule is not None else None
    if verdict.reason is DayReason.OUTSIDE_TERM and term is not None:
        return f"outside the school term, {term.first_day} to {term.last_day}"
    if verdict.detail and verdict.detail != "No school":
        return verdict.detail
    return "a day off in the school calendar"


def _next_school(ctx: _Context) -> str:
    found = ctx.occurrence
    if found is None:
        return "there are no school hours in the next 7 days"
    return f"the next school hours start {_moment(ctx, found.interval.start, 'at')}"


def _explain_no_school(ctx: _Context) -> str:
    zone = ctx.inp.place.timezone
    return f"There is no school today ({_why_no_school(ctx)}); {_next_school(ctx)} ({zone})."


def _explain_grace(ctx: _Context) -> str:
    start = _next_nudge_instant(ctx)
    grace = _plural(ctx.policy.grace_minutes, "minute")
    when = _moment(ctx, start, "at") if start is not None else "later"
    return f"{_hours_today(ctx)}; it is the first {grace} of school, so reminders can start {when}."


def _explain_daily_cap(ctx: _Context) -> str:
    limit = _plural(ctx.policy.max_per_day, "reminder")
    return (
        f"{_hours_today(ctx)}; today's limit of {limit} is reached, so the next can come tomorrow."
    )


def _explain_frequency_cap(ctx: _Context) -> str:
    end = cap_end(ctx.state, ctx.local_day, ctx.policy)
    when = _moment(ctx, end, "after") if end is not None else "later"
    backoff = dismissal_run(marks_counting_on(ctx.state, ctx.local_day)) > 0
    why = " (less often, since the last ones were dismissed)" if backoff else ""
    return f"{_hours_today(ctx)}; a reminder can come again {when}{why}."


def _explain_snoozed(ctx: _Context) -> str:
    until = ctx.state.snoozed_until
    when = _moment(ctx, until, "until") if until is not None else "for now"
    return (
        f"{_hours_today(ctx)}; reminders are snoozed {when} because the phone is used for school."
    )


def _explain_paused(ctx: _Context) -> str:
    until = ctx.state.paused_until
    when = _moment(ctx, until, "until") if until is not None else "for now"
    return f"Reminders are paused {when} ({ctx.inp.place.timezone})."


def _explain_outside(ctx: _Context) -> str:
    return f"{_hours_today(ctx)}; it is outside them now, and {_next_school(ctx)}."


def _explain_nudge(ctx: _Context) -> str:
    clock = _wall_clock(ctx.wall)  # the context's reading of now in the zone
    return f"{_hours_today(ctx)}; at {clock} it is school time, so a gentle reminder came."


_EXPLAINERS: Mapping[Reason, Callable[[_Context], str]] = {
    Reason.DISABLED: lambda ctx: "Reminders are switched off for now.",
    Reason.NO_SCHEDULE: lambda ctx: "There is no school schedule yet, so there are no reminders.",
    Reason.PAUSED: _explain_paused,
    Reason.NO_SCHOOL_TODAY: _explain_no_school,
    Reason.OUTSIDE_SCHOOL_HOURS: _explain_outside,
    Reason.GRACE_PERIOD: _explain_grace,
    Reason.AWAY: lambda ctx: (
        f"{_hours_today(ctx)}; the device's clock is far from the school's time zone, "
        "so there are no reminders while away."
    ),
    Reason.SNOOZED: _explain_snoozed,
    Reason.HOLDOUT: lambda ctx: (
        f"{_hours_today(ctx)}; this teen is in a product test's comparison group, "
        "which gets no reminders."
    ),
    Reason.DAILY_CAP: _explain_daily_cap,
    Reason.FREQUENCY_CAP: _explain_frequency_cap,
    Reason.IN_SCHOOL_HOURS: _explain_nudge,
}


def _explain_redelivery(ctx: _Context) -> str:
    sent = ctx.state.last_nudge_at
    clock = _wall_clock(_local(ctx, sent)) if sent is not None else "just now"
    return f"{_hours_today(ctx)}; this is the reminder from {clock} again, in case it was missed."


# --- the decision -----------------------------------------------------------------------------


def decide(inp: CheckInput) -> Decision:
    """Answer one check: remind now or not, why, and when to ask again (SPEC §4)."""
    ctx = _context(inp)
    reason = _first_reason(ctx)
    redeliver = reason in _CAPS and _redeliverable(inp.state, inp.now)
    change = _change_at(ctx, reason)
    occurrence = ctx.occurrence
    nudged = reason is Reason.IN_SCHOOL_HOURS or redeliver
    explanation = _explain_redelivery(ctx) if redeliver else _EXPLAINERS[reason](ctx)
    return Decision(
        reason=Reason.IN_SCHOOL_HOURS if redeliver else reason,
        nudge=nudge_copy(inp.arm) if nudged else None,
        redeliver_id=inp.state.last_nudge_id if redeliver else None,
        window=occurrence.interval if occurrence is not None else None,
        window_occurrence=occurrence,
        next_check_at=next_check_at(inp.now, change, inp.device_id),
        change_at=change,
        explanation=explanation,
        local_day=ctx.local_day,
        effective_policy=ctx.policy,
    )
