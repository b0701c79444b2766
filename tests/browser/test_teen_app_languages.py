"""The teen's app in the teen's language (/app/, SPEC §10): every sentence it shows goes through
its catalog (`en-XA`, the pseudo-language, leaves no English word on any screen and still
fits a 375 px phone), Arabic is laid out right to left, and a language picked in "What's set
for me" is kept on the device by the service.

Sam's school day in New York, as in test_teen_app.py: the app is opened at 08:20, inside the
first block and past its quiet start, so the check right after pairing brings a reminder."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("playwright", reason="playwright not installed: pip install -e '.[test]'")

from playwright.sync_api import Browser, Page, expect

from alertsvc import PROJECT_ROOT
from tests.browser.conftest import PHONE, SCREENSHOTS, Site, open_page
from tests.browser.teen_app import Checks, Clocks, Family, call, is_check, school_time

Shot = Callable[[Page, str], None]

# Words of three ASCII letters or more that stay as they are in any language: the family's
# names, the school's time zone, the example pairing code (DHV7KEKM), and what CLDR (Intl in
# the page, Babel in the service) writes for en-XA, which it reads as English: a list's "and".
KEPT = {"Ann", "Ben", "Sam", "America", "New_York", "DHV", "KEKM", "and"}


def _app(browser: Browser, site: Site, locale: str) -> Iterator[Page]:
    with open_page(
        browser,
        site.url,
        viewport=PHONE,
        timezone_id="America/New_York",
        locale=locale,
        service_workers="block",
    ) as page:
        yield page


@pytest.fixture
def pseudo_page(browser: Browser, site: Site) -> Iterator[Page]:
    yield from _app(browser, site, "en-XA")


@pytest.fixture
def arabic_page(browser: Browser, site: Site) -> Iterator[Page]:
    yield from _app(browser, site, "ar")


@pytest.fixture
def english_page(browser: Browser, site: Site) -> Iterator[Page]:
    yield from _app(browser, site, "en-US")


def _paired_at_school(page: Page, site: Site) -> tuple[Family, Checks]:
    """Open the app at 08:20 and pair it through its form (by element, whatever the words)."""
    family = Family.create(site.url, site.clock)
    Clocks.start(page, site.clock, school_time(8, 20))
    checks = Checks(page)
    page.goto("/app/")
    page.locator("#pair-code").fill(family.pairing_code())
    with page.expect_response(is_check):
        page.locator("#pair-submit").click()
    expect(page.locator("#connection time")).to_be_visible()
    expect(page.locator("#card")).to_be_visible()
    return family, checks


# The names of days and months as Intl writes them in the page's language (for en-XA, which
# the browser's CLDR data does not have, in English).
INTL_NAMES = """() => {
  const lang = document.documentElement.lang;
  const names = [];
  for (const style of ["short", "long"]) {
    const weekday = new Intl.DateTimeFormat(lang, { weekday: style, timeZone: "UTC" });
    const month = new Intl.DateTimeFormat(lang, { month: style, timeZone: "UTC" });
    for (let i = 0; i < 12; i += 1) {
      names.push(weekday.format(new Date(Date.UTC(2024, 0, 1 + (i % 7)))));
      names.push(month.format(new Date(Date.UTC(2024, i, 1))));
    }
  }
  return names;
}"""


def _english_words(page: Page) -> list[str]:
    """Every word of plain ASCII letters on screen (3 letters or more) but the kept ones: in
    the pseudo-language each letter is accented, so such a word was never translated."""
    text = page.evaluate("() => document.body.innerText")
    # The picker names each language in itself.
    natives = " ".join(page.locator("#language option[lang]").all_text_contents())
    kept = KEPT | set(page.evaluate(INTL_NAMES)) | set(re.findall(r"[A-Za-z_]{3,}", natives))
    return [w for w in re.findall(r"[A-Za-z_]{3,}", text) if w not in kept]


def _fits(page: Page) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def test_in_the_pseudo_language_every_screen_is_translated_and_fits_a_phone(
    pseudo_page: Page, site: Site, screenshot: Shot
) -> None:
    page = pseudo_page
    Family.create(site.url, site.clock)
    page.goto("/app/")
    expect(page.locator("html")).to_have_attribute("lang", "en-XA")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("#pair-title")).to_contain_text("Þàîŕ ţĥîš đéṽîçé")
    assert _english_words(page) == []
    page.locator("#pair-submit").click()  # no code: the app's own error, translated
    expect(page.locator("#pair-error")).to_contain_text("Ţýþé")
    assert _english_words(page) == []
    screenshot(page, "app-xa-pair")


def test_in_the_pseudo_language_the_reminder_and_whats_set_are_translated(
    pseudo_page: Page, site: Site, screenshot: Shot
) -> None:
    page = pseudo_page
    _, checks = _paired_at_school(page, site)
    # The service speaks the app's language too: it sends it as Accept-Language.
    assert checks.responses[-1].headers["content-language"] == "en-XA"
    expect(page.locator("#card-why")).to_contain_text("Šçĥööļ")
    expect(page.locator("#sign-text")).to_contain_text("Šçĥööļ")
    assert _english_words(page) == [], page.evaluate("() => document.body.innerText")
    _fits(page)
    screenshot(page, "app-xa-card")

    page.locator("#answer-wrong").click()
    expect(page.locator("#report-form")).to_be_visible()
    assert _english_words(page) == []
    page.locator("#report-send").click()
    expect(page.locator("#thanks")).to_contain_text("Ţĥàñķš")
    assert _english_words(page) == []

    page.locator("#sign-link").click()
    expect(page.locator("#me-title")).to_contain_text("Ŵĥàţ'š šéţ ƒöŕ ɱé")
    expect(page.locator("#me-policy li").first).to_be_visible()
    expect(page.locator("#me-recent li").first).to_contain_text("ŕéþöŕţéđ îţ àš ŵŕöñĝ")
    assert _english_words(page) == [], page.evaluate("() => document.body.innerText")
    screenshot(page, "app-xa-whats-set")  # asserts no sideways scroll, phone and desktop


def test_in_arabic_the_app_is_right_to_left(
    arabic_page: Page, site: Site, screenshot: Shot
) -> None:
    page = arabic_page
    _, checks = _paired_at_school(page, site)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    assert checks.responses[-1].headers["content-language"] == "ar"
    # The start of a line is on the right: the card's answers begin at its right edge.
    card = page.locator("#card").bounding_box()
    first = page.locator("#answer-ok").bounding_box()
    assert card is not None
    assert first is not None
    assert first["x"] + first["width"] > card["x"] + card["width"] / 2
    _fits(page)
    screenshot(page, "app-ar-card")
    page.locator("#sign-link").click()
    expect(page.locator("#me-week tbody tr")).to_have_count(7)
    screenshot(page, "app-ar-whats-set")
    for name in ("app-ar-card", "app-ar-whats-set"):  # the phone's, for the docs
        shot = SCREENSHOTS / f"{name}-{PHONE['width']}x{PHONE['height']}.png"
        shutil.copyfile(shot, PROJECT_ROOT / "docs" / f"{name}.png")


def test_a_language_picked_in_whats_set_is_kept_on_the_device(
    english_page: Page, site: Site
) -> None:
    page = english_page
    _paired_at_school(page, site)
    expect(page.locator("html")).to_have_attribute("lang", "en-US")
    page.locator("#sign-link").click()
    picker = page.get_by_label("Language")
    expect(picker).to_have_value("")
    with page.expect_response(lambda r: r.url.endswith("/v1/me") and r.request.method == "PATCH"):
        picker.select_option("de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    token = page.evaluate("() => JSON.parse(localStorage.getItem('alertsvc.app')).device.token")
    me: dict[str, Any] = call(site.url, "GET", "/v1/me", token=token)
    assert me["locale"] == "de"

    # Opened again, the app speaks the picked language, not the browser's.
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.locator("#sign-link").click()
    expect(page.locator("#language")).to_have_value("de")
    with page.expect_response(lambda r: r.url.endswith("/v1/me") and r.request.method == "PATCH"):
        page.locator("#language").select_option("")
    expect(page.locator("html")).to_have_attribute("lang", "en-US")
    assert call(site.url, "GET", "/v1/me", token=token)["locale"] is None


def test_the_app_messages_are_its_own_sentences_from_the_catalogs(site: Site) -> None:
    words = call(site.url, "GET", "/app/messages/en-XA.json")
    assert words["Pair this device"].startswith("[Þàîŕ")
    plural = words["At most %(count)d reminder a day."]
    assert set(plural) == {"one", "other"}
    assert "%(count)d" in plural["other"]
    arabic = call(site.url, "GET", "/app/messages/ar.json")
    assert set(arabic["At most %(count)d reminder a day."]) == {
        "zero",
        "one",
        "two",
        "few",
        "many",
        "other",
    }
    assert "School time" not in words  # the service's sentences are not the app's
