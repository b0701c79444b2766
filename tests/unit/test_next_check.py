"""`next_check_at` (SPEC §4.4): the earliest change, plus a stable spread, within [60 s, 1 h]."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import pytz

from alertsvc.domain.decision import CheckInput, Decision, Reason, decide, device_spread
from alertsvc.domain.schedule import Place, Policy, Schedule, Window
from alertsvc.domain.state import NudgeState, with_ack, with_nudge

ZONE = "America/New_York"
MONDAY = date(2026, 11, 30)  # EST, UTC-05:00
SCHOOL_WEEK = Schedule(weekly=((Window(8 * 60, 15 * 60),),) * 5 + ((), ()))
DEVICE = "device-1"
SPREAD = timedelta(seconds=34, milliseconds=220)  # device_spread("device-1"), pinned
BASE = CheckInput(
    now=datetime(2026, 11, 30, 15, tzinfo=UTC),
    device_id=DEVICE,
    place=Place(ZONE, "US"),
    schedule=SCHOOL_WEEK,
)


def local(day: date, hour: int, minute: int = 0, zone: str = ZONE, second: int = 0) -> datetime:
    wall = datetime.combine(day, time(hour, minute, second))
    return pytz.timezone(zone).localize(wall).astimezone(UTC)


def check(now: datetime, **fields: Any) -> Decision:
    return decide(replace(BASE, now=now, **fields))


def test_the_spread_is_a_stable_hash_of_the_device() -> None:
    assert device_spread(DEVICE) == SPREAD
    assert device_spread("device-7") == timedelta(seconds=9, milliseconds=139)


def test_the_spread_stays_within_a_minute_and_spreads_devices_out() -> None:
    spreads = [device_spread(f"dev_{n}") for n in range(5000)]
    assert all(timedelta(0) <= spread < timedelta(seconds=60) for spread in spreads)
    assert len({spread // timedelta(seconds=1) for spread in spreads}) == 60


def test_before_school_the_next_check_is_the_first_minute_after_grace() -> None:
    decision = check(local(MONDAY, 7, 30))
    assert decision.reason is Reason.OUTSIDE_SCHOOL_HOURS
    assert decision.change_at == local(MONDAY, 8, 10)
    assert decision.next_check_at == local(MONDAY, 8, 10) + SPREAD


def test_in_grace_the_next_check_is_the_end_of_grace() -> None:
    decision = check(local(MONDAY, 8, 5))
    assert decision.reason is Reason.GRACE_PERIOD
    assert decision.next_check_at == local(MONDAY, 8, 10) + SPREAD


def test_after_a_nudge_the_next_check_is_the_end_of_the_interval() -> None:
    decision = check(local(MONDAY, 10))
    assert decision.reason is Reason.IN_SCHOOL_HOURS
    assert decision.next_check_at == local(MONDAY, 10, 30) + SPREAD


def test_after_a_dismissal_the_interval_doubles() -> None:
    state = with_nudge(NudgeState(), "nud_1", local(MONDAY, 10), MONDAY)
    state = with_ack(
        state,
        nudge_id="nud_1",
        nudge_day=MONDAY,
        day_index=0,
        action="dismissed",
        at=local(MONDAY, 10, 1),
        snooze_minutes=30,
    )
    decision = check(local(MONDAY, 10, 30), state=state)
    assert decision.reason is Reason.FREQUENCY_CAP
    assert decision.next_check_at == local(MONDAY, 11) + SPREAD


def test_a_cap_that_outlasts_the_window_waits_for_the_window_end() -> None:
    state = with_nudge(NudgeState(), "nud_1", local(MONDAY, 14, 40), MONDAY)
    decision = check(local(MONDAY, 14, 45), state=state)
    assert decision.reason is Reason.FREQUENCY_CAP
    assert decision.change_at == local(MONDAY, 15)
    assert decision.next_check_at == local(MONDAY, 15) + SPREAD


def test_at_the_window_end_the_next_school_day_is_more_than_an_hour_away() -> None:
    decision = check(local(MONDAY, 15))
    assert decision.reason is Reason.OUTSIDE_SCHOOL_HOURS
    assert decision.change_at == local(MONDAY + timedelta(days=1), 8, 10)
    assert decision.next_check_at == local(MONDAY, 16)


def test_a_snooze_ends_where_the_next_check_is() -> None:
    state = NudgeState(snoozed_until=local(MONDAY, 10, 20))
    decision = check(local(MONDAY, 10), state=state)
    assert decision.reason is Reason.SNOOZED
    assert decision.next_check_at == local(MONDAY, 10, 20) + SPREAD


def test_a_pause_ends_where_the_next_check_is() -> None:
    state = NudgeState(paused_until=local(MONDAY, 10, 20))
    assert check(local(MONDAY, 10), state=state).next_check_at == local(MONDAY, 10, 20) + SPREAD
    longer = NudgeState(paused_until=local(MONDAY, 18))
    assert check(local(MONDAY, 10), state=longer).next_check_at == local(MONDAY, 11)


def test_a_daily_cap_resets_at_local_midnight_not_utc_midnight() -> None:
    # Kathmandu is UTC+05:45: its midnight is 18:15 UTC.
    zone = "Asia/Kathmandu"
    evenings = Schedule(weekly=((Window(18 * 60, 24 * 60),),) * 7, policy=Policy(max_per_day=2))
    state = NudgeState(
        day=MONDAY,
        day_marks="..",
        last_nudge_id="nud_2",
        last_nudge_at=local(MONDAY, 22, zone=zone),
        last_nudge_acked=True,
    )
    decision = check(
        local(MONDAY, 23, 30, zone=zone), place=Place(zone), schedule=evenings, state=state
    )
    assert decision.reason is Reason.DAILY_CAP
    assert decision.change_at == datetime(2026, 11, 30, 18, 15, tzinfo=UTC)
    assert decision.next_check_at == datetime(2026, 11, 30, 18, 15, tzinfo=UTC) + SPREAD


def test_after_the_last_window_of_a_capped_day_the_next_day_is_what_counts() -> None:
    weekly = ((Window(8 * 60, 9 * 60), Window(10 * 60, 11 * 60)),) * 7
    state = NudgeState(
        day=MONDAY,
        day_marks="....",
        last_nudge_id="nud_4",
        last_nudge_at=local(MONDAY, 8, 50),
        last_nudge_acked=True,
    )
    decision = check(local(MONDAY, 9, 30), schedule=Schedule(weekly=weekly), state=state)
    assert decision.reason is Reason.OUTSIDE_SCHOOL_HOURS
    assert decision.change_at == local(MONDAY + timedelta(days=1), 8, 10)


def test_a_back_off_that_crosses_midnight_ends_at_midnight() -> None:
    weekly = ((Window(20 * 60, 24 * 60),), (Window(0, 24 * 60),)) + ((),) * 5
    schedule = Schedule(weekly=weekly, policy=Policy(grace_minutes=0))
    state = NudgeState(
        day=MONDAY,
        day_marks="ddd",
        last_nudge_id="nud_3",
        last_nudge_at=local(MONDAY, 20, 30),
        last_nudge_acked=True,
    )
    tuesday = MONDAY + timedelta(days=1)
    decision = check(local(tuesday, 0, 10), schedule=schedule, state=state)
    assert decision.reason is Reason.IN_SCHOOL_HOURS  # a new day, a fresh 30-minute interval
    evening = check(local(MONDAY, 23, 30), schedule=schedule, state=state)
    assert evening.reason is Reason.FREQUENCY_CAP
    assert evening.change_at == local(tuesday, 0)


def test_the_zones_clock_change_can_end_being_away() -> None:
    # New York springs forward at 02:00 EST on 2026-03-08; a device already on EDT stops
    # being away at that instant.
    sunday = date(2026, 3, 8)
    weekly = ((),) * 6 + ((Window(60, 5 * 60),),)
    schedule = Schedule(weekly=weekly, policy=Policy(grace_minutes=0, away_threshold_minutes=30))
    decision = check(
        datetime(2026, 3, 8, 6, 30, tzinfo=UTC), schedule=schedule, device_offset_minutes=-240
    )
    assert decision.reason is Reason.AWAY
    assert decision.local_day == sunday
    assert decision.change_at == datetime(2026, 3, 8, 7, tzinfo=UTC)


def test_a_change_within_a_minute_still_waits_a_minute() -> None:
    now = local(MONDAY, 8, 9, second=30)
    decision = check(now, device_id="device-7")
    assert decision.change_at == local(MONDAY, 8, 10)
    assert decision.next_check_at == now + timedelta(seconds=60)


@pytest.mark.parametrize(
    "fields",
    [{"schedule": None}, {"kill_switch": True}, {"now": local(MONDAY, 5)}],
    ids=["no schedule", "kill switch", "long before school"],
)
def test_with_no_change_within_an_hour_the_next_check_is_an_hour_away(
    fields: dict[str, Any],
) -> None:
    now = fields.get("now", local(MONDAY, 10))
    decision = check(now, **{name: value for name, value in fields.items() if name != "now"})
    assert decision.next_check_at == now + timedelta(hours=1)


def test_re_delivery_keeps_the_caps_next_check() -> None:
    state = with_nudge(NudgeState(), "nud_1", local(MONDAY, 10), MONDAY)
    decision = check(local(MONDAY, 10, 1), state=state)
    assert decision.redeliver_id == "nud_1"
    assert decision.next_check_at == local(MONDAY, 10, 30) + SPREAD
