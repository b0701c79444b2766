"""The schedule form's school week: the same hours on chosen days in one step, hours per day
as an option, blocks added without losing the place, times typed and shown 24-hour."""

from __future__ import annotations

import re

import pytest
from werkzeug.test import TestResponse

from tests.web.conftest import Pages
from tests.web.test_parent_pages import _text, _texts

POLICY = {
    "policy.grace_minutes": "10",
    "policy.min_interval_minutes": "30",
    "policy.max_per_day": "4",
    "policy.snooze_minutes": "30",
    "policy.away_threshold_minutes": "90",
}
COMMON_WEEK = {
    "mode": "same",
    "rows.same": "1",
    "same[0].start": "08:30",
    "same[0].end": "15:10",
    "term.first_day": "2026-09-02",
    "term.last_day": "2027-07-16",
    "observe_public_holidays": "on",
    **POLICY,
}
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


@pytest.fixture(autouse=True)
def _british_english(pages: Pages) -> None:
    """These pages are read in en-GB: 24-hour times (en-US's 12-hour round trip is in
    test_page_languages.py)."""
    pages.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB"


@pytest.fixture
def teen_id(pages: Pages) -> str:
    pages.sign_up("week.parent@example.com")
    response = pages.submit(
        "/teens/new", {"nickname": "Sam", "timezone": "London", "country": "auto"}
    )
    assert response.status_code == 302, _text(response)
    return response.headers["Location"].split("/")[2]


def _post(pages: Pages, teen_id: str, form: dict[str, str | list[str]]) -> TestResponse:
    """Send the schedule form as a browser does (a list is a group of checkboxes)."""
    path = f"/teens/{teen_id}/schedule"
    html = pages.client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token
    return pages.client.post(path, data={**form, "csrf_token": token.group(1)})


def _summary(pages: Pages, teen_id: str) -> str:
    html = pages.client.get(f"/teens/{teen_id}/schedule").get_data(as_text=True)
    found = re.search(r'<desc id="tt-desc">(.*?)</desc>', html)
    assert found, "no timetable: nothing is saved"
    return found.group(1)


def _error(response: TestResponse, field: str) -> str:
    found = re.search(
        rf'id="{re.escape(field)}-error"[^>]*>(.*?)</small>', response.get_data(as_text=True), re.S
    )
    assert found, f"no error on {field}"
    return found.group(1)


def test_a_new_schedule_starts_as_one_set_of_hours_on_monday_to_friday(
    pages: Pages, teen_id: str
) -> None:
    html = pages.client.get(f"/teens/{teen_id}/schedule").get_data(as_text=True)
    checked = re.findall(r'name="days" value="(\w+)" checked', html)
    assert checked == WEEKDAYS
    assert 'name="days" value="sat">' in html
    assert 'name="same[0].start"' in html
    assert "weekly.mon[0]" not in html  # the per-day layout is an option, not the start


def test_the_common_week_saves_the_same_hours_on_each_chosen_day(
    pages: Pages, teen_id: str
) -> None:
    response = _post(pages, teen_id, {**COMMON_WEEK, "days": WEEKDAYS})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/schedule#timetable")
    summary = _summary(pages, teen_id)
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        assert f"{day}: 08:30–15:10" in summary
    assert "Saturday: no school; Sunday: no school." in summary


def test_the_common_week_with_a_lunch_break_and_other_days(pages: Pages, teen_id: str) -> None:
    form = {
        **COMMON_WEEK,
        "rows.same": "2",
        "same[0].end": "12:00",
        "same[1].start": "13:00",
        "same[1].end": "15:10",
        "days": ["mon", "wed", "sat"],
    }
    assert _post(pages, teen_id, form).status_code == 302
    summary = _summary(pages, teen_id)
    assert "Monday: 08:30–12:00 and 13:00–15:10; Tuesday: no school;" in summary
    assert "Saturday: 08:30–12:00 and 13:00–15:10;" in summary


def test_a_saved_week_shows_as_the_common_week_when_its_days_agree(
    pages: Pages, teen_id: str
) -> None:
    _post(pages, teen_id, {**COMMON_WEEK, "days": ["tue", "thu"]})
    html = pages.client.get(f"/teens/{teen_id}/schedule").get_data(as_text=True)
    assert re.findall(r'name="days" value="(\w+)" checked', html) == ["tue", "thu"]
    assert 'name="same[0].end" type="text" value="15:10"' in html


def test_a_saved_week_whose_days_differ_shows_per_day(pages: Pages, teen_id: str) -> None:
    per_day = {
        **COMMON_WEEK,
        "mode": "per_day",
        "rows.mon": "1",
        "weekly.mon[0].start": "08:30",
        "weekly.mon[0].end": "15:10",
        "rows.fri": "1",
        "weekly.fri[0].start": "08:30",
        "weekly.fri[0].end": "12:00",
    }
    assert _post(pages, teen_id, per_day).status_code == 302
    html = pages.client.get(f"/teens/{teen_id}/schedule").get_data(as_text=True)
    assert 'name="mode" value="per_day"' in html
    assert 'name="weekly.fri[0].end" type="text" value="12:00"' in html
    assert 'name="days"' not in html


def test_adding_a_block_comes_back_to_the_new_row_and_saves_nothing(
    pages: Pages, teen_id: str
) -> None:
    page = pages.client.get(f"/teens/{teen_id}/schedule").get_data(as_text=True)
    # Without the script, the button's own address brings the answer back to the new row.
    assert f'formaction="/teens/{teen_id}/schedule#row-same-1"' in page
    assert "data-swap" in page
    response = _post(pages, teen_id, {**COMMON_WEEK, "days": WEEKDAYS, "add": "same"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="row-same-1"' in html
    new_row = re.search(r'<input id="f-same-1-start"[^>]*>', html)
    assert new_row
    assert "autofocus" in new_row.group(0)
    assert 'value="08:30"' in html  # what was typed is kept
    assert "No schedule is saved yet" in _texts(html)


def test_different_hours_per_day_start_from_the_common_hours(pages: Pages, teen_id: str) -> None:
    response = _post(pages, teen_id, {**COMMON_WEEK, "days": ["mon", "tue"], "switch": "per_day"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="mode" value="per_day"' in html
    assert 'name="weekly.mon[0].start" type="text" value="08:30"' in html
    assert 'name="weekly.tue[0].end" type="text" value="15:10"' in html
    assert 'name="rows.wed" value="0"' in html
    assert 'name="term.last_day" type="text" value="2027-07-16"' in html
    assert "No schedule is saved yet" in _texts(html)


def test_back_to_the_same_hours_takes_the_first_school_days_hours(
    pages: Pages, teen_id: str
) -> None:
    per_day = {
        **COMMON_WEEK,
        "mode": "per_day",
        "rows.tue": "1",
        "weekly.tue[0].start": "09:00",
        "weekly.tue[0].end": "14:00",
        "rows.thu": "1",
        "weekly.thu[0].start": "08:00",
        "weekly.thu[0].end": "12:00",
        "switch": "same",
    }
    html = _post(pages, teen_id, per_day).get_data(as_text=True)
    assert re.findall(r'name="days" value="(\w+)" checked', html) == ["tue", "thu"]
    assert 'name="same[0].start" type="text" value="09:00"' in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"same[0].end": "07:00"}, "f-same-0-end", "later than start"),
        ({"same[0].start": "25:00"}, "f-same-0-start", "24-hour time"),
        ({"days": []}, "f-days", "Choose the days"),
        ({"same[0].start": "", "same[0].end": ""}, "f-same-0-start", "Enter the hours"),
        ({"term.first_day": "02/09/2026"}, "f-term-first_day", "YYYY-MM-DD"),
    ],
)
def test_common_week_mistakes_appear_next_to_its_fields_and_nothing_is_saved(
    pages: Pages, teen_id: str, changes: dict[str, str | list[str]], field: str, message: str
) -> None:
    response = _post(pages, teen_id, {**COMMON_WEEK, "days": WEEKDAYS, **changes})
    assert response.status_code == 422
    assert message in _error(response, field)
    assert f'href="#{field}"' in response.get_data(as_text=True)  # the summary links to it
    assert "No schedule is saved yet" in _text(response)


@pytest.mark.parametrize(
    ("start", "end", "first", "last"),
    [
        ("0830", "1510", "20260902", "20270716"),  # a phone's number pad has no colon or dash
        ("8:30", "15.10", "2026-9-2", "2027-07-16"),
    ],
)
def test_times_and_dates_typed_without_separators_are_read_24_hour_and_iso(
    pages: Pages, teen_id: str, start: str, end: str, first: str, last: str
) -> None:
    form = {"same[0].start": start, "same[0].end": end, "term.first_day": first}
    response = _post(
        pages, teen_id, {**COMMON_WEEK, **form, "term.last_day": last, "days": WEEKDAYS}
    )
    assert response.status_code == 302
    html = pages.client.get(f"/teens/{teen_id}/schedule").get_data(as_text=True)
    assert "Monday: 08:30–15:10" in html
    assert 'value="2026-09-02"' in html


@pytest.mark.parametrize("path", ["/schedule", "/calendar", "/activity"])
def test_time_and_date_fields_are_24_hour_text_fields_whatever_the_browser_locale(
    pages: Pages, teen_id: str, path: str
) -> None:
    # <input type=time> shows AM/PM in a US browser and type=date the local order: not here.
    html = pages.client.get(f"/teens/{teen_id}{path}").get_data(as_text=True)
    assert 'type="time"' not in html
    assert 'type="date"' not in html
    times = re.findall(r"<input [^>]*placeholder=\"08:30\"[^>]*>", html)
    dates = re.findall(r"<input [^>]*placeholder=\"YYYY-MM-DD\"[^>]*>", html)
    assert times
    assert dates
    for field in times + dates:
        assert 'type="text"' in field
        assert 'inputmode="numeric"' in field


def test_afternoon_times_are_shown_24_hour_and_dates_iso(pages: Pages, teen_id: str) -> None:
    _post(pages, teen_id, {**COMMON_WEEK, "same[0].end": "17:45", "days": WEEKDAYS})
    schedule = _text(pages.client.get(f"/teens/{teen_id}/schedule"))
    assert "17:45" in schedule
    assert "PM" not in schedule
    calendar = _text(pages.client.get(f"/teens/{teen_id}/calendar"))
    assert "Wed 25 Nov" in calendar  # the fake clock's day, in the month view
    assert "08:30–17:45" in calendar
