"""ICS import: all-day events become no-school exceptions; re-imports update, never double."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from alertsvc.db.models import ExceptionRow
from alertsvc.services.calendar_import import (
    MAX_DAYS_EXAMINED,
    SERIES_COST,
    CalendarFormatError,
    parse_calendar,
)
from tests.support import Api, FakeClock

CRLF = "\r\n"


def calendar(*events: str) -> bytes:
    # Only line breaks are trimmed: an event may end in a control character on purpose.
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip(CRLF)}\r\nEND:VEVENT\r\n" for e in events)
    text = (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//alertsvc tests//EN\r\n{body}END:VCALENDAR\r\n"
    )
    return text.encode()


def event(uid: str, *lines: str) -> str:
    return "\r\n".join([f"UID:{uid}", "DTSTAMP:20260801T000000Z", *lines])


THANKSGIVING = event(
    "thanksgiving-2026@school.example",
    "DTSTART;VALUE=DATE:20261126",
    "DTEND;VALUE=DATE:20261128",
    "SUMMARY:Thanksgiving break",
)
TEACHER_DAY = event(
    "teacher-day@school.example", "DTSTART;VALUE=DATE:20261211", "SUMMARY:Teacher training day"
)
PARENTS_EVENING = event(
    "parents-evening@school.example",
    "DTSTART;TZID=America/New_York:20261203T180000",
    "DTEND;TZID=America/New_York:20261203T200000",
    "SUMMARY:Parents' evening",
)
FRIDAYS_OFF = event(
    "fridays-off@school.example",
    "DTSTART;VALUE=DATE:20270108",
    "DTEND;VALUE=DATE:20270109",
    "RRULE:FREQ=WEEKLY;COUNT=4",
    "SUMMARY:Short-week Friday",
)


@pytest.fixture
def teen_id(parent: Api) -> str:
    response = parent.post("/v1/teens", {"nickname": "Sam", "timezone": "America/New_York"})
    return str(response.get_json()["id"])


def upload(parent: Api, teen_id: str, data: bytes, content_type: str = "text/calendar") -> Any:
    return parent.post(
        f"/v1/teens/{teen_id}/calendar", data=data, headers={"Content-Type": content_type}
    )


def exceptions(parent: Api, teen_id: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = parent.get(f"/v1/teens/{teen_id}/exceptions").get_json()
    return result


def spans(parent: Api, teen_id: str) -> list[tuple[str, str, str | None]]:
    return [(e["first_day"], e["last_day"], e["note"]) for e in exceptions(parent, teen_id)]


def test_all_day_single_and_multi_day_events_become_no_school(parent: Api, teen_id: str) -> None:
    response = upload(parent, teen_id, calendar(THANKSGIVING, TEACHER_DAY))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"imported": 2, "updated": 0, "skipped": 0}
    listed = exceptions(parent, teen_id)
    # DTEND is exclusive: 26..28 is two days; no DTEND is one day.
    assert spans(parent, teen_id) == [
        ("2026-11-26", "2026-11-27", "Thanksgiving break"),
        ("2026-12-11", "2026-12-11", "Teacher training day"),
    ]
    assert {(e["kind"], e["source"], tuple(e["windows"])) for e in listed} == {
        ("no_school", "ics", ())
    }


def test_timed_events_are_skipped(parent: Api, teen_id: str) -> None:
    response = upload(parent, teen_id, calendar(PARENTS_EVENING, TEACHER_DAY))
    assert response.get_json() == {"imported": 1, "updated": 0, "skipped": 1}
    assert spans(parent, teen_id) == [("2026-12-11", "2026-12-11", "Teacher training day")]


def test_weekly_all_day_series_is_expanded_one_exception_per_occurrence(
    parent: Api, teen_id: str
) -> None:
    response = upload(parent, teen_id, calendar(FRIDAYS_OFF))
    assert response.get_json() == {"imported": 4, "updated": 0, "skipped": 0}
    assert [s[0] for s in spans(parent, teen_id)] == [
        "2027-01-08",
        "2027-01-15",
        "2027-01-22",
        "2027-01-29",
    ]


def test_a_moved_and_an_excluded_occurrence_of_a_series_are_respected(
    parent: Api, teen_id: str
) -> None:
    moved = event(
        "fridays-off@school.example",
        "RECURRENCE-ID;VALUE=DATE:20270115",
        "DTSTART;VALUE=DATE:20270114",
        "SUMMARY:Short-week Thursday",
    )
    series = FRIDAYS_OFF + "\r\nEXDATE;VALUE=DATE:20270122"
    assert upload(parent, teen_id, calendar(series, moved)).get_json()["imported"] == 3
    assert spans(parent, teen_id) == [
        ("2027-01-08", "2027-01-08", "Short-week Friday"),
        ("2027-01-14", "2027-01-14", "Short-week Thursday"),
        ("2027-01-29", "2027-01-29", "Short-week Friday"),
    ]


def test_reimport_updates_changed_events_and_never_duplicates(
    parent: Api, teen_id: str, app: Flask
) -> None:
    first = upload(parent, teen_id, calendar(THANKSGIVING, TEACHER_DAY, FRIDAYS_OFF))
    assert first.get_json() == {"imported": 6, "updated": 0, "skipped": 0}
    ids_before = [e["id"] for e in exceptions(parent, teen_id)]
    changed_thanksgiving = THANKSGIVING.replace("20261128", "20261130").replace(
        "Thanksgiving break", "Thanksgiving (long)"
    )
    new_event = event("snow@school.example", "DTSTART;VALUE=DATE:20270205", "SUMMARY:Snow")
    second = upload(
        parent, teen_id, calendar(changed_thanksgiving, TEACHER_DAY, FRIDAYS_OFF, new_event)
    )
    assert second.get_json() == {"imported": 1, "updated": 6, "skipped": 0}
    after = exceptions(parent, teen_id)
    assert [e["id"] for e in after][:6] == ids_before
    assert (after[0]["first_day"], after[0]["last_day"], after[0]["note"]) == (
        "2026-11-26",
        "2026-11-29",
        "Thanksgiving (long)",
    )
    assert after[-1]["note"] == "Snow"
    with app.extensions["alertsvc"].sessions() as db:
        count = db.scalar(select(func.count()).select_from(ExceptionRow))
        uids = db.scalar(select(func.count(func.distinct(ExceptionRow.source_uid))))
    assert count == uids == 7


def test_imported_days_show_in_the_preview_and_manual_exceptions_stay(
    parent: Api, teen_id: str
) -> None:
    weekly = {d: [{"start": "08:00", "end": "15:00"}] for d in ("mon", "tue", "wed", "thu", "fri")}
    parent.put(f"/v1/teens/{teen_id}/schedule", {"weekly": weekly})
    manual = {"first_day": "2026-12-10", "last_day": "2026-12-10", "kind": "no_school"}
    parent.post(f"/v1/teens/{teen_id}/exceptions", manual)
    upload(parent, teen_id, calendar(TEACHER_DAY))
    upload(parent, teen_id, calendar(TEACHER_DAY))
    assert [e["source"] for e in exceptions(parent, teen_id)] == ["manual", "ics"]
    day = parent.get(f"/v1/teens/{teen_id}/preview?from=2026-12-11&days=1").get_json()[0]
    assert (day["school_day"], day["reason"], day["detail"]) == (
        False,
        "exception",
        "Teacher training day",
    )


def test_events_far_outside_the_import_window_are_skipped(
    parent: Api, teen_id: str, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 25, 13, 5, tzinfo=UTC))
    old = event("old@school.example", "DTSTART;VALUE=DATE:20200101", "SUMMARY:Old")
    late = event("late@school.example", "DTSTART;VALUE=DATE:20271231", "SUMMARY:Too far ahead")
    endless = event(
        "weekly@school.example",
        "DTSTART;VALUE=DATE:20260105",
        "RRULE:FREQ=WEEKLY",
        "SUMMARY:Every Monday",
    )
    response = upload(parent, teen_id, calendar(old, late, endless))
    body = response.get_json()
    assert body["skipped"] == 2
    # An endless weekly series: 31 days back (from 2026-10-25) to 400 days ahead (2027-12-30).
    firsts = [s[0] for s in spans(parent, teen_id)]
    assert firsts[0] == "2026-10-26"
    assert firsts[-1] == "2027-12-27"
    assert body["imported"] == len(firsts) == 62


def test_a_break_that_began_before_the_window_and_goes_on_into_it_is_imported(
    parent: Api, teen_id: str, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 25, 13, 5, tzinfo=UTC))
    ongoing = event(
        "long-break@school.example",
        "DTSTART;VALUE=DATE:20261001",
        "DURATION:P30D",
        "SUMMARY:Long break",
    )
    finished = event(
        "ended@school.example",
        "DTSTART;VALUE=DATE:20261001",
        "DTEND;VALUE=DATE:20261025",
        "SUMMARY:Ended the day before the window",
    )
    assert upload(parent, teen_id, calendar(ongoing, finished)).get_json() == {
        "imported": 1,
        "updated": 0,
        "skipped": 1,
    }
    assert spans(parent, teen_id) == [("2026-10-01", "2026-10-30", "Long break")]


def test_sub_daily_all_day_rules_and_cancelled_events_are_skipped(
    parent: Api, teen_id: str
) -> None:
    hourly = event(
        "hourly@school.example", "DTSTART;VALUE=DATE:20261201", "RRULE:FREQ=HOURLY", "SUMMARY:x"
    )
    cancelled = event("cancelled@school.example", "DTSTART;VALUE=DATE:20261202", "STATUS:CANCELLED")
    response = upload(parent, teen_id, calendar(hourly, cancelled, TEACHER_DAY))
    assert response.get_json() == {"imported": 1, "updated": 0, "skipped": 2}


def test_long_uids_and_summaries_are_stored_safely(parent: Api, teen_id: str) -> None:
    long_uid = "u" * 300 + "@school.example"
    summary = "Word " * 60
    data = calendar(event(long_uid, "DTSTART;VALUE=DATE:20261201", f"SUMMARY:{summary}"))
    assert upload(parent, teen_id, data).get_json()["imported"] == 1
    assert upload(parent, teen_id, data).get_json()["updated"] == 1
    notes = [e["note"] for e in exceptions(parent, teen_id)]
    assert len(notes) == 1
    assert notes[0] is not None
    assert len(notes[0]) == 200


MALFORMED = {
    "not ics": b"hello, this is not a calendar",
    "no calendar": b"BEGIN:VEVENT\r\nUID:x\r\nDTSTART;VALUE=DATE:20261201\r\nEND:VEVENT\r\n",
    "unmatched end": calendar(TEACHER_DAY).replace(b"END:VEVENT", b"END:VTODO"),
    "binary": b"\xff\xfe\x00garbage",
    "latin-1": calendar(TEACHER_DAY).replace(b"Teacher", "Lehrerfortbildung für".encode("latin-1")),
    "empty": b"",
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_calendars_are_422_and_write_nothing(
    parent: Api, teen_id: str, app: Flask, name: str
) -> None:
    response = upload(parent, teen_id, MALFORMED[name])
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"][0]["field"] == "body"
    with app.extensions["alertsvc"].sessions() as db:
        assert db.scalar(select(func.count()).select_from(ExceptionRow)) == 0


BAD_EVENTS = {
    "no uid": (
        calendar(TEACHER_DAY, "DTSTART;VALUE=DATE:20261202\r\nSUMMARY:No UID"),
        "calendar.VEVENT[1].UID",
    ),
    "no dtstart": (
        calendar(TEACHER_DAY, event("x@school.example", "SUMMARY:When?")),
        "calendar.VEVENT[1].DTSTART",
    ),
    "bad dtstart": (
        calendar(event("x@school.example", "DTSTART;VALUE=DATE:2026-12-01")),
        "calendar.VEVENT[0].DTSTART",
    ),
    "two dtstarts": (
        calendar(TEACHER_DAY, TEACHER_DAY.replace("UID:teacher", "DTSTART:20261212\r\nUID:t")),
        "calendar.VEVENT[1].DTSTART",
    ),
    "bad rrule": (
        calendar(event("x@school.example", "DTSTART;VALUE=DATE:20261201", "RRULE:FREQ=SOMETIMES")),
        "calendar.VEVENT[0].RRULE",
    ),
}


@pytest.mark.parametrize("name", BAD_EVENTS)
def test_a_bad_property_is_422_naming_the_event_and_writes_nothing(
    parent: Api, teen_id: str, app: Flask, name: str
) -> None:
    data, field = BAD_EVENTS[name]
    response = upload(parent, teen_id, data)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert [e["field"] for e in response.get_json()["errors"]] == [field]
    with app.extensions["alertsvc"].sessions() as db:
        assert db.scalar(select(func.count()).select_from(ExceptionRow)) == 0


def test_wrong_content_type_is_400(parent: Api, teen_id: str) -> None:
    response = upload(parent, teen_id, calendar(TEACHER_DAY), content_type="application/json")
    assert response.status_code == 400
    assert exceptions(parent, teen_id) == []


def test_a_calendar_over_one_mib_is_413(parent: Api, teen_id: str) -> None:
    filler = "X-FILLER:" + "a" * 70 + "\r\n"
    big = calendar(TEACHER_DAY).replace(
        b"END:VCALENDAR", (filler * (1024 * 1024 // len(filler) + 10)).encode() + b"END:VCALENDAR"
    )
    assert len(big) > 1024 * 1024
    response = upload(parent, teen_id, big)
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert exceptions(parent, teen_id) == []


def test_a_calendar_just_under_one_mib_is_accepted(parent: Api, teen_id: str) -> None:
    filler = "X-FILLER:" + "a" * 70 + "\r\n"
    data = calendar(TEACHER_DAY)
    data = data.replace(
        b"END:VCALENDAR",
        (filler * ((1024 * 1024 - len(data)) // len(filler) - 1)).encode() + b"END:VCALENDAR",
    )
    assert len(data) <= 1024 * 1024
    assert upload(parent, teen_id, data).get_json()["imported"] == 1


def test_too_many_all_day_days_in_the_window_is_422(parent: Api, teen_id: str) -> None:
    # Five endless daily series: 432 days of the window each, 2160 in all.
    daily = [
        event(f"daily-{i}@school.example", "DTSTART;VALUE=DATE:20260101", "RRULE:FREQ=DAILY")
        for i in range(5)
    ]
    response = upload(parent, teen_id, calendar(*daily))
    assert response.status_code == 422
    assert "more than 2000" in response.get_json()["errors"][0]["message"]
    assert exceptions(parent, teen_id) == []


def test_parsing_keys_single_events_by_uid_and_occurrences_by_date() -> None:
    parsed = parse_calendar(calendar(TEACHER_DAY, FRIDAYS_OFF), date(2026, 11, 25))
    assert [e.source_uid for e in parsed.events] == [
        "teacher-day@school.example",
        "fridays-off@school.example#2027-01-08",
        "fridays-off@school.example#2027-01-15",
        "fridays-off@school.example#2027-01-22",
        "fridays-off@school.example#2027-01-29",
    ]
    assert parsed.skipped == 0


def test_an_endless_daily_series_from_2000_looks_only_at_the_window() -> None:
    endless = event("daily@school.example", "DTSTART;VALUE=DATE:20000103", "RRULE:FREQ=DAILY")
    parsed = parse_calendar(calendar(endless), date(2026, 11, 25))
    days = [e.first_day for e in parsed.events]
    assert days[0] == date(2026, 10, 25)
    assert days[-1] == date(2027, 12, 30)
    assert len(days) == len(set(days)) == 432
    # Without COUNT the 26 years before the window are never walked.
    assert parsed.days_examined == SERIES_COST + 432


def test_a_series_with_count_is_walked_from_its_start_once() -> None:
    counted = event(
        "counted@school.example", "DTSTART;VALUE=DATE:20000103", "RRULE:FREQ=DAILY;COUNT=9700"
    )
    parsed = parse_calendar(calendar(counted), date(2026, 11, 25))
    days = [e.first_day for e in parsed.events]
    # 9700 days from 2000-01-03 end on 2026-07-24, before the window: nothing to import.
    assert days == []
    assert parsed.skipped == 1
    assert parsed.days_examined == SERIES_COST + 9700 < MAX_DAYS_EXAMINED


def test_the_window_never_passes_2037() -> None:
    weekly = event("w@school.example", "DTSTART;VALUE=DATE:20370105", "RRULE:FREQ=WEEKLY")
    parsed = parse_calendar(calendar(weekly), date(2037, 6, 1))
    assert max(e.last_day for e in parsed.events) <= date(2037, 12, 31)


def test_malformed_input_raises_a_format_error() -> None:
    with pytest.raises(CalendarFormatError):
        parse_calendar(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR", date(2026, 11, 25))
