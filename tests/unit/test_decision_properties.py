"""Invariants of the decision across zones, DST days and random schedules (hypothesis).

(a) never a nudge outside a window or on a non-school day; (b) a client polling at each
`next_check_at` is never more than 60 s late for a due nudge; (c) caps and back-off hold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import pairwise
from random import Random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alertsvc.domain.calendar import (
    Interval,
    local_date,
    occurrences_on,
    school_day,
    to_local,
    zone_named,
)
from alertsvc.domain.decision import (
    Arm,
    CheckInput,
    Decision,
    VariantParams,
    decide,
    zone_offset_minutes,
)
from alertsvc.domain.schedule import (
    ExceptionKind,
    Place,
    Policy,
    Schedule,
    SchoolException,
    Window,
)
from alertsvc.domain.state import AckAction, NudgeState, with_ack, with_nudge

ZONES = (
    "America/New_York",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Europe/London",
    "Pacific/Apia",
    "America/St_Johns",
    "Asia/Tehran",
    "UTC",
)
COUNTRIES = {"America/New_York": "US", "Europe/London": "GB", "America/Santiago": "CL"}
FIRST = datetime(2000, 1, 1)  # noqa: DTZ001 - hypothesis takes naive bounds plus a zone
LAST = datetime(2037, 12, 24)  # noqa: DTZ001
GRID = timedelta(seconds=15)
# A seeded generator for the acks: drawing each choice from hypothesis would run out of data
# in a week-long simulation and silently discard the example.
SEEDED = st.integers(0, 2**32 - 1).map(Random)
LATENESS = timedelta(seconds=60)
EDGES = (0, 1, 30, 59, 60, 90, 119, 120, 121, 150, 180, 1380, 1410, 1439, 1440)


@cache
def transitions(zone: str) -> tuple[datetime, ...]:
    """The zone's offset changes between 2000 and 2037, as aware UTC instants."""
    table: list[datetime] = getattr(zone_named(zone), "_utc_transition_times", None) or []
    return tuple(t.replace(tzinfo=UTC) for t in table if FIRST <= t <= LAST)


@st.composite
def instants(draw: st.DrawFn, zone: str) -> datetime:
    """Any instant 2000–2037, or one within a day and a half of a clock change."""
    near = transitions(zone)
    if near and draw(st.booleans()):
        shift = draw(st.integers(-36 * 3600, 36 * 3600))
        return draw(st.sampled_from(near)) + timedelta(seconds=shift)
    return draw(st.datetimes(FIRST, LAST, timezones=st.just(UTC)))


# Minutes of a day, mixing in (at negative draws) the ones DST rules and day edges make
# interesting.
MINUTES = st.integers(-len(EDGES), 1440).map(lambda m: EDGES[m] if m < 0 else m)


@st.composite
def day_windows(
    draw: st.DrawFn, max_length: int = 1440, min_windows: int = 0
) -> tuple[Window, ...]:
    """Up to three non-overlapping windows of one day."""
    cuts = sorted(draw(st.lists(MINUTES, min_size=2 * min_windows, max_size=6, unique=True)))
    pairs = zip(cuts[::2], cuts[1::2], strict=False)
    return tuple(Window(start, min(end, start + max_length)) for start, end in pairs)


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    return Policy(
        grace_minutes=draw(st.one_of(st.sampled_from((0, 1, 10)), st.integers(0, 120))),
        min_interval_minutes=draw(st.one_of(st.sampled_from((5, 30)), st.integers(5, 480))),
        max_per_day=draw(st.integers(1, 6)),
        snooze_minutes=draw(st.integers(5, 240)),
        away_threshold_minutes=draw(st.integers(30, 720)),
    )


@st.composite
def schedules(draw: st.DrawFn, max_length: int = 1440, min_windows: int = 0) -> Schedule:
    """A week built from up to three day patterns (drawing seven days each is slow)."""
    patterns = draw(st.lists(day_windows(max_length, min_windows), min_size=1, max_size=3))
    picks = draw(st.lists(st.integers(0, len(patterns) - 1), min_size=7, max_size=7))
    return Schedule(
        weekly=tuple(patterns[pick] for pick in picks),
        observe_public_holidays=draw(st.booleans()),
        policy=draw(policies()),
    )


@st.composite
def exceptions_near(
    draw: st.DrawFn, day: date, max_length: int = 1440
) -> tuple[SchoolException, ...]:
    found = []
    for index in range(draw(st.integers(0, 2))):
        first = day + timedelta(days=draw(st.integers(-3, 4)))
        last = first + timedelta(days=draw(st.integers(0, 3)))
        kind = draw(st.sampled_from(ExceptionKind))
        windows = draw(day_windows(max_length)) if kind is ExceptionKind.CUSTOM_HOURS else ()
        found.append(SchoolException(f"exc_{index}", first, last, kind, windows))
    return tuple(found)


@st.composite
def arms(draw: st.DrawFn) -> Arm | None:
    if draw(st.booleans()):
        return None
    params = VariantParams(
        title=draw(st.none() | st.just("Hey")),
        grace_minutes=draw(st.none() | st.integers(0, 120)),
        min_interval_minutes=draw(st.none() | st.integers(5, 480)),
        max_per_day=draw(st.none() | st.integers(1, 6)),
        holdout=draw(st.integers(0, 9)) == 0,
    )
    return Arm("exp", "variant", params)


@dataclass(frozen=True, slots=True)
class Teen:
    """Everything about one teen that stays fixed while time runs."""

    place: Place
    schedule: Schedule
    exceptions: tuple[SchoolException, ...]
    arm: Arm | None
    device_id: str
    device_offset_minutes: int | None

    def check(self, now: datetime, state: NudgeState) -> Decision:
        return decide(
            CheckInput(
                now=now,
                device_id=self.device_id,
                place=self.place,
                schedule=self.schedule,
                exceptions=self.exceptions,
                state=state,
                arm=self.arm,
                device_offset_minutes=self.device_offset_minutes,
            )
        )


@st.composite
def teens(
    draw: st.DrawFn, around: datetime, zone: str, max_length: int = 1440, min_windows: int = 0
) -> Teen:
    day = local_date(around, zone_named(zone))
    offset = zone_offset_minutes(around, zone_named(zone))
    device_offset = draw(
        st.one_of(st.none(), st.just(offset), st.integers(-720, 840)), label="device offset"
    )
    return Teen(
        place=Place(zone, COUNTRIES.get(zone)),
        schedule=draw(schedules(max_length, min_windows)),
        exceptions=draw(exceptions_near(day, max_length)),
        arm=draw(arms()),
        device_id=draw(st.text(min_size=1, max_size=12)),
        device_offset_minutes=device_offset,
    )


@st.composite
def states(draw: st.DrawFn, now: datetime, zone: str) -> NudgeState:
    day = local_date(now, zone_named(zone))
    before = st.integers(0, 12 * 3600).map(lambda s: now - timedelta(seconds=s))
    around = st.integers(-6 * 3600, 6 * 3600).map(lambda s: now + timedelta(seconds=s))
    last_at = draw(st.none() | before)
    return NudgeState(
        paused_until=draw(st.none() | around),
        snoozed_until=draw(st.none() | around),
        day=day + timedelta(days=draw(st.integers(-2, 0))),
        day_marks=draw(st.text(alphabet=".dc", max_size=6)),
        last_nudge_id=None if last_at is None else "nud_last",
        last_nudge_at=last_at,
        last_nudge_acked=draw(st.booleans()),
    )


def minute_of_day(instant: datetime, zone: str) -> float:
    wall = to_local(instant, zone_named(zone))
    return wall.hour * 60 + wall.minute + (wall.second + wall.microsecond / 1e6) / 60


# --- (a) never a nudge outside a window ---------------------------------------------------------


@st.composite
def single_checks(draw: st.DrawFn) -> tuple[Teen, datetime, NudgeState]:
    zone = draw(st.sampled_from(ZONES))
    now = draw(instants(zone))
    return draw(teens(now, zone)), now, draw(states(now, zone))


@settings(max_examples=250, deadline=None)
@given(single_checks())
def test_never_a_nudge_outside_a_window_or_on_a_day_without_school(
    case: tuple[Teen, datetime, NudgeState],
) -> None:
    teen, now, state = case
    decision = teen.check(now, state)
    assert now + timedelta(seconds=60) <= decision.next_check_at <= now + timedelta(hours=1)
    assert decision.change_at is None or decision.change_at > now
    assert str(decision.explanation).endswith(".")
    if decision.nudge is None:
        return
    zone = teen.place.timezone
    assert to_local(now, zone_named(zone)).date() == decision.local_day
    verdict = school_day(decision.local_day, teen.schedule, teen.exceptions, teen.place)
    assert verdict.school_day
    minute = minute_of_day(now, zone)
    # SPEC §4.1 directly: the local wall-clock time lies in one of the day's windows.
    assert any(window.start <= minute < window.end for window in verdict.windows)
    assert decision.window is not None
    assert decision.window.contains(now)


# --- (b) polling at next_check_at is never more than a minute late ------------------------------


def school_intervals(teen: Teen, start: datetime, end: datetime) -> list[Interval]:
    """Every window occurrence between two instants, from the calendar alone."""
    zone = zone_named(teen.place.timezone)
    day, last = (
        local_date(start, zone) - timedelta(days=1),
        local_date(end, zone) + timedelta(days=1),
    )
    found: list[Interval] = []
    while day <= last:
        verdict = school_day(day, teen.schedule, teen.exceptions, teen.place)
        found += [o.interval for o in occurrences_on(day, verdict.windows, zone)]
        day += timedelta(days=1)
    return sorted(found)


def grid_between(origin: datetime, low: datetime, high: datetime) -> Iterator[datetime]:
    """The 15-second grid (counted from `origin`) strictly after `low` and before `high`."""
    steps = (low - origin) // GRID + 1
    point = origin + steps * GRID
    while point < high:
        yield point
        point += GRID


@dataclass
class Client:
    """One teen's app and its acks, as time runs; state changes only at its polls."""

    teen: Teen
    rng: Random
    state: NudgeState
    nudges: dict[str, tuple[date, int]]

    def send_acks(self, now: datetime) -> None:
        """Before polling, maybe ack the last nudge (or an older one of its day)."""
        if not self.nudges or self.rng.random() < 0.5:
            return
        ids = list(self.nudges)
        nudge_id = ids[-1] if self.rng.random() < 0.8 else self.rng.choice(ids)
        day, index = self.nudges[nudge_id]
        self.state = with_ack(
            self.state,
            nudge_id=nudge_id,
            nudge_day=day,
            day_index=index,
            action=self.rng.choice(list(AckAction)),
            at=now,
            snooze_minutes=self.teen.schedule.policy.snooze_minutes,
        )

    def poll(self, now: datetime) -> Decision:
        self.send_acks(now)
        decision = self.teen.check(now, self.state)
        if decision.nudge is not None and decision.redeliver_id is None:
            nudge_id = f"nud_{len(self.nudges)}"
            self.state = with_nudge(self.state, nudge_id, now, decision.local_day)
            self.nudges[nudge_id] = (decision.local_day, len(self.state.day_marks) - 1)
        return decision


def first_due(
    teen: Teen, state: NudgeState, school: list[Interval], origin: datetime, span: Interval
) -> datetime | None:
    """The oracle: the first grid instant inside `span` at which a new nudge is answered.

    It probes only instants inside window occurrences: property (a) shows none can nudge
    outside them.
    """
    for interval in school:
        if interval.end <= span.start or interval.start >= span.end:
            continue
        # Grid points at or after the occurrence's start, and strictly after the poll.
        low = max(interval.start - timedelta(microseconds=1), span.start)
        for instant in grid_between(origin, low, min(interval.end, span.end)):
            decision = teen.check(instant, state)
            if decision.nudge is not None and decision.redeliver_id is None:
                return instant
    return None


@st.composite
def school_weeks(draw: st.DrawFn) -> tuple[Teen, datetime, NudgeState, Random]:
    zone = draw(st.sampled_from(ZONES))
    start = draw(instants(zone)) - timedelta(days=draw(st.integers(0, 2)))
    teen = draw(teens(start, zone, max_length=240, min_windows=1))
    pause = st.integers(1, 3000).map(lambda m: start + timedelta(minutes=m))
    state = NudgeState(paused_until=draw(st.none() | pause))
    return teen, start, state, draw(SEEDED)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(school_weeks())
def test_a_client_polling_at_next_check_at_is_never_more_than_a_minute_late(
    week: tuple[Teen, datetime, NudgeState, Random],
) -> None:
    teen, start, state, rng = week
    end = start + timedelta(days=5)
    school = school_intervals(teen, start, end)
    client = Client(teen, rng, state, {})
    now = start
    while now < end:
        decision = client.poll(now)
        # Between two polls nothing changes the state, so the oracle sees what the client saw.
        due = first_due(teen, client.state, school, start, Interval(now, decision.next_check_at))
        if due is not None:
            late = decision.next_check_at - due
            assert late <= LATENESS, (now, decision.reason, decision.change_at, due)
        now = decision.next_check_at


# --- (c) caps and back-off hold for any sequence of checks and acks ----------------------------


@st.composite
def check_sequences(draw: st.DrawFn) -> tuple[Teen, list[datetime], Random]:
    zone = draw(st.sampled_from(ZONES))
    start = draw(instants(zone))
    teen = draw(teens(start, zone, min_windows=1))
    gaps = draw(st.lists(st.integers(1, 3 * 3600), min_size=1, max_size=120))
    moments, now = [], start
    for gap in gaps:
        now += timedelta(seconds=gap)
        moments.append(now)
    return teen, moments, draw(SEEDED)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(check_sequences())
def test_caps_and_back_off_hold_for_any_sequence_of_checks_and_acks(
    case: tuple[Teen, list[datetime], Random],
) -> None:
    teen, moments, rng = case
    client = Client(teen, rng, NudgeState(), {})
    emitted: list[tuple[datetime, date]] = []
    for now in moments:
        decision = client.poll(now)
        if decision.nudge is not None and decision.redeliver_id is None:
            emitted.append((now, decision.local_day))
        policy = decision.effective_policy
    if not emitted:
        return
    per_day = Counter(day for _, day in emitted)
    assert max(per_day.values()) <= policy.max_per_day
    gaps = [later - earlier for (earlier, _), (later, _) in pairwise(emitted)]
    assert all(gap >= timedelta(minutes=policy.min_interval_minutes) for gap in gaps)
