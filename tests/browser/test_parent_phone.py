"""A new parent on a phone sets up a school week in a handful of taps.

The promise: a school week configured in two minutes, on a phone. This test counts every
fill, click, check and select from the moment the account exists to a saved Monday-to-Friday
08:30-15:10 week with a term, on a 375 px touch screen in London, and checks after each one
that the page does not scroll sideways.

Its phone screenshots (test-artifacts/screenshots/parent-phone-*.png) are the ones the README
shows: copy them to docs/ when the pages change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

pytest.importorskip("playwright", reason="playwright not installed: pip install -e '.[test]'")

from playwright.sync_api import Browser, Locator, Page, expect

from alertsvc.db.models import Teen
from alertsvc.db.repositories import schedules as schedule_rows
from alertsvc.domain.schedule import Term, Window
from tests.browser.conftest import PHONE, SCREENSHOTS, Site, open_page

PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday, 10:00 in London
MAX_STEPS = 12
FIRST_DAY, LAST_DAY = date(2026, 9, 2), date(2027, 7, 16)


class Steps:
    """The parent's taps and keystrokes: each fill, click, check or select goes through
    here, is counted, and is followed by a check that the page is no wider than the screen."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0
        self.visited: list[str] = []

    def fill(self, field: Locator, text: str) -> None:
        field.fill(text)
        self._done()

    def click(self, target: Locator) -> None:
        target.click()
        self._done()

    def check(self, box: Locator) -> None:
        box.check()
        self._done()

    def select(self, menu: Locator, value: str) -> None:
        menu.select_option(value)
        self._done()

    def _done(self) -> None:
        self.count += 1
        self.page.wait_for_load_state()
        fits_the_screen(self.page)
        path = self.page.url.split("#")[0]
        if path not in self.visited:
            self.visited.append(path)


def fits_the_screen(page: Page) -> None:
    wide, screen = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= screen, f"{page.url} is {wide}px wide on a {screen}px screen"


def shoot(page: Page, name: str) -> None:
    """A full-page phone screenshot, test-artifacts/screenshots/parent-phone-<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"parent-phone-{name}.png", full_page=True)


def test_a_new_parent_saves_a_school_week_with_a_term_in_at_most_twelve_steps_on_a_phone(
    phone_page: Page,
    site: Site,
    new_email: Callable[[], str],
    check_a11y: Callable[[Page], None],
) -> None:
    site.clock.set(NOW)
    page = phone_page
    assert page.viewport_size == PHONE

    page.goto("/signup")
    page.get_by_label("Email").fill(new_email())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/home$"))
    fits_the_screen(page)

    steps = Steps(page)
    steps.click(page.get_by_role("link", name="Add a teen").first)
    zone = page.get_by_label("School's city or time zone")
    # The phone is in London: the school's zone starts there, and holidays follow it.
    expect(zone).to_have_value("London, United Kingdom (Europe/London)")
    expect(page.locator("#f-country option:checked")).to_have_text(
        "Those of the time zone's country (United Kingdom)"
    )
    steps.fill(page.get_by_label("Nickname"), "Sam")
    check_a11y(page)
    shoot(page, "teen")
    steps.click(page.get_by_role("button", name="Add teen"))
    expect(page).to_have_url(re.compile(r"/teens/[^/]+/schedule$"))
    teen_id = page.url.split("/")[-2]

    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        expect(page.get_by_role("checkbox", name=day)).to_be_checked()
    for day in ("Saturday", "Sunday"):
        expect(page.get_by_role("checkbox", name=day)).not_to_be_checked()
    steps.fill(page.get_by_label("School days block 1 start"), "08:30")
    steps.fill(page.get_by_label("School days block 1 end"), "15:10")
    steps.fill(page.get_by_label("First day of term"), FIRST_DAY.isoformat())
    steps.fill(page.get_by_label("Last day of term"), LAST_DAY.isoformat())
    check_a11y(page)
    shoot(page, "week")
    steps.click(page.get_by_role("button", name="Save schedule").last)
    expect(page.get_by_role("status")).to_contain_text("Saved")

    assert steps.count <= MAX_STEPS, f"{steps.count} steps after sign-up"
    with site.app.app_context(), site.app.extensions["alertsvc"].sessions() as db:
        schedule = schedule_rows.load_schedule(db, teen_id)
        row = db.get(Teen, teen_id)
        place = None if row is None else (row.timezone, row.country)
    assert schedule is not None
    school_hours = (Window(8 * 60 + 30, 15 * 60 + 10),)
    assert schedule.weekly == (school_hours,) * 5 + ((), ())
    assert schedule.term == Term(FIRST_DAY, LAST_DAY)
    assert schedule.observe_public_holidays
    assert place == ("Europe/London", "GB")

    # The saved week as a timetable, then the rest of the parent's pages, on the same phone.
    timetable = page.get_by_role("img", name=re.compile("School hours by weekday"))
    expect(timetable).to_be_visible()
    expect(page.locator(".tt-block")).to_have_count(5)
    page.evaluate("() => window.scrollTo(0, 0)")
    box = page.locator("#timetable").bounding_box()
    assert box is not None
    page.screenshot(
        path=SCREENSHOTS / "parent-phone-timetable.png",
        full_page=True,
        clip={"x": 0, "y": 0, "width": PHONE["width"], "height": box["y"] + box["height"] + 8},
    )
    page.get_by_role("link", name="Calendar", exact=True).click()
    expect(page.locator("#add-exception")).to_be_visible()
    fits_the_screen(page)
    page.get_by_role("link", name="Devices & family").click()
    page.get_by_role("button", name="Pair a device").click()
    expect(page).to_have_url(re.compile(r"/pairing-code$"))
    fits_the_screen(page)
    shoot(page, "pairing")
    page.goto("/home")
    expect(page.locator(".glance")).to_contain_text("On, following the school week")
    fits_the_screen(page)
    check_a11y(page)
    shoot(page, "home")
    assert steps.visited == [f"{site.url}/teens/new", f"{site.url}/teens/{teen_id}/schedule"]


def _new_teen_schedule(page: Page, new_email: Callable[[], str]) -> None:
    page.goto("/signup")
    page.get_by_label("Email").fill(new_email())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.goto("/teens/new")
    page.get_by_label("Nickname").fill("Kim")
    page.get_by_label("School's city or time zone").fill("New York")
    page.get_by_role("button", name="Add teen").click()
    expect(page).to_have_url(re.compile(r"/schedule$"))


def test_adding_a_block_keeps_the_page_and_its_place(
    phone_page: Page, new_email: Callable[[], str]
) -> None:
    page = phone_page
    _new_teen_schedule(page, new_email)
    page.get_by_label("School days block 1 start").fill("08:30")
    add = page.get_by_role("button", name="Add a block")
    add.scroll_into_view_if_needed()
    page.evaluate("() => { window.stillTheSamePage = true; }")
    before = page.evaluate("() => window.scrollY")
    add.click()
    expect(page.get_by_label("School days block 2 start")).to_be_focused()
    assert page.evaluate("() => window.stillTheSamePage === true")  # no reload
    assert abs(page.evaluate("() => window.scrollY") - before) < 200
    expect(page.get_by_label("School days block 1 start")).to_have_value("08:30")


def test_without_the_script_adding_a_block_comes_back_at_the_new_row(
    browser: Browser, live_server: str, new_email: Callable[[], str]
) -> None:
    with open_page(
        browser, live_server, viewport=PHONE, java_script_enabled=False, locale="en-GB"
    ) as page:
        _new_teen_schedule(page, new_email)
        page.get_by_label("School days block 1 start").fill("0830")  # a number pad's way
        page.get_by_role("button", name="Add a block").click()
        expect(page).to_have_url(re.compile(r"/schedule#row-same-1$"))
        expect(page.get_by_label("School days block 2 start")).to_be_in_viewport()
        # The fragment's row is where Tab goes on from (browsers skip autofocus there).
        page.keyboard.press("Tab")
        expect(page.get_by_label("School days block 2 start")).to_be_focused()
        expect(page.get_by_label("School days block 1 start")).to_have_value("08:30")
        fits_the_screen(page)


@pytest.mark.parametrize(
    ("browser_zone", "field", "holidays"),
    [
        ("America/Sao_Paulo", "São Paulo, Brazil (America/Sao_Paulo)", "Brazil"),
        ("Asia/Kolkata", "Kolkata, India (Asia/Kolkata)", "India"),  # Chromium: Asia/Calcutta
    ],
)
def test_the_school_zone_starts_from_the_browsers_zone(
    browser: Browser,
    live_server: str,
    new_email: Callable[[], str],
    browser_zone: str,
    field: str,
    holidays: str,
) -> None:
    with open_page(browser, live_server, viewport=PHONE, timezone_id=browser_zone) as page:
        page.goto("/signup")
        page.get_by_label("Email").fill(new_email())
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        page.goto("/teens/new")
        expect(page.get_by_label("School's city or time zone")).to_have_value(field)
        expect(page.locator("#f-country option:checked")).to_contain_text(holidays)
        expect(page.locator("#f-timezone-browser")).to_be_visible()
