"""The decision order, fatigue back-off, re-delivery, state transitions and explanations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import pytz

from alertsvc.domain.copy import plain
from alertsvc.domain.decision import (
    DEFAULT_BODY,
    DEFAULT_TITLE,
    Arm,
    CheckInput,
    Decision,
    NudgeCopy,
    Reason,
    VariantParams,
    decide,
    effective_policy,
)
from alertsvc.domain.message import Sayable
from alertsvc.domain.schedule import (
    ExceptionKind,
    Place,
    Policy,
    Schedule,
    SchoolException,
    Term,
    Window,
)
from alertsvc.domain.state import (
    NudgeState,
    dismissal_run,
    effective_interval,
    with_ack,
    with_nudge,
)
from alertsvc.i18n import language


def said(sentence: Sayable) -> str:
    """A sentence as a British English reader gets it (24-hour times, as SPEC §4.5 writes)."""
    return language("en-GB").say(sentence)


ZONE = "America/New_York"
PLACE = Place(ZONE, "US")
MONDAY = date(2026, 11, 30)  # EST, UTC-05:00
THANKSGIVING = date(2026, 11, 26)
SATURDAY = date(2026, 11, 28)
SCHOOL_WEEK = Schedule(weekly=((Window(8 * 60, 15 * 60),),) * 5 + ((), ()))
TRAINING_DAY = SchoolException("exc_1", MONDAY, MONDAY, ExceptionKind.NO_SCHOOL, note="Staff day")
HOLDOUT_ARM = Arm("copy-2026-11", "control", VariantParams(holdout=True))
ORDER = list(Reason)


def local(day: date, hour: int, minute: int = 0, zone: str = ZONE, second: int = 0) -> datetime:
    """The UTC instant of a wall-clock time in a zone."""
    wall = datetime.combine(day, time(hour, minute, second))
    return pytz.timezone(zone).localize(wall).astimezone(UTC)


BASE = CheckInput(now=local(MONDAY, 10), device_id="device-1", place=PLACE, schedule=SCHOOL_WEEK)


def check(now: datetime, **fields: Any) -> Decision:
    return decide(replace(BASE, now=now, **fields))


def scenario(conditions: Iterable[Reason]) -> CheckInput:
    """A check at which exactly the given rules' conditions hold (as far as they can at once)."""
    on = set(conditions)
    if Reason.OUTSIDE_SCHOOL_HOURS in on:
        now = local(MONDAY, 7)
    elif Reason.GRACE_PERIOD in on:
        now = local(MONDAY, 8, 5)
    else:
        now = local(MONDAY, 10)
    marks = "...." if Reason.DAILY_CAP in on else "." if Reason.FREQUENCY_CAP in on else ""
    last = now - timedelta(minutes=5 if Reason.FREQUENCY_CAP in on else 180)
    state = NudgeState(
        paused_until=now + timedelta(hours=2) if Reason.PAUSED in on else None,
        snoozed_until=now + timedelta(minutes=20) if Reason.SNOOZED in on else None,
        day=MONDAY if marks else None,
        day_marks=marks,
        last_nudge_id="nud_last" if marks else None,
        last_nudge_at=last if marks else None,
        last_nudge_acked=True,
    )
    return CheckInput(
        now=now,
        device_id="device-1",
        place=PLACE,
        schedule=None if Reason.NO_SCHEDULE in on else SCHOOL_WEEK,
        exceptions=(TRAINING_DAY,) if Reason.NO_SCHOOL_TODAY in on else (),
        state=state,
        arm=HOLDOUT_ARM if Reason.HOLDOUT in on else None,
        kill_switch=Reason.DISABLED in on,
        device_offset_minutes=60 if Reason.AWAY in on else -300,
    )


# --- the decision order ---------------------------------------------------------------------


@pytest.mark.parametrize("winner", ORDER, ids=str)
def test_a_rule_wins_over_every_later_rule_that_also_matches(winner: Reason) -> None:
    decision = decide(scenario(ORDER[ORDER.index(winner) :]))
    assert decision.reason is winner
    assert (decision.nudge is not None) == (winner is Reason.IN_SCHOOL_HOURS)
    assert decision.redeliver_id is None


@pytest.mark.parametrize("rule", ORDER, ids=str)
def test_each_rule_alone_gives_its_own_reason(rule: Reason) -> None:
    assert decide(scenario([rule])).reason is rule


def test_the_order_of_reasons_is_the_order_of_spec_4_3() -> None:
    assert [r.value for r in ORDER] == [
        "disabled",
        "no_schedule",
        "paused",
        "no_school_today",
        "outside_school_hours",
        "grace_period",
        "away",
        "snoozed",
        "holdout",
        "daily_cap",
        "frequency_cap",
        "in_school_hours",
    ]


def test_a_nudge_carries_the_gentle_default_copy_and_the_current_window() -> None:
    decision = check(local(MONDAY, 10))
    assert decision.nudge == NudgeCopy(DEFAULT_TITLE, DEFAULT_BODY)
    assert str(decision.nudge.title) == "School time"
    assert decision.window is not None
    assert decision.window.start == local(MONDAY, 8)
    assert decision.window.end == local(MONDAY, 15)
    assert decision.local_day == MONDAY


@pytest.mark.parametrize(
    ("now", "reason"),
    [
        (local(MONDAY, 7, 59, second=59), Reason.OUTSIDE_SCHOOL_HOURS),
        (local(MONDAY, 8), Reason.GRACE_PERIOD),
        (local(MONDAY, 8, 9, second=59), Reason.GRACE_PERIOD),
        (local(MONDAY, 8, 10), Reason.IN_SCHOOL_HOURS),
        (local(MONDAY, 14, 59, second=59), Reason.IN_SCHOOL_HOURS),
        (local(MONDAY, 15), Reason.OUTSIDE_SCHOOL_HOURS),
    ],
)
def test_windows_are_half_open_and_grace_covers_their_first_minutes(
    now: datetime, reason: Reason
) -> None:
    assert check(now).reason is reason


@pytest.mark.parametrize(
    ("day", "exceptions", "term", "fragment"),
    [
        (SATURDAY, (), None, "no school on Saturdays"),
        (THANKSGIVING, (), None, "public holiday: Thanksgiving Day"),
        (MONDAY, (TRAINING_DAY,), None, "Staff day"),
        (MONDAY, (), Term(date(2027, 1, 4), date(2027, 6, 18)), "outside the school term"),
    ],
)
def test_no_school_today_says_why(
    day: date, exceptions: tuple[SchoolException, ...], term: Term | None, fragment: str
) -> None:
    schedule = Schedule(weekly=SCHOOL_WEEK.weekly, term=term)
    decision = check(local(day, 10), schedule=schedule, exceptions=exceptions)
    assert decision.reason is Reason.NO_SCHOOL_TODAY
    assert fragment in said(decision.explanation)
    assert ZONE in said(decision.explanation)


def test_a_custom_hours_exception_replaces_the_weekly_windows() -> None:
    half_day = SchoolException(
        "exc_2", MONDAY, MONDAY, ExceptionKind.CUSTOM_HOURS, windows=(Window(8 * 60, 12 * 60),)
    )
    assert check(local(MONDAY, 11), exceptions=(half_day,)).reason is Reason.IN_SCHOOL_HOURS
    assert check(local(MONDAY, 13), exceptions=(half_day,)).reason is (Reason.OUTSIDE_SCHOOL_HOURS)


@pytest.mark.parametrize(
    ("offset", "away"),
    [(None, False), (-300, False), (-211, False), (-210, True), (-390, True), (60, True)],
)
def test_away_when_the_device_offset_is_at_least_the_threshold_from_the_zone(
    offset: int | None, away: bool
) -> None:
    decision = check(local(MONDAY, 10), device_offset_minutes=offset)
    assert (decision.reason is Reason.AWAY) == away


def test_grace_counts_from_the_first_stretch_of_a_window_repeated_by_a_fall_back() -> None:
    # New York falls back at 02:00 EDT on 2026-11-01: 01:30–02:00 happens twice.
    sunday = date(2026, 11, 1)
    weekly = ((),) * 6 + ((Window(90, 120),),)
    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    second = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST
    schedule = Schedule(weekly=weekly, policy=Policy(grace_minutes=20))
    assert check(first + timedelta(minutes=10), schedule=schedule).reason is Reason.GRACE_PERIOD
    repeat = check(second + timedelta(minutes=1), schedule=schedule)
    assert repeat.reason is Reason.IN_SCHOOL_HOURS
    assert repeat.window is not None
    assert repeat.window.start == second
    assert repeat.local_day == sunday


def test_a_fall_back_across_midnight_does_not_reopen_the_earlier_date() -> None:
    # St. John's fell back at 00:01 NDT on 2005-10-30 to 23:01 NST on the 29th: the first minute
    # of Sunday came before the last hour of Saturday came around again.
    zone = "America/St_Johns"
    schedule = Schedule(
        weekly=((),) * 5 + ((Window(0, 1440),),) * 2, policy=Policy(grace_minutes=0)
    )
    sunday_first_minute = datetime(2005, 10, 30, 2, 30, 30, tzinfo=UTC)
    saturday_again = datetime(2005, 10, 30, 3, 0, tzinfo=UTC)  # 23:30 NST
    nudged = check(sunday_first_minute, schedule=schedule, place=Place(zone))
    assert nudged.reason is Reason.IN_SCHOOL_HOURS
    assert nudged.local_day == date(2005, 10, 30)
    state = with_nudge(NudgeState(), "nud_1", sunday_first_minute, nudged.local_day)
    later = check(saturday_again, schedule=schedule, place=Place(zone), state=state)
    assert later.local_day == date(2005, 10, 29)
    assert later.reason is Reason.DAILY_CAP


# --- fatigue back-off, caps and re-delivery ---------------------------------------------------


@pytest.mark.parametrize(
    ("marks", "k"),
    [("", 0), ("d", 1), ("dd", 2), ("ddd", 3), ("dddd", 3), ("dcd", 1), ("d.", 0), (".dd", 2)],
)
def test_back_off_doubles_per_dismissal_in_a_row_up_to_eight_times(marks: str, k: int) -> None:
    assert dismissal_run(marks) == k
    assert effective_interval(Policy(min_interval_minutes=30), marks) == timedelta(
        minutes=30 * 2**k
    )


def nudged_at(
    instant: datetime, nudge_id: str = "nud_1", prior: NudgeState | None = None
) -> NudgeState:
    return with_nudge(prior or NudgeState(), nudge_id, instant, MONDAY)


def test_an_unacked_nudge_is_answered_again_within_two_minutes() -> None:
    state = nudged_at(local(MONDAY, 10))
    decision = check(local(MONDAY, 10, 1, second=30), state=state)
    assert decision.reason is Reason.IN_SCHOOL_HOURS
    assert decision.redeliver_id == "nud_1"
    assert decision.nudge == NudgeCopy(DEFAULT_TITLE, DEFAULT_BODY)
    # The end of re-delivery is not a change; the end of the frequency cap is.
    assert decision.change_at == local(MONDAY, 10, 30)


def test_an_acked_nudge_is_not_answered_again() -> None:
    state = with_ack(
        nudged_at(local(MONDAY, 10)),
        nudge_id="nud_1",
        nudge_day=MONDAY,
        day_index=0,
        action="shown",
        at=local(MONDAY, 10, 0, second=5),
        snooze_minutes=30,
    )
    decision = check(local(MONDAY, 10, 1), state=state)
    assert decision.reason is Reason.FREQUENCY_CAP
    assert decision.nudge is None
    assert decision.redeliver_id is None


def test_after_two_minutes_the_cap_answers_instead_of_re_delivery() -> None:
    state = nudged_at(local(MONDAY, 10))
    decision = check(local(MONDAY, 10, 2), state=state)
    assert decision.reason is Reason.FREQUENCY_CAP
    assert decision.redeliver_id is None


def test_a_check_that_read_its_instant_just_before_the_winner_still_gets_the_nudge() -> None:
    # Another process stamped the nudge a few milliseconds (or, across hosts, seconds) after
    # this check read the clock; it must be re-delivered, not answered with the cap.
    state = nudged_at(local(MONDAY, 10, 0, second=3))
    decision = check(local(MONDAY, 10), state=state)
    assert decision.redeliver_id == "nud_1"
    too_early = check(local(MONDAY, 9, 59, second=55), state=state)
    assert too_early.redeliver_id is None


def test_re_delivery_also_replaces_the_daily_cap() -> None:
    state = NudgeState(day=MONDAY, day_marks="...")
    state = nudged_at(local(MONDAY, 10), "nud_4", state)
    decision = check(local(MONDAY, 10, 0, second=30), state=state)
    assert decision.redeliver_id == "nud_4"
    assert check(local(MONDAY, 11), state=state).reason is Reason.DAILY_CAP


def test_re_delivery_never_overrides_an_earlier_rule() -> None:
    state = nudged_at(local(MONDAY, 10))
    decision = check(local(MONDAY, 10, 1), state=state, device_offset_minutes=60)
    assert decision.reason is Reason.AWAY
    assert decision.nudge is None


def test_the_frequency_cap_grows_after_dismissals() -> None:
    state = NudgeState(
        day=MONDAY, day_marks="dd", last_nudge_id="n", last_nudge_at=local(MONDAY, 9, 30)
    )
    assert check(local(MONDAY, 10, 59), state=state).reason is Reason.FREQUENCY_CAP
    assert check(local(MONDAY, 11, 30), state=state).reason is Reason.IN_SCHOOL_HOURS


def test_a_new_local_day_resets_the_count_and_the_back_off() -> None:
    tuesday = MONDAY + timedelta(days=1)
    state = NudgeState(
        day=MONDAY,
        day_marks="dddd",
        last_nudge_id="n",
        last_nudge_at=local(MONDAY, 14, 50),
        last_nudge_acked=True,
    )
    assert check(local(MONDAY, 14, 55), state=state).reason is Reason.DAILY_CAP
    decision = check(local(tuesday, 8, 20), state=state)
    assert decision.reason is Reason.IN_SCHOOL_HOURS
    assert with_nudge(state, "n2", local(tuesday, 8, 20), tuesday).day_marks == "."


def test_the_frequency_cap_holds_across_midnight() -> None:
    weekly = ((Window(22 * 60, 1440),), (Window(0, 60),)) + ((),) * 5
    schedule = Schedule(weekly=weekly, policy=Policy(grace_minutes=0))
    state = nudged_at(local(MONDAY, 23, 50))
    tuesday = MONDAY + timedelta(days=1)
    assert check(local(tuesday, 0, 10), schedule=schedule, state=state).reason is (
        Reason.FREQUENCY_CAP
    )
    assert check(local(tuesday, 0, 20), schedule=schedule, state=state).reason is (
        Reason.IN_SCHOOL_HOURS
    )


# --- experiments --------------------------------------------------------------------------------


def test_variant_overrides_replace_copy_and_cadence() -> None:
    params = VariantParams(
        title=plain("Quick check"),
        body=plain("Maybe later?"),
        grace_minutes=0,
        min_interval_minutes=5,
        max_per_day=2,
    )
    arm = Arm("cadence", "fast", params)
    first = check(local(MONDAY, 8, 0, second=30), arm=arm)
    assert first.reason is Reason.IN_SCHOOL_HOURS
    assert first.nudge is not None
    assert (said(first.nudge.title), said(first.nudge.body)) == ("Quick check", "Maybe later?")
    assert first.effective_policy == Policy(grace_minutes=0, min_interval_minutes=5, max_per_day=2)
    state = with_nudge(NudgeState(), "n1", local(MONDAY, 8), MONDAY)
    assert check(local(MONDAY, 8, 4), arm=arm, state=state).reason is Reason.FREQUENCY_CAP
    assert check(local(MONDAY, 8, 5), arm=arm, state=state).reason is Reason.IN_SCHOOL_HOURS
    state = with_nudge(state, "n2", local(MONDAY, 8, 5), MONDAY)
    assert check(local(MONDAY, 9), arm=arm, state=state).reason is Reason.DAILY_CAP


def test_a_variant_may_set_only_the_title() -> None:
    arm = Arm("copy", "short", VariantParams(title=plain("Hey")))
    nudge = check(local(MONDAY, 10), arm=arm).nudge
    assert nudge is not None
    assert (said(nudge.title), nudge.body) == ("Hey", DEFAULT_BODY)


def test_unset_overrides_keep_the_schedules_policy() -> None:
    policy = Policy(grace_minutes=3, min_interval_minutes=45, max_per_day=7)
    arm = Arm("copy", "a", VariantParams(grace_minutes=0))
    assert effective_policy(policy, arm) == Policy(
        grace_minutes=0, min_interval_minutes=45, max_per_day=7
    )
    assert effective_policy(policy, None) == policy


def test_the_holdout_variant_never_nudges_but_keeps_the_window() -> None:
    decision = check(local(MONDAY, 10), arm=HOLDOUT_ARM)
    assert decision.reason is Reason.HOLDOUT
    assert decision.nudge is None
    assert decision.window is not None
    assert decision.change_at == local(MONDAY, 15)


# --- state transitions --------------------------------------------------------------------------


def acked(
    state: NudgeState, action: str, index: int = 0, *, nudge_id: str = "nud_1", day: date = MONDAY
) -> NudgeState:
    return with_ack(
        state,
        nudge_id=nudge_id,
        nudge_day=day,
        day_index=index,
        action=action,
        at=local(MONDAY, 10, 5),
        snooze_minutes=30,
    )


def test_with_nudge_starts_a_day_and_appends_to_it() -> None:
    first = nudged_at(local(MONDAY, 9))
    assert first == NudgeState(
        day=MONDAY, day_marks=".", last_nudge_id="nud_1", last_nudge_at=local(MONDAY, 9)
    )
    second = with_nudge(acked(first, "shown"), "nud_2", local(MONDAY, 10), MONDAY)
    assert second.day_marks == ".."
    assert second.last_nudge_id == "nud_2"
    assert second.last_nudge_acked is False


@pytest.mark.parametrize(
    ("before", "action", "after"),
    [
        (".", "dismissed", "d"),
        (".", "closed_app", "c"),
        ("c", "dismissed", "c"),
        ("d", "closed_app", "c"),
        (".", "shown", "."),
        (".", "report_wrong", "."),
        (".", "school_use", "."),
    ],
)
def test_acks_mark_the_nudge_they_answer(before: str, action: str, after: str) -> None:
    state = NudgeState(day=MONDAY, day_marks=before, last_nudge_id="nud_1")
    updated = acked(state, action)
    assert updated.day_marks == after
    assert updated.last_nudge_acked is True


def test_school_use_snoozes_and_never_shortens_a_snooze() -> None:
    state = NudgeState(day=MONDAY, day_marks=".", last_nudge_id="nud_1")
    snoozed = acked(state, "school_use")
    assert snoozed.snoozed_until == local(MONDAY, 10, 35)
    longer = NudgeState(snoozed_until=local(MONDAY, 11), last_nudge_id="nud_1")
    assert acked(longer, "school_use").snoozed_until == local(MONDAY, 11)


def test_an_ack_of_an_older_nudge_marks_it_but_leaves_the_last_unacked() -> None:
    state = NudgeState(day=MONDAY, day_marks="..", last_nudge_id="nud_2")
    updated = acked(state, "dismissed", 0, nudge_id="nud_1")
    assert updated.day_marks == "d."
    assert updated.last_nudge_acked is False


def test_an_ack_for_a_nudge_of_another_day_leaves_the_marks_alone() -> None:
    state = NudgeState(day=MONDAY, day_marks=".", last_nudge_id="nud_9")
    updated = acked(state, "dismissed", 0, nudge_id="nud_old", day=MONDAY - timedelta(days=1))
    assert updated == state
    assert acked(state, "dismissed", 5, nudge_id="nud_9").day_marks == "."


def test_an_unknown_ack_action_is_rejected() -> None:
    with pytest.raises(ValueError, match="bogus"):
        acked(NudgeState(), "bogus")


# --- explanations ---------------------------------------------------------------------------------


def explained(conditions: Iterable[Reason]) -> str:
    return said(decide(scenario(conditions)).explanation)


def test_the_explanation_matches_spec_4_5s_example() -> None:
    state = NudgeState(
        day=MONDAY, day_marks=".", last_nudge_id="n", last_nudge_at=local(MONDAY, 10, 12)
    )
    assert said(check(local(MONDAY, 10, 20), state=state).explanation) == (
        "School hours today are 08:00–15:00 (America/New_York); "
        "a reminder can come again after 10:42."
    )


@pytest.mark.parametrize(
    ("reason", "fragment"),
    [
        (Reason.DISABLED, "Reminders are switched off for now"),
        (Reason.NO_SCHEDULE, "no school schedule"),
        (Reason.PAUSED, "paused until 12:00 (America/New_York)"),
        (Reason.NO_SCHOOL_TODAY, "no school today (Staff day)"),
        (Reason.OUTSIDE_SCHOOL_HOURS, "the next school hours start at 08:00"),
        (Reason.GRACE_PERIOD, "reminders can start at 08:10"),
        (Reason.AWAY, "far from the school's time zone"),
        (Reason.SNOOZED, "snoozed until 10:20"),
        (Reason.HOLDOUT, "comparison group"),
        (Reason.DAILY_CAP, "limit of 4 reminders"),
        (Reason.FREQUENCY_CAP, "a reminder can come again after 10:25"),
        (Reason.IN_SCHOOL_HOURS, "at 10:00 it is school time"),
    ],
)
def test_every_reason_is_explained_in_one_plain_sentence(reason: Reason, fragment: str) -> None:
    text = explained([reason])
    assert fragment.lower() in text.lower()
    assert text.endswith(".")
    assert ". " not in text
    assert "device-1" not in text
    if reason not in {Reason.DISABLED, Reason.NO_SCHEDULE}:
        assert ZONE in text


def test_explanations_name_other_days_in_words() -> None:
    paused = NudgeState(paused_until=local(MONDAY + timedelta(days=1), 7, 45))
    assert "paused until tomorrow at 07:45" in said(
        check(local(MONDAY, 10), state=paused).explanation
    )
    later = NudgeState(paused_until=local(date(2027, 1, 4), 8))
    text = said(check(local(MONDAY, 10), state=later).explanation)
    assert "until Monday, 4 January 2027 at 08:00" in text
    friday = said(check(local(date(2026, 11, 27), 16)).explanation)
    assert "the next school hours start on Monday 30 November at 08:00" in friday


def test_back_off_is_mentioned_when_it_applies() -> None:
    state = NudgeState(
        day=MONDAY, day_marks="d", last_nudge_id="n", last_nudge_at=local(MONDAY, 10)
    )
    text = said(check(local(MONDAY, 10, 30), state=state).explanation)
    assert "after 11:00" in text
    assert "dismissed" in text


def test_a_re_delivery_says_so() -> None:
    state = nudged_at(local(MONDAY, 10))
    text = said(check(local(MONDAY, 10, 1), state=state).explanation)
    assert "the reminder from 10:00 again" in text
