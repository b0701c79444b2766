"""Every parent page in the pseudo-language (en-XA: 40% longer, accented) on a 375 px phone:
nothing overflows the screen and no box cuts its text off. Then Arabic: the pages mirror
(right to left); their screenshots are docs/parent-ar-*.png.

Arabic shows English sentences until the translators are done: these screenshots are about
the layout's direction, not the words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

pytest.importorskip("playwright", reason="playwright not installed: pip install -e '.[test]'")

from playwright.sync_api import Browser, Page, expect

from alertsvc import PROJECT_ROOT
from tests.browser.conftest import PHONE, Site, open_page

PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday, 10:00 in London
DOCS = PROJECT_ROOT / "docs"

# Boxes that clip what does not fit, and whose text therefore must fit.
CUT_OFF = """() => {
  const cut = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.visually-hidden, svg, [hidden]')) continue;
    const style = getComputedStyle(el);
    const clips = ['hidden', 'clip'].includes(style.overflowX) || style.textOverflow === 'ellipsis';
    if (clips && el.scrollWidth > el.clientWidth + 1 && el.textContent.trim()) {
      const text = el.textContent.trim().slice(0, 60);
      cut.push(`${el.tagName.toLowerCase()}.${el.className}: ${text}`);
    }
  }
  return cut;
}"""


# The elements that reach past the screen's right edge (or left, right to left): what to fix.
TOO_WIDE = """(width) => [...document.querySelectorAll('body *')]
  .filter((el) => { const box = el.getBoundingClientRect();
                    return box.width > 0 && (box.right > width + 1 || box.left < -1); })
  .slice(0, 5)
  .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${el.textContent.trim().slice(0, 60)}`)
"""


def fits(page: Page) -> None:
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], (
        f"{page.url} is {wide}px wide on a {PHONE['width']}px phone: "
        f"{page.evaluate(TOO_WIDE, PHONE['width'])}"
    )
    assert page.evaluate(CUT_OFF) == [], page.url


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[Page]:
    with open_page(
        browser,
        live_server,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        timezone_id="Europe/London",
    ) as opened:
        yield opened


def _speak(page: Page, site: Site, tag: str) -> None:
    """This browser's language, as the picker keeps it for someone signed out."""
    page.context.add_cookies([{"name": "alertsvc_lang", "value": tag, "url": site.url}])


def _family(page: Page, site: Site, email: str) -> str:
    """A parent with a teen that has a week, a paired device and a reminder; the teen's id."""
    page.goto("/signup")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/signup'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/home$"))
    page.goto("/teens/new")
    page.locator("#f-nickname").fill("Sam")
    page.locator("#f-timezone").fill("London")
    page.locator("main form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/schedule$"))
    teen_id = page.url.split("/")[-2]
    page.locator("#f-same-0-start").fill("0830")
    page.locator("#f-same-0-end").fill("1510")
    page.locator("#schedule-form button[type=submit]").last.click()
    expect(page.locator(".tt-block")).to_have_count(5)
    page.goto(f"/teens/{teen_id}")
    page.locator(f"form[action='/teens/{teen_id}/pairing-code'] button").click()
    code = page.locator("p.code").inner_text()
    api = site.app.test_client()
    device = api.post("/v1/devices", json={"pairing_code": code, "platform": "android"})
    token = device.get_json()["device_token"]
    check = api.post(
        "/v1/check",
        json={"utc_offset_minutes": 0},
        headers={"Authorization": f"Bearer {token}"},
    ).get_json()
    assert check["reason"] == "in_school_hours", check
    page.goto(f"/teens/{teen_id}/pairing-code")  # a fresh code on show for the pairing page
    return teen_id


def _signed_in_pages(teen_id: str) -> list[str]:
    teen = f"/teens/{teen_id}"
    return [
        "/",
        "/home",
        teen,
        f"{teen}/schedule",
        f"{teen}/calendar",
        f"{teen}/activity",
        "/account",
        f"{teen}/privacy",
        "/teens/new",
        f"{teen}/edit",
        f"{teen}/pairing-code",
        "/no-such-page",
    ]


def test_every_parent_page_fits_a_phone_in_the_pseudo_language(
    phone: Page, site: Site, new_email: Callable[[], str]
) -> None:
    site.clock.set(NOW)
    page = phone
    _speak(page, site, "en-XA")
    for path in ("/", "/signup", "/login", "/no-such-page"):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "en-XA")
        fits(page)
    teen_id = _family(page, site, new_email())
    teen = f"/teens/{teen_id}"
    page.goto(teen)
    page.locator(f"form[action='{teen}/pairing-code'] button").click()
    expect(page.locator("p.code")).to_be_visible()
    fits(page)
    for path in _signed_in_pages(teen_id):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "en-XA")
        expect(page.locator(".language-picker")).to_be_visible()
        fits(page)
    # The forms' error states are longer still.
    page.goto(f"{teen}/calendar")
    page.locator(f"form[action='{teen}/exceptions'] button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    fits(page)


@pytest.mark.parametrize("name", ["home", "schedule", "activity"])
def test_arabic_pages_mirror(
    phone: Page, site: Site, new_email: Callable[[], str], name: str
) -> None:
    site.clock.set(NOW)
    page = phone
    teen_id = _family(page, site, new_email())
    _speak(page, site, "ar")
    path = {"home": "/home", "schedule": f"/teens/{teen_id}/schedule"}.get(
        name, f"/teens/{teen_id}/activity"
    )
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    fits(page)
    # Mirrored: the brand starts at the right edge, the main column's text starts right.
    brand = page.locator(".brand").bounding_box()
    assert brand is not None
    assert brand["x"] + brand["width"] > PHONE["width"] / 2, brand
    heading = page.locator("main h1").first
    assert heading.evaluate("e => getComputedStyle(e).direction") == "rtl"
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=DOCS / f"parent-ar-{name}.png", full_page=True)
