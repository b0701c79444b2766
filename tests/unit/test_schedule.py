"""Validation of schedules and windows (SPEC §4.1 windows, §4.2 policy bounds)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import pytest

from alertsvc.domain.errors import InvalidFieldsError
from alertsvc.domain.schedule import (
    POLICY_BOUNDS,
    WEEKDAYS,
    Policy,
    Schedule,
    Term,
    Window,
    build_schedule,
    build_windows,
    format_hhmm,
    parse_hhmm,
)

Pairs = Sequence[tuple[str, str]]


def build(
    weekly: Mapping[str, Pairs] | None = None,
    term: tuple[date, date] | None = None,
    policy: Mapping[str, int] | None = None,
) -> Schedule:
    return build_schedule(weekly or {}, term, True, policy or {})


def rejected_fields(
    weekly: Mapping[str, Pairs] | None = None,
    term: tuple[date, date] | None = None,
    policy: Mapping[str, object] | None = None,
) -> list[str]:
    with pytest.raises(InvalidFieldsError) as caught:
        build_schedule(weekly or {}, term, True, policy or {})  # type: ignore[arg-type]
    return [error.field for error in caught.value.errors]


# --- HH:MM ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("00:00", 0),
        ("08:15", 495),
        ("12:00", 720),
        ("23:59", 1439),
        ("24:00", 1440),
    ],
)
def test_hhmm_is_read_as_minutes_after_local_midnight(text: str, minutes: int) -> None:
    assert parse_hhmm(text) == minutes
    assert format_hhmm(minutes) == text


@pytest.mark.parametrize(
    "text",
    [
        "8:15",
        "08:5",
        "0815",
        "08.15",
        "08:60",
        "24:01",
        "24:59",
        "25:00",
        "99:99",
        "-1:00",
        "",
        "ab:cd",
        " 08:15",
        "08:15 ",
        "08:15\n",
        "08:15:00",
        "\u0660\u0668:\u0661\u0665",  # Arabic-Indic digits match `\d`, not HH:MM
    ],
)
def test_anything_but_a_24_hour_hhmm_up_to_24_00_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match=r"HH:MM|24:00"):
        parse_hhmm(text)


# --- windows of one day ----------------------------------------------------------------------


def test_a_valid_week_becomes_sorted_windows_indexed_from_monday() -> None:
    schedule = build(
        {
            "mon": [("12:30", "15:05"), ("08:15", "11:45")],
            "wed": [("09:00", "24:00")],
            "sun": [],
        },
        term=(date(2026, 9, 2), date(2027, 6, 18)),
        policy={"grace_minutes": 5},
    )
    assert schedule.weekly[0] == (Window(495, 705), Window(750, 905))
    assert schedule.weekly[1] == ()
    assert schedule.windows_for_weekday(2) == (Window(540, 1440),)
    assert schedule.weekly[6] == ()
    assert len(schedule.weekly) == len(WEEKDAYS) == 7
    assert schedule.term == Term(date(2026, 9, 2), date(2027, 6, 18))
    assert schedule.policy == Policy(grace_minutes=5)
    assert schedule.observe_public_holidays is True


def test_missing_weekdays_and_policy_mean_no_school_and_default_policy() -> None:
    schedule = build({})
    assert schedule.weekly == ((),) * 7
    assert schedule.policy == Policy(10, 30, 4, 30, 90)
    assert schedule.term is None


@pytest.mark.parametrize(
    ("windows", "fields"),
    [
        pytest.param([("08:00", "24:00")], [], id="end 24:00 is allowed"),
        pytest.param([("23:59", "24:00")], [], id="the last minute of the day is a window"),
        pytest.param([("08:00", "10:00"), ("10:00", "12:00")], [], id="touching is not overlap"),
        pytest.param([("08:00", "24:01")], ["weekly.mon[0].end"], id="end 24:01 is rejected"),
        pytest.param([("08:00", "25:00")], ["weekly.mon[0].end"], id="end 25:00 is rejected"),
        pytest.param([("8:00", "10:00")], ["weekly.mon[0].start"], id="bad start is named"),
        pytest.param(
            [("x", "y")],
            ["weekly.mon[0].start", "weekly.mon[0].end"],
            id="both bad halves are named",
        ),
        pytest.param([("10:00", "10:00")], ["weekly.mon[0].end"], id="start equal to end"),
        pytest.param([("11:00", "10:00")], ["weekly.mon[0].end"], id="start after end"),
        pytest.param(
            [("24:00", "24:00")],
            ["weekly.mon[0].start", "weekly.mon[0].end"],
            id="start 24:00 is rejected",
        ),
        pytest.param(
            [("08:00", "10:00"), ("09:00", "11:00")],
            ["weekly.mon[1].start"],
            id="overlap names the later window",
        ),
        pytest.param(
            [("09:00", "11:00"), ("08:00", "10:00")],
            ["weekly.mon[0].start"],
            id="overlap names the later window even when it is listed first",
        ),
        pytest.param(
            [("08:00", "18:00"), ("09:00", "10:00"), ("11:00", "12:00")],
            ["weekly.mon[1].start", "weekly.mon[2].start"],
            id="every window inside a long one overlaps it, not only the next",
        ),
        pytest.param(
            [("08:00", "10:00"), ("08:00", "10:00")],
            ["weekly.mon[1].start"],
            id="a duplicate overlaps",
        ),
        pytest.param(
            [("bad", "10:00"), ("08:00", "10:00"), ("09:00", "11:00")],
            ["weekly.mon[0].start", "weekly.mon[2].start"],
            id="an unparsable window keeps the indices of the others",
        ),
        pytest.param(
            [(f"{h:02d}:00", f"{h:02d}:30") for h in range(8)],
            [],
            id="eight windows are allowed",
        ),
        pytest.param(
            [(f"{h:02d}:00", f"{h:02d}:30") for h in range(9)],
            ["weekly.mon"],
            id="nine windows are too many",
        ),
    ],
)
def test_one_days_windows_follow_the_window_rules(windows: Pairs, fields: list[str]) -> None:
    if fields:
        assert sorted(rejected_fields({"mon": windows})) == sorted(fields)
    else:
        assert len(build({"mon": windows}).weekly[0]) == len(windows)


def test_an_unknown_weekday_is_named() -> None:
    assert rejected_fields({"monday": [("08:00", "10:00")], "mon": []}) == ["weekly.monday"]


def test_overlap_message_names_the_earlier_window() -> None:
    with pytest.raises(InvalidFieldsError) as caught:
        build({"tue": [("08:00", "10:00"), ("09:30", "11:00")]})
    (error,) = caught.value.errors
    assert error.field == "weekly.tue[1].start"
    assert "weekly.tue[0]" in str(error.message)
    assert "08:00–10:00" in str(error.message)


# --- term -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_day", "last_day", "fields"),
    [
        pytest.param(date(2000, 1, 1), date(2037, 12, 31), [], id="the supported range edges"),
        pytest.param(date(2026, 9, 2), date(2026, 9, 2), [], id="a one-day term"),
        pytest.param(date(2026, 9, 3), date(2026, 9, 2), ["term.last_day"], id="reversed"),
        pytest.param(date(1999, 12, 31), date(2026, 6, 1), ["term.first_day"], id="before 2000"),
        pytest.param(date(2026, 9, 1), date(2038, 1, 1), ["term.last_day"], id="after 2037"),
        pytest.param(
            date(2038, 1, 2),
            date(1999, 1, 1),
            ["term.first_day", "term.last_day", "term.last_day"],
            id="out of range and reversed",
        ),
    ],
)
def test_a_term_is_ordered_and_within_2000_to_2037(
    first_day: date, last_day: date, fields: list[str]
) -> None:
    if fields:
        assert sorted(rejected_fields(term=(first_day, last_day))) == sorted(fields)
    else:
        assert build(term=(first_day, last_day)).term == Term(first_day, last_day)


# --- policy -----------------------------------------------------------------------------------

POLICY_EDGES = [
    pytest.param(name, value, ok, id=f"{name}={value}")
    for name, (low, high) in POLICY_BOUNDS.items()
    for value, ok in ((low - 1, False), (low, True), (high, True), (high + 1, False))
]


def test_policy_bounds_are_the_specs() -> None:
    assert dict(POLICY_BOUNDS) == {
        "grace_minutes": (0, 120),
        "min_interval_minutes": (5, 480),
        "max_per_day": (1, 50),
        "snooze_minutes": (5, 240),
        "away_threshold_minutes": (30, 720),
    }


@pytest.mark.parametrize(("name", "value", "ok"), POLICY_EDGES)
def test_every_policy_bound_is_inclusive_at_both_edges(name: str, value: int, ok: bool) -> None:
    if ok:
        assert getattr(build(policy={name: value}).policy, name) == value
    else:
        assert rejected_fields(policy={name: value}) == [f"policy.{name}"]


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        pytest.param({"nudges_per_hour": 3}, "policy.nudges_per_hour", id="unknown field"),
        pytest.param({"max_per_day": "4"}, "policy.max_per_day", id="a string"),
        pytest.param({"max_per_day": 4.0}, "policy.max_per_day", id="a float"),
        pytest.param({"max_per_day": True}, "policy.max_per_day", id="a boolean"),
    ],
)
def test_a_policy_that_is_not_known_integers_is_a_field_error_not_a_crash(
    policy: Mapping[str, object], field: str
) -> None:
    assert rejected_fields(policy=policy) == [field]


# --- all at once ------------------------------------------------------------------------------


def test_every_error_is_reported_at_once() -> None:
    fields = rejected_fields(
        {
            "mon": [("08:00", "10:00"), ("09:00", "11:00")],
            "tue": [("7:00", "09:00")],
            "wed": [("12:00", "11:00")],
            "funday": [],
        },
        term=(date(2027, 1, 1), date(2026, 1, 1)),
        policy={"grace_minutes": 121, "max_per_day": 0},
    )
    assert sorted(fields) == sorted(
        [
            "weekly.mon[1].start",
            "weekly.tue[0].start",
            "weekly.wed[0].end",
            "weekly.funday",
            "term.last_day",
            "policy.grace_minutes",
            "policy.max_per_day",
        ]
    )


def test_the_error_message_lists_every_field() -> None:
    with pytest.raises(InvalidFieldsError, match=r"weekly\.mon\[0\]\.end.*policy\.max_per_day"):
        build({"mon": [("10:00", "09:00")]}, policy={"max_per_day": 51})


# --- custom_hours windows ---------------------------------------------------------------------


def test_exception_windows_are_parsed_sorted_and_checked_like_weekly_ones() -> None:
    assert build_windows("windows", [("12:00", "13:00"), ("08:00", "10:00")]) == (
        Window(480, 600),
        Window(720, 780),
    )
    assert build_windows("windows", []) == ()


@pytest.mark.parametrize(
    ("pairs", "fields"),
    [
        pytest.param([("25:00", "26:00")], ["windows[0].start", "windows[0].end"], id="bad"),
        pytest.param([("08:00", "24:01")], ["windows[0].end"], id="past 24:00"),
        pytest.param([("10:00", "09:00")], ["windows[0].end"], id="reversed"),
        pytest.param([("08:00", "10:00"), ("09:00", "11:00")], ["windows[1].start"], id="overlap"),
        pytest.param(
            [(f"{h:02d}:00", f"{h:02d}:30") for h in range(9)], ["windows"], id="too many"
        ),
    ],
)
def test_bad_exception_windows_are_named_by_their_path(pairs: Pairs, fields: list[str]) -> None:
    with pytest.raises(InvalidFieldsError) as caught:
        build_windows("windows", pairs)
    assert [error.field for error in caught.value.errors] == fields
