"""The parent pages: every form's happy path and error path, on the same rules as the API."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from alertsvc.db.teen_state import load_state
from tests.support import FakeClock
from tests.web.conftest import Pages

# The per-day layout of the schedule form (the common week has its own tests).
WEEKDAY_FORM = {
    "mode": "per_day",
    "rows.mon": "2",
    "weekly.mon[0].start": "08:15",
    "weekly.mon[0].end": "11:45",
    "weekly.mon[1].start": "12:30",
    "weekly.mon[1].end": "15:05",
    "rows.tue": "1",
    "weekly.tue[0].start": "08:15",
    "weekly.tue[0].end": "15:05",
    "observe_public_holidays": "on",
    "policy.grace_minutes": "10",
    "policy.min_interval_minutes": "30",
    "policy.max_per_day": "4",
    "policy.snooze_minutes": "30",
    "policy.away_threshold_minutes": "90",
}


def _texts(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _text(response: TestResponse) -> str:
    return _texts(response.get_data(as_text=True))


@pytest.fixture
def teen_id(pages: Pages) -> str:
    pages.sign_up("sam.parent@example.com")
    response = pages.submit(
        "/teens/new",
        {"nickname": "Sam", "timezone": "America/New_York", "country": "US", "subdivision": ""},
    )
    assert response.status_code == 302, _text(response)
    match = re.fullmatch(r"/teens/([^/]+)/schedule", response.headers["Location"])
    assert match
    return match.group(1)


def _save_schedule(pages: Pages, teen_id: str, **changes: str) -> TestResponse:
    return pages.submit(f"/teens/{teen_id}/schedule", {**WEEKDAY_FORM, **changes})


# --- teens ---


def test_home_lists_the_teens_with_links_to_their_pages(pages: Pages, teen_id: str) -> None:
    text = _text(pages.client.get("/home"))
    assert "Sam" in text
    assert "America/New_York" in text
    assert f'href="/teens/{teen_id}/schedule"' in pages.client.get("/home").get_data(as_text=True)


def test_home_without_teens_invites_to_add_one(pages: Pages) -> None:
    pages.sign_up("empty@example.com")
    text = _text(pages.client.get("/home"))
    assert "Your teens will appear here" in text
    assert "Add a teen" in text


def test_adding_a_teen_with_mistakes_shows_them_next_to_the_fields(pages: Pages) -> None:
    pages.sign_up("mistakes@example.com")
    response = pages.submit(
        "/teens/new", {"nickname": "  ", "timezone": "Mars/Olympus", "country": "ZZ"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-nickname-error"' in html
    assert 'aria-invalid="true"' in html
    assert "Your teens will appear here" in _text(pages.client.get("/home"))


def test_an_unknown_place_and_country_are_refused_naming_their_fields(pages: Pages) -> None:
    pages.sign_up("zone@example.com")
    response = pages.submit(
        "/teens/new", {"nickname": "Ada", "timezone": "Mars/Olympus", "country": "ZZ"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    zone_error = re.search(r'id="f-timezone-error"[^>]*>(.*?)</small>', html, re.S)
    country_error = re.search(r'id="f-country-error"[^>]*>(.*?)</small>', html, re.S)
    assert zone_error
    assert "We don&#39;t know this place" in zone_error.group(1)
    assert country_error
    assert "ISO 3166-1 alpha-2" in country_error.group(1)
    assert "Your teens will appear here" in _text(pages.client.get("/home"))


def test_editing_a_teen_saves_and_errors_keep_the_old_values(pages: Pages, teen_id: str) -> None:
    bad = pages.submit(f"/teens/{teen_id}/edit", {"nickname": "", "timezone": "Europe/Paris"})
    assert bad.status_code == 422
    assert 'id="f-nickname-error"' in bad.get_data(as_text=True)
    assert "America/New_York" in _text(pages.client.get(f"/teens/{teen_id}"))
    good = pages.submit(
        f"/teens/{teen_id}/edit",
        {"nickname": "Sammy", "timezone": "Europe/Paris", "country": "FR", "subdivision": ""},
    )
    assert good.status_code == 302
    assert "Europe/Paris" in _text(pages.client.get(f"/teens/{teen_id}"))


def test_another_familys_teen_is_not_found(pages: Pages, teen_id: str) -> None:
    other = pages.fresh()
    other.sign_up("stranger@example.com")
    for path in ("", "/schedule", "/calendar", "/activity", "/privacy", "/edit", "/export.json"):
        assert other.client.get(f"/teens/{teen_id}{path}").status_code == 404
    assert (
        other.submit(f"/teens/{teen_id}/delete", {"confirm": "Sam"}, page="/home").status_code
        == 404
    )


def test_pages_need_a_login(pages: Pages) -> None:
    response = pages.client.get("/teens/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_co_parent_invite_names_the_problem_or_adds_them(pages: Pages, teen_id: str) -> None:
    page = f"/teens/{teen_id}"
    unknown = pages.submit(
        f"/teens/{teen_id}/guardians", {"email": "nobody@example.com"}, page=page
    )
    assert unknown.status_code == 422
    assert "No parent account uses this email" in _text(unknown)
    empty = pages.submit(f"/teens/{teen_id}/guardians", {"email": ""}, page=page)
    assert empty.status_code == 422
    assert 'id="f-email-error"' in empty.get_data(as_text=True)
    same = pages.submit(
        f"/teens/{teen_id}/guardians", {"email": "sam.parent@example.com"}, page=page
    )
    assert same.status_code == 422
    assert "already a guardian" in _text(same)

    co_parent = pages.fresh()
    co_parent.sign_up("co.parent@example.com")
    added = pages.submit(
        f"/teens/{teen_id}/guardians", {"email": "co.parent@example.com"}, page=page
    )
    assert added.status_code == 302
    assert "Sam" in _text(co_parent.client.get("/home"))


def _pair(pages: Pages, teen_id: str) -> TestResponse:
    """Press "Pair a device" and follow the redirect to the code's page."""
    response = pages.submit(f"/teens/{teen_id}/pairing-code", {}, page=f"/teens/{teen_id}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/teens/{teen_id}/pairing-code"
    return pages.client.get(response.headers["Location"])


def _code_in(html: str) -> str:
    code = re.search(r'<p class="code"[^>]*>([A-Z0-9]{8})</p>', html)
    assert code, html
    return code.group(1)


def test_pairing_shows_a_code_and_its_expiry_in_school_time(pages: Pages, teen_id: str) -> None:
    response = _pair(pages, teen_id)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    _code_in(html)
    # The fake clock says 13:05 UTC: 08:05 in New York, so the code expires at 08:20.
    assert "expires at <strong>8:20 AM</strong>" in html


def test_pairing_then_revoking_a_device(pages: Pages, teen_id: str, app: Flask) -> None:
    code = _code_in(_pair(pages, teen_id).get_data(as_text=True))
    paired = pages.client.post("/v1/devices", json={"pairing_code": code, "platform": "ios"})
    assert paired.status_code == 201
    device_id = paired.get_json()["device_id"]
    assert "paired" in _text(pages.client.get(f"/teens/{teen_id}"))
    revoked = pages.submit(
        f"/teens/{teen_id}/devices/{device_id}/revoke", {}, page=f"/teens/{teen_id}"
    )
    assert revoked.status_code == 302
    assert "No device is paired yet" in _text(pages.client.get(f"/teens/{teen_id}"))


# --- schedule ---


def test_a_new_teen_has_no_schedule_yet_and_a_suggested_week(pages: Pages, teen_id: str) -> None:
    html = pages.client.get(f"/teens/{teen_id}/schedule").get_data(as_text=True)
    assert "No schedule is saved yet" in _texts(html)
    assert 'value="8:00 AM"' in html  # en-US: the suggested start, 12-hour


def test_saving_the_schedule_draws_the_timetable(pages: Pages, teen_id: str) -> None:
    response = _save_schedule(pages, teen_id)
    assert response.status_code == 302
    html = pages.client.get(f"/teens/{teen_id}/schedule").get_data(as_text=True)
    assert "version 1" in html
    assert html.count('<g class="tt-block">') == 3
    assert "Monday: 8:15 – 11:45 AM and 12:30 – 3:05 PM" in html
    assert "Wednesday: no school" in html


def test_removing_a_window_by_ticking_remove(pages: Pages, teen_id: str) -> None:
    _save_schedule(pages, teen_id)
    _save_schedule(pages, teen_id, **{"weekly.mon[1].remove": "on"})
    html = pages.client.get(f"/teens/{teen_id}/schedule").get_data(as_text=True)
    assert "Monday: 8:15 – 11:45 AM;" in html


def test_add_a_block_shows_one_more_row_and_saves_nothing(pages: Pages, teen_id: str) -> None:
    response = _save_schedule(pages, teen_id, add="tue")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="weekly.tue[1].start"' in html
    assert "No schedule is saved yet" in _texts(html)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"weekly.mon[0].end": "07:00"}, "f-weekly-mon-0-end", "later than start"),
        ({"weekly.mon[1].start": "25:00"}, "f-weekly-mon-1-start", "24-hour time"),
        ({"weekly.tue[0].end": ""}, "f-weekly-tue-0-end", "24-hour time"),
        ({"policy.grace_minutes": "500"}, "f-policy-grace_minutes", "120"),
        ({"policy.max_per_day": "many"}, "f-policy-max_per_day", "whole number"),
        (
            {"term.first_day": "2027-06-01", "term.last_day": "2026-09-01"},
            "f-term-last_day",
            "before",
        ),
        ({"term.first_day": "2026-09-01"}, "f-term-last_day", "required"),
    ],
)
def test_schedule_errors_appear_next_to_the_field_and_nothing_is_saved(
    pages: Pages, teen_id: str, changes: dict[str, str], field: str, message: str
) -> None:
    response = _save_schedule(pages, teen_id, **changes)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'id="{re.escape(field)}-error"[^>]*>(.*?)</small>', html, re.S)
    assert error, html
    assert message in error.group(1)
    assert "No schedule is saved yet" in _texts(html)


def test_an_error_on_a_later_row_points_at_the_row_typed_in(pages: Pages, teen_id: str) -> None:
    form = {**WEEKDAY_FORM, "rows.mon": "3", "weekly.mon[0].start": "", "weekly.mon[0].end": ""}
    form.update({"weekly.mon[2].start": "09:00", "weekly.mon[2].end": "08:00"})
    response = pages.submit(f"/teens/{teen_id}/schedule", form)
    assert response.status_code == 422
    assert 'id="f-weekly-mon-2-end-error"' in response.get_data(as_text=True)


def test_overlapping_windows_are_refused(pages: Pages, teen_id: str) -> None:
    response = _save_schedule(pages, teen_id, **{"weekly.mon[1].start": "11:00"})
    assert response.status_code == 422
    assert "field-error" in response.get_data(as_text=True)


# --- calendar ---


def test_calendar_without_schedule_asks_for_one(pages: Pages, teen_id: str) -> None:
    assert "There is no schedule yet" in _text(pages.client.get(f"/teens/{teen_id}/calendar"))


def test_month_view_shows_school_hours_holidays_and_exceptions(pages: Pages, teen_id: str) -> None:
    _save_schedule(
        pages,
        teen_id,
        **{"rows.wed": "1", "weekly.wed[0].start": "08:00", "weekly.wed[0].end": "12:00"},
    )
    added = pages.submit(
        f"/teens/{teen_id}/exceptions",
        {"first_day": "2026-12-01", "last_day": "", "kind": "no_school", "note": "Teacher day"},
        page=f"/teens/{teen_id}/calendar",
    )
    assert added.status_code == 302
    html = pages.client.get(f"/teens/{teen_id}/calendar").get_data(as_text=True)
    text = _texts(html)
    assert "Today" in text
    assert "Thanksgiving" in text  # Thu 26 Nov 2026, a US holiday
    assert "Teacher day" in text
    assert "8:00 AM – 12:00 PM" in text  # today, a Wednesday, in New York time
    assert 'class="day day-exception"' in html


def test_month_view_marks_the_clock_change(pages: Pages, teen_id: str, clock: FakeClock) -> None:
    clock.set(datetime(2027, 3, 1, 15, 0, tzinfo=UTC))
    pages.log_in("sam.parent@example.com")  # the old session expired meanwhile
    _save_schedule(pages, teen_id)
    calendar = _text(pages.client.get(f"/teens/{teen_id}/calendar"))
    assert "Clocks go forward 1 hour at 2:00 AM" in calendar


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"first_day": "", "kind": "no_school"}, "f-first_day"),
        ({"first_day": "2026-12-05", "last_day": "2026-12-01", "kind": "no_school"}, "f-last_day"),
        ({"first_day": "2026-12-05", "kind": "custom_hours"}, "f-windows-0-start"),
        (
            {
                "first_day": "2026-12-05",
                "kind": "custom_hours",
                "windows[0].start": "10:00",
                "windows[0].end": "09:00",
            },
            "f-windows-0-end",
        ),
        ({"first_day": "2026-12-05", "kind": "weird"}, "f-kind"),
    ],
)
def test_exception_errors_appear_next_to_the_field(
    pages: Pages, teen_id: str, form: dict[str, str], field: str
) -> None:
    response = pages.submit(f"/teens/{teen_id}/exceptions", form, page=f"/teens/{teen_id}/calendar")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'href="#{field}"' in html
    assert "No exceptions yet" in _texts(html)


def test_custom_hours_exception_and_removing_it(pages: Pages, teen_id: str) -> None:
    calendar = f"/teens/{teen_id}/calendar"
    form = {
        "first_day": "2026-12-02",
        "kind": "custom_hours",
        "windows[0].start": "10:00",
        "windows[0].end": "12:00",
        "note": "Late start",
    }
    assert pages.submit(f"/teens/{teen_id}/exceptions", form, page=calendar).status_code == 302
    html = pages.client.get(calendar).get_data(as_text=True)
    assert "school 10:00 AM – 12:00 PM" in _texts(html)
    exception_id = re.search(rf"/teens/{teen_id}/exceptions/([^/]+)/delete", html)
    assert exception_id
    removed = pages.submit(
        f"/teens/{teen_id}/exceptions/{exception_id.group(1)}/delete", {}, page=calendar
    )
    assert removed.status_code == 302
    assert "No exceptions yet" in _text(pages.client.get(calendar))


ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//School//EN\r
BEGIN:VEVENT\r
UID:winter-break@school\r
DTSTAMP:20261101T000000Z\r
DTSTART;VALUE=DATE:20261221\r
DTEND;VALUE=DATE:20270102\r
SUMMARY:Winter break\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_importing_a_calendar_file_summarises_it(pages: Pages, teen_id: str) -> None:
    calendar = f"/teens/{teen_id}/calendar"
    pages.client.get(calendar)
    response = pages.client.post(
        f"/teens/{teen_id}/calendar-file",
        data={"calendar": (io.BytesIO(ICS), "school.ics")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    text = _text(pages.client.get(calendar))
    assert "1 new days off" in text
    assert "Winter break" in text
    assert "from calendar file" in text


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "Choose a calendar file"), (b"not a calendar", "could not be read as a calendar")],
)
def test_a_bad_calendar_file_is_refused(
    pages: Pages, teen_id: str, data: bytes, message: str
) -> None:
    response = pages.client.post(
        f"/teens/{teen_id}/calendar-file",
        data={"calendar": (io.BytesIO(data), "school.ics")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in _text(response)


# --- activity ---


def _paused_until(app: Flask, teen_id: str) -> datetime | None:
    with app.app_context(), app.extensions["alertsvc"].sessions() as db:
        return load_state(db, teen_id)[0].paused_until


def test_pause_until_a_local_date_and_time_then_resume(
    pages: Pages, teen_id: str, app: Flask
) -> None:
    activity = f"/teens/{teen_id}/activity"
    response = pages.submit(
        f"/teens/{teen_id}/pause",
        {"until_date": "2026-11-27", "until_time": "18:30"},
        page=activity,
    )
    assert response.status_code == 302
    until = _paused_until(app, teen_id)
    assert until is not None
    assert until.astimezone(UTC) == datetime(2026, 11, 27, 23, 30, tzinfo=UTC)
    assert "Paused until Fri, Nov 27, 6:30 PM" in _text(pages.client.get(activity))
    assert pages.submit(f"/teens/{teen_id}/resume", {}, page=activity).status_code == 302
    assert _paused_until(app, teen_id) is None


def test_pause_for_the_rest_of_today_ends_at_local_midnight(
    pages: Pages, teen_id: str, app: Flask
) -> None:
    pages.submit(f"/teens/{teen_id}/pause", {"quick": "today"}, page=f"/teens/{teen_id}/activity")
    until = _paused_until(app, teen_id)
    assert until is not None
    assert until.astimezone(UTC) == datetime(2026, 11, 26, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"until_date": "2026-11-24", "until_time": "10:00"}, "until_date", "in the future"),
        ({"until_date": "tomorrow", "until_time": "10:00"}, "until_date", "Enter a date"),
        ({"until_date": "2026-11-27", "until_time": "25:99"}, "until_time", "Enter a time"),
        ({"until_date": "2040-01-01", "until_time": "10:00"}, "until_date", "before 2038"),
    ],
)
def test_pause_errors_appear_next_to_the_field(
    pages: Pages, teen_id: str, app: Flask, form: dict[str, str], field: str, message: str
) -> None:
    response = pages.submit(f"/teens/{teen_id}/pause", form, page=f"/teens/{teen_id}/activity")
    assert response.status_code == 422
    error = re.search(
        rf'id="f-{field}-error"[^>]*>(.*?)</small>', response.get_data(as_text=True), re.S
    )
    assert error
    assert message in error.group(1)
    assert _paused_until(app, teen_id) is None


def test_activity_without_nudges_says_so(pages: Pages, teen_id: str) -> None:
    assert "No reminders yet" in _text(pages.client.get(f"/teens/{teen_id}/activity"))


# --- privacy ---


def test_export_downloads_json(pages: Pages, teen_id: str) -> None:
    response = pages.client.get(f"/teens/{teen_id}/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_json()["teen"][0]["nickname"] == "Sam"


def test_delete_needs_the_nickname_typed(pages: Pages, teen_id: str) -> None:
    privacy = f"/teens/{teen_id}/privacy"
    wrong = pages.submit(f"/teens/{teen_id}/delete", {"confirm": "sam"}, page=privacy)
    assert wrong.status_code == 422
    assert "Nothing was deleted" in _text(wrong)
    assert pages.client.get(privacy).status_code == 200
    done = pages.submit(f"/teens/{teen_id}/delete", {"confirm": "Sam"}, page=privacy)
    assert done.status_code == 302
    assert pages.client.get(privacy).status_code == 404
    assert "Your teens will appear here" in _text(pages.client.get("/home"))


def test_the_teens_details_change_where_holidays_come_from(pages: Pages, teen_id: str) -> None:
    response = pages.submit(
        f"/teens/{teen_id}/edit",
        {"nickname": "Sam", "timezone": "Europe/London", "country": "gb", "subdivision": "sct"},
    )
    assert response.status_code == 302
    assert "holidays of GB-SCT" in _text(pages.client.get("/home"))
    edit = pages.client.get(f"/teens/{teen_id}/edit").get_data(as_text=True)
    assert '<option value="GB" selected>United Kingdom</option>' in edit
    schedule = _text(pages.client.get(f"/teens/{teen_id}/schedule"))
    assert "No reminders on public holidays in United Kingdom (SCT)" in schedule
