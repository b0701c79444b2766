"""A parent's whole journey in a real browser: from sign-up to a reminder they can explain."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytz

pytest.importorskip("playwright", reason="playwright not installed: pip install -e '.[test]'")

from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS
from tests.support import FakeClock

Check = Callable[[Page], None]
Shot = Callable[[Page, str], None]

PASSWORD = "correct horse battery"

# The instant the server reads (its clock is the test's): a Wednesday at 10:00 in the school's
# zone, inside the morning block, so the check nudges whatever the hour the suite runs at.
ZONE = "America/New_York"
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York (UTC-5 in December)
LOCAL_NOW = NOW.astimezone(pytz.timezone(ZONE))
OFFSET_MINUTES = -5 * 60  # what the teen's phone reports
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def _api(base: str, method: str, path: str, body: Any, token: str | None = None) -> Any:
    """A call to the JSON API as the teen's app makes it: no cookies, a bearer token."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 - the live server on 127.0.0.1
        base + path, data=json.dumps(body).encode(), headers=headers, method=method
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        text = response.read().decode()
    return json.loads(text) if text else None


def test_sign_up_add_teen_schedule_exception_pair_check_and_activity(
    page: Page,
    live_server: str,
    clock: FakeClock,
    check_a11y: Check,
    screenshot: Shot,
    new_email: Callable[[], str],
) -> None:
    clock.set(NOW)

    page.goto("/signup")
    page.get_by_label("Email").fill(new_email())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/home$"))
    page.get_by_role("link", name="Add a teen").first.click()

    # Add a teen, first with a mistake.
    page.get_by_label("School's city or time zone").fill("Nowhere/Atlantis")
    page.get_by_role("button", name="Add teen").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    expect(page.get_by_label("Nickname")).to_have_attribute("aria-invalid", "true")
    check_a11y(page)
    screenshot(page, "parent-teen-errors")
    page.get_by_label("Nickname").fill("Sam")
    page.get_by_label("School's city or time zone").fill("New York")
    page.get_by_role("button", name="Add teen").click()
    expect(page).to_have_url(re.compile(r"/teens/[^/]+/schedule$"))
    teen_path = page.url.removeprefix(live_server).removesuffix("/schedule")

    # The schedule: a two-block day on Monday to Friday (chosen at first), in one step.
    expect(page.get_by_role("checkbox", name="Monday")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Saturday")).not_to_be_checked()
    page.locator('[name="same[0].start"]').fill("08:15")
    page.locator('[name="same[0].end"]').fill("11:45")
    page.get_by_role("button", name="Add a block").click()  # in place, the cursor in the new row
    expect(page.locator('[name="same[1].start"]')).to_be_focused()
    page.locator('[name="same[1].start"]').fill("12:30")
    page.locator('[name="same[1].end"]').fill("12:00")  # before its start: refused
    page.get_by_role("button", name="Save schedule").last.click()
    expect(page.get_by_role("alert")).to_contain_text("later than start")
    expect(page.locator("#f-same-1-end-error")).to_be_visible()
    check_a11y(page)
    screenshot(page, "parent-schedule-errors")
    page.locator('[name="same[1].end"]').fill("15:05")
    page.get_by_role("button", name="Save schedule").last.click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    timetable = page.get_by_role("img", name=re.compile("School hours by weekday"))
    expect(timetable).to_be_visible()
    expect(page.locator(".tt-block")).to_have_count(10)
    check_a11y(page)
    screenshot(page, "parent-schedule")
    page.set_viewport_size(PHONE)
    page.evaluate("() => window.scrollTo(0, 0)")
    box = page.locator("#timetable").bounding_box()
    assert box is not None
    clip = {"x": 0, "y": 0, "width": PHONE["width"], "height": box["y"] + box["height"] + 8}
    # The README's picture: the page's top down to the end of the timetable, on a phone.
    page.screenshot(path=SCREENSHOTS / "parent-timetable-phone.png", full_page=True, clip=clip)
    page.set_viewport_size(DESKTOP)

    # An exception next week shows in the month view.
    page.get_by_role("link", name="Calendar", exact=True).click()
    day_off = (LOCAL_NOW + timedelta(days=7)).date()
    page.get_by_label("First day").fill(day_off.isoformat())
    page.get_by_label("Name (optional)").fill("Teacher training day")
    page.get_by_role("button", name="Add exception").click()
    expect(page.get_by_role("status")).to_contain_text("exception is added")
    cell = page.locator(f'.day:has(time[datetime="{day_off.isoformat()}"])')
    expect(cell).to_contain_text("Teacher training day")
    today = page.locator(".day-today")
    expect(today.locator("time")).to_have_attribute("datetime", LOCAL_NOW.date().isoformat())
    expect(today).to_contain_text("8:15 – 11:45 AM")  # the browser asks for en-US
    check_a11y(page)
    screenshot(page, "parent-calendar")

    # Pair a device: the code is shown large, and the app uses it over the API.
    page.get_by_role("link", name="Devices & family").click()
    page.get_by_role("button", name="Pair a device").click()
    expect(page).to_have_url(re.compile(r"/pairing-code$"))
    code = page.locator(".pairing-code .code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{8}", code)
    expect(page.locator(".pairing-code")).to_contain_text(f"expires at 10:15 AM ({ZONE})")
    check_a11y(page)
    screenshot(page, "parent-pairing")
    device = _api(live_server, "POST", "/v1/devices", {"pairing_code": code, "platform": "web"})
    token = device["device_token"]
    result = _api(live_server, "POST", "/v1/check", {"utc_offset_minutes": OFFSET_MINUTES}, token)
    assert result["reason"] == "in_school_hours", result
    assert "8:15 – 11:45 AM" in result["explanation"], result
    nudge = result["nudge"]
    _api(live_server, "POST", f"/v1/nudges/{nudge['id']}/ack", {"action": "shown"}, token)
    _api(live_server, "POST", f"/v1/nudges/{nudge['id']}/ack", {"action": "report_wrong"}, token)
    page.reload()  # a GET page: the reload asks nothing and says what became of the code
    expect(page.locator(".pairing-done")).to_contain_text(f"The code {code} was used")
    expect(page.locator(".device-list")).to_contain_text("web")

    # The nudge in the activity, explained, with the report highlighted; pause and resume.
    page.goto(f"{teen_path}/activity")
    item = page.locator(".nudge").first
    expect(item).to_contain_text(result["explanation"])
    expect(item.locator(".badge-wrong")).to_have_text("Reported as wrong")
    expect(page.locator(".report-summary")).to_be_visible()
    check_a11y(page)
    screenshot(page, "parent-activity")
    page.get_by_role("button", name="Pause for the rest of today").click()
    expect(page.locator(".paused")).to_contain_text(f"Paused until Thu, Dec 3, 12:00 AM ({ZONE})")
    paused = _api(live_server, "POST", "/v1/check", {"utc_offset_minutes": OFFSET_MINUTES}, token)
    assert paused["reason"] == "paused"
    page.get_by_role("button", name="Resume reminders now").click()
    expect(page.get_by_role("status")).to_contain_text("Reminders are back on")

    # Privacy: a wrong confirmation deletes nothing.
    page.get_by_role("link", name="Privacy").click()
    page.get_by_label("Type Sam to confirm").fill("sam")
    page.get_by_role("button", name="Delete everything about Sam").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was deleted")
    check_a11y(page)
    screenshot(page, "parent-privacy")

    page.goto("/home")
    expect(page.get_by_role("heading", name="Sam")).to_be_visible()
    check_a11y(page)
    screenshot(page, "parent-home")


def test_keyboard_reaches_the_schedule_form(page: Page, new_email: Callable[[], str]) -> None:
    page.goto("/signup")
    page.get_by_label("Email").fill(new_email())
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/home$"))
    page.goto("/teens/new")
    page.get_by_label("Nickname").fill("Kim")
    page.get_by_label("School's city or time zone").fill("London")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/schedule$"))
    # Enter in a time field saves (it does not press "Add a block").
    page.locator('[name="same[0].start"]').focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Saved")
    # From the timetable (where saving lands), Tab reaches the first time field.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.name") == "same[0].start":
            break
    else:
        pytest.fail("Tab never reached the first time field")
