"""No calendar file can stall an import or break a write (issue 14's ICS classes).

Generated, not picked: rules from FREQ=SECONDLY to YEARLY with never-matching BYxxx parts,
huge COUNTs, far UNTILs and any INTERVAL must give a 200 with bounded counts after bounded
work, counted in the days the expansion looked at (never in seconds); a control character
in any stored property must give a 422 naming it with nothing written; and any bytes must
get a 200 or a problem, never a 500.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from alertsvc.db.models import ExceptionRow
from alertsvc.services.calendar_import import (
    MAX_DAYS_EXAMINED,
    MAX_LINES,
    MAX_OCCURRENCES_PER_EVENT,
    MAX_SEPARATORS,
    SERIES_COST,
    import_window,
    parse_calendar,
)
from tests.api.test_calendar_import import TEACHER_DAY, calendar, event, exceptions, upload
from tests.support import Api

TODAY = date(2026, 11, 25)  # the FakeClock's local date in America/New_York
FIXTURES = [HealthCheck.function_scoped_fixture]
FREQUENCIES = ["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"]
NEVER_MATCHING = [
    "BYMONTH=2;BYMONTHDAY=30",
    "BYMONTHDAY=31;BYMONTH=2",
    "BYMONTH=4,6,9,11;BYMONTHDAY=31",
    "BYYEARDAY=366;BYMONTH=1",
    "BYDAY=5MO;BYMONTHDAY=1",
    "BYWEEKNO=53;BYMONTH=6",
    "BYDAY=MO;BYSETPOS=7",
]
BY_PARTS = {
    "BYMONTH": st.integers(1, 12).map(str),
    "BYMONTHDAY": st.sampled_from(["1", "15", "29", "30", "31", "-1", "-31"]),
    "BYYEARDAY": st.sampled_from(["1", "60", "365", "366", "-1", "-366"]),
    "BYWEEKNO": st.sampled_from(["1", "26", "52", "53", "-1"]),
    "BYDAY": st.sampled_from(["MO", "FR", "1MO", "-1FR", "5SU", "MO,WE,FR", "2TU,-2TH"]),
    "BYSETPOS": st.sampled_from(["1", "-1", "3", "366", "-366"]),
    "BYHOUR": st.sampled_from(["0", "23"]),
}


@pytest.fixture
def teen_id(parent: Api) -> str:
    response = parent.post("/v1/teens", {"nickname": "Sam", "timezone": "America/New_York"})
    return str(response.get_json()["id"])


@st.composite
def rrules(draw: st.DrawFn) -> str:
    """An RRULE value: any FREQ, then never-matching or random BY parts and limits."""
    parts = [f"FREQ={draw(st.sampled_from(FREQUENCIES))}"]
    if draw(st.booleans()):
        parts.append(draw(st.sampled_from(NEVER_MATCHING)))
    else:
        names = draw(st.lists(st.sampled_from(sorted(BY_PARTS)), unique=True, max_size=4))
        parts += [f"{name}={draw(BY_PARTS[name])}" for name in names]
    count = draw(st.none() | st.sampled_from([1, 7, 100_000, 2**31 - 1]))
    if count is not None:
        parts.append(f"COUNT={count}")
    if draw(st.booleans()):
        until = draw(st.dates(date(2000, 1, 1), date(9999, 12, 31)))
        parts.append(f"UNTIL={until:%Y%m%d}")
    interval = draw(st.none() | st.sampled_from([0, 1, 2, 7, 400, 10**6, 2**31 - 1]))
    if interval is not None:
        parts.append(f"INTERVAL={interval}")
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(['MO', 'SU', 'WE']))}")
    return ";".join(draw(st.permutations(parts)))


series_starts = st.dates(date(1990, 1, 1), date(2037, 12, 31))


def series_file(rules: list[str], starts: list[date]) -> bytes:
    return calendar(
        *(
            event(f"rule-{i}@school.example", f"DTSTART;VALUE=DATE:{start:%Y%m%d}", f"RRULE:{rule}")
            for i, (rule, start) in enumerate(zip(rules, starts, strict=False))
        )
    )


def work_bound(starts: list[date], today: date) -> int:
    """Per series: the window, from the series' start when COUNT makes that matter, plus
    a year at each end for BYSETPOS's whole periods."""
    first, end = import_window(today)
    return sum(SERIES_COST + (end - min(start, first)).days + 2 * 366 for start in starts)


@settings(max_examples=400, deadline=None)
@given(
    rules=st.lists(rrules(), min_size=1, max_size=4),
    starts=st.lists(series_starts, min_size=4, max_size=4),
    today=st.dates(date(2000, 1, 1), date(2037, 12, 31)),
)
def test_any_rules_give_bounded_days_after_bounded_work(
    rules: list[str], starts: list[date], today: date
) -> None:
    parsed = parse_calendar(series_file(rules, starts), today)
    first, end = import_window(today)
    assert len(parsed.events) <= len(rules) * MAX_OCCURRENCES_PER_EVENT
    assert all(e.last_day >= first and e.first_day < end for e in parsed.events)
    assert parsed.days_examined <= work_bound(starts[: len(rules)], today) <= MAX_DAYS_EXAMINED


@settings(max_examples=30, deadline=None, suppress_health_check=FIXTURES)
@given(
    rules=st.lists(rrules(), min_size=1, max_size=3),
    starts=st.lists(series_starts, min_size=3, max_size=3),
)
def test_any_rules_are_answered_200_with_bounded_counts(
    parent: Api, teen_id: str, rules: list[str], starts: list[date]
) -> None:
    response = upload(parent, teen_id, series_file(rules, starts))
    assert response.status_code == 200, response.get_json()
    counts = response.get_json()
    assert counts["imported"] + counts["updated"] <= len(rules) * MAX_OCCURRENCES_PER_EVENT
    assert counts["skipped"] >= 0


def never_matching(events: int, start: str = "20260101", count: str = "") -> list[str]:
    return [
        event(
            f"never-{i}@school.example",
            f"DTSTART;VALUE=DATE:{start}",
            f"RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30{count}",
            "SUMMARY:Never",
        )
        for i in range(events)
    ]


def test_fifty_never_matching_all_day_rules_are_skipped_after_looking_at_the_window_only(
    parent: Api, teen_id: str
) -> None:
    # The file: 50 such events held a thread for 150 s while dateutil walked to 9999.
    data = calendar(*never_matching(50))
    assert upload(parent, teen_id, data).get_json() == {"imported": 0, "updated": 0, "skipped": 50}
    assert parse_calendar(data, TODAY).days_examined == 50 * (SERIES_COST + 432)


def test_an_import_that_would_look_at_too_many_days_is_422_and_writes_nothing(
    parent: Api, teen_id: str, app: Flask
) -> None:
    # With COUNT each series is walked from 2000: ~10,200 days, 20 of them over the budget.
    counted = never_matching(20, start="20000101", count=";COUNT=5")
    response = upload(parent, teen_id, calendar(TEACHER_DAY, *counted))
    assert response.status_code == 422
    assert "too much work" in response.get_json()["errors"][0]["message"]
    assert exceptions(parent, teen_id) == []
    assert upload(parent, teen_id, calendar(TEACHER_DAY, *counted[:19])).status_code == 200


def test_an_event_gives_at_most_its_cap_of_days_and_the_rest_are_skipped(
    parent: Api, teen_id: str
) -> None:
    # 200-day events every day: 199 start before the window and reach into it, 432 in it.
    long_daily = event(
        "long@school.example", "DTSTART;VALUE=DATE:20260101", "DURATION:P200D", "RRULE:FREQ=DAILY"
    )
    counts = upload(parent, teen_id, calendar(long_daily)).get_json()
    assert counts == {"imported": MAX_OCCURRENCES_PER_EVENT, "updated": 0, "skipped": 131}


def test_a_file_of_more_lines_than_the_parser_may_read_is_422(
    parent: Api, teen_id: str, app: Flask
) -> None:
    lines = "".join(f"SUMMARY:{i}\r\n" for i in range(MAX_LINES))
    data = calendar(TEACHER_DAY).replace(b"END:VEVENT", lines.encode() + b"END:VEVENT")
    assert len(data) < 1024 * 1024
    response = upload(parent, teen_id, data)
    assert response.status_code == 422
    assert f"more than {MAX_LINES} lines" in response.get_json()["errors"][0]["message"]
    assert exceptions(parent, teen_id) == []


def test_lines_the_import_does_not_read_do_not_count(parent: Api, teen_id: str) -> None:
    unread = "".join(f"X-FILLER:{i}\r\nDESCRIPTION:{i}\r\n" for i in range(MAX_LINES))
    alarm = "BEGIN:VALARM\r\nSUMMARY:not the event's\r\nEND:VALARM\r\n"
    data = calendar(TEACHER_DAY).replace(b"END:VEVENT", (unread + alarm).encode() + b"END:VEVENT")
    assert len(data) < 1024 * 1024
    assert upload(parent, teen_id, data).get_json()["imported"] == 1
    assert [e["note"] for e in exceptions(parent, teen_id)] == ["Teacher training day"]


def test_more_parameters_and_values_than_the_parser_may_read_is_422(
    parent: Api, teen_id: str
) -> None:
    exdates = ",".join(["20261202"] * MAX_SEPARATORS)
    data = calendar(TEACHER_DAY.replace("SUMMARY", f"EXDATE;VALUE=DATE:{exdates}\r\nSUMMARY"))
    response = upload(parent, teen_id, data)
    assert response.status_code == 422
    assert "parameters and values" in response.get_json()["errors"][0]["message"]


# --- control characters ---

REFUSED = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)]
SERIES_MASTER = event(
    "fridays@school.example",
    "DTSTART;VALUE=DATE:20270108",
    "RRULE:FREQ=WEEKLY;COUNT=4",
    "SUMMARY:Short-week Friday",
)
MOVED = event(
    "fridays@school.example",
    "RECURRENCE-ID;VALUE=DATE:20270115",
    "DTSTART;VALUE=DATE:20270114",
    "SUMMARY:Short-week Thursday",
)
STORED_EVENTS = [TEACHER_DAY, SERIES_MASTER, MOVED]


def with_character(text: str, name: str, character: str, where: float) -> str:
    """`text` with `character` put into its `name` property's value at a relative place."""
    lines = text.split("\r\n")
    index = next(i for i, line in enumerate(lines) if line.startswith(f"{name}:"))
    value = lines[index].removeprefix(f"{name}:")
    at = round(where * len(value))
    lines[index] = f"{name}:{value[:at]}{character}{value[at:]}"
    return "\r\n".join(lines)


def count_rows(app: Flask) -> int:
    with app.extensions["alertsvc"].sessions() as db:
        return int(db.scalar(select(func.count()).select_from(ExceptionRow)) or 0)


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURES)
@given(
    index=st.integers(0, len(STORED_EVENTS) - 1),
    name=st.sampled_from(["UID", "SUMMARY"]),
    character=st.sampled_from(REFUSED),
    where=st.floats(0, 1),
)
def test_a_control_character_in_a_stored_property_is_422_naming_it(
    parent: Api, teen_id: str, app: Flask, index: int, name: str, character: str, where: float
) -> None:
    events = list(STORED_EVENTS)
    events[index] = with_character(events[index], name, character, where)
    response = upload(parent, teen_id, calendar(*events))
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    (error,) = response.get_json()["errors"]
    assert error["field"] == f"calendar.VEVENT[{index}].{name}"
    assert f"U+{ord(character):04X}" in error["message"]
    assert count_rows(app) == 0


def test_every_event_with_a_control_character_is_named(parent: Api, teen_id: str) -> None:
    events = [with_character(e, "SUMMARY", "\x00", 0.5) for e in STORED_EVENTS]
    fields = [e["field"] for e in upload(parent, teen_id, calendar(*events)).get_json()["errors"]]
    assert fields == [f"calendar.VEVENT[{i}].SUMMARY" for i in range(3)]


@pytest.mark.parametrize(
    "data",
    [
        calendar(TEACHER_DAY.replace("Teacher training", "Teacher\ttraining")),
        calendar(TEACHER_DAY.replace("SUMMARY", "DESCRIPTION:a\x00b\x07\r\nSUMMARY")),
        calendar(
            TEACHER_DAY,
            event("evening@school.example", "DTSTART:20261203T180000Z", "SUMMARY:a\x00b"),
        ),
    ],
    ids=["a tab in a summary, stored as a space", "in a description", "in a timed event"],
)
def test_controls_that_are_never_stored_do_not_stop_an_import(
    parent: Api, teen_id: str, data: bytes
) -> None:
    response = upload(parent, teen_id, data)
    assert response.status_code == 200, response.get_json()
    assert [e["note"] for e in exceptions(parent, teen_id)] == ["Teacher training day"]


# --- any bytes ---

BASES = [
    calendar(TEACHER_DAY, SERIES_MASTER, MOVED),
    calendar(event("x@school.example", "DTSTART;VALUE=DATE:20261201", "RRULE:FREQ=DAILY")),
]


# Whole lines to put in: repeated or missing properties, values at the ends of what dates
# and integers hold, components opened or closed out of place.
LINES = [
    b"DTSTART;VALUE=DATE:99991231", b"DTSTART;VALUE=DATE:00010101", b"DTEND;VALUE=DATE:00010101",
    b"DURATION:P99999999D", b"DURATION:-P5D", b"RRULE:FREQ=DAILY;COUNT=3",
    b"RRULE:FREQ=YEARLY;INTERVAL=0", b"RRULE:FREQ=MONTHLY;BYSETPOS=-366;UNTIL=99991231",
    b"RECURRENCE-ID;VALUE=DATE:20270115", b"RECURRENCE-ID;RANGE=THISANDFUTURE:20270115T000000Z",
    b"RDATE;VALUE=PERIOD:20261210T000000Z/P2D", b"EXDATE;VALUE=DATE:00010101", b"SEQUENCE:x",
    b"STATUS:CANCELLED", b"BEGIN:VEVENT", b"END:VEVENT", b"BEGIN:VALARM", b"UID:", b"SUMMARY:",
]  # fmt: skip
edits = st.one_of(
    st.tuples(st.just("line"), st.integers(0, 99), st.sampled_from(LINES)),
    st.tuples(st.just("copy"), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(st.just("drop"), st.integers(0, 99)),
    st.tuples(st.just("bytes"), st.integers(0, 99), st.integers(0, 99), st.binary(max_size=4)),
)


def mutate(base: bytes, changes: list[tuple[Any, ...]]) -> bytes:
    """`base` with each change: a line put in, copied or dropped, or bytes put into one."""
    lines = base.split(b"\r\n")
    for kind, place, *rest in changes:
        at = place % len(lines)
        if kind == "line":
            lines.insert(at, rest[0])
        elif kind == "copy":
            lines.insert(at, lines[rest[0] % len(lines)])
        elif kind == "drop" and len(lines) > 1:
            del lines[at]
        elif kind == "bytes":
            offset = rest[0] % (len(lines[at]) + 1)
            lines[at] = lines[at][:offset] + rest[1] + lines[at][offset + 1 :]
    return b"\r\n".join(lines)


edited_calendars = st.builds(mutate, st.sampled_from(BASES), st.lists(edits, max_size=5))


@settings(max_examples=200, deadline=None, suppress_health_check=FIXTURES)
@given(data=st.binary(max_size=300) | edited_calendars)
def test_any_bytes_get_an_answer_and_never_a_500(parent: Api, teen_id: str, data: bytes) -> None:
    response = upload(parent, teen_id, data)
    assert response.status_code in (200, 422), (response.status_code, response.get_data())
    if response.status_code == 422:
        body: dict[str, Any] = response.get_json()
        assert response.mimetype == "application/problem+json"
        assert body["errors"]


@pytest.mark.parametrize(
    "lines",
    [
        ("DTSTART;VALUE=DATE:20261201", "DURATION:P99999999D"),
        ("DTSTART;VALUE=DATE:20261201", "DURATION:P99999999D", "RRULE:FREQ=DAILY"),
        ("DTSTART;VALUE=DATE:99991231", "RRULE:FREQ=DAILY"),
        ("DTSTART;VALUE=DATE:99991231", "DURATION:P2D"),
        ("DTSTART;VALUE=DATE:00010101", "DTEND;VALUE=DATE:00010101"),
        ("DTSTART;VALUE=DATE:00010101", "RRULE:FREQ=DAILY;COUNT=3"),
        ("DTSTART;VALUE=DATE:20261201", "RRULE:FREQ=DAILY", "RDATE;VALUE=DATE:99991231"),
        ("DTSTART;VALUE=DATE:20261201", "RRULE:FREQ=DAILY", "EXDATE;VALUE=DATE:00010101"),
    ],
)
def test_dates_at_the_ends_of_the_calendar_get_an_answer(
    parent: Api, teen_id: str, lines: tuple[str, ...]
) -> None:
    response = upload(parent, teen_id, calendar(event("edge@school.example", *lines)))
    assert response.status_code in (200, 422), response.get_data()


def test_the_window_is_31_days_back_to_400_ahead_within_the_supported_dates() -> None:
    assert import_window(TODAY) == (date(2026, 10, 25), date(2027, 12, 31))
    assert import_window(date(2000, 1, 10)) == (date(2000, 1, 1), date(2001, 2, 14))
    assert import_window(date(2037, 6, 1))[1] == date(2037, 12, 31) + timedelta(days=1)
