"""The teen's app (/app/) in Chromium, on a simulated school day whose clock the test holds.

Sam's school day in New York: 08:00-11:45 and 12:30-15:00, a 10-minute quiet start. The app is
paired through its own form at 07:00; from then on the test moves the page's clock and the
server's together (tests/browser/teen_app.py) and counts every check the app sends.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

pytest.importorskip("playwright", reason="playwright not installed: pip install -e '.[test]'")

from playwright.sync_api import Browser, Page, Route, expect

from alertsvc.http import edge
from alertsvc.services import flags
from tests.browser.conftest import PHONE, Site
from tests.browser.teen_app import (
    GRACE,
    PASSWORD,
    SCHOOL,
    SPREAD,
    Checks,
    Clocks,
    Family,
    call,
    follow,
    is_check,
    iso_ms,
    pair,
    parse_instant,
    reached_at,
    record_figures,
    school_time,
)

Check = Callable[[Page], None]
Shot = Callable[[Page, str], None]


def _open_app(
    app_page: Page, site: Site, start_at: int, minute: int = 0
) -> tuple[Family, Clocks, Checks]:
    family = Family.create(site.url, site.clock)
    clocks = Clocks.start(app_page, site.clock, school_time(start_at, minute))
    checks = Checks(app_page)
    app_page.goto("/app/")
    return family, clocks, checks


def _card(page: Page) -> Page:
    return page.get_by_role("article")


def _parent_page(browser: Browser, site: Site) -> Page:
    """Ann, logged in to the parents' pages in a browser of her own."""
    context = browser.new_context(base_url=site.url, viewport=PHONE)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Email").fill("ann@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your teens")).to_be_visible()
    return page


# A naive client, for comparison: a check every 60 s. It runs on the same page clock and only
# counts (it sends nothing).
NAIVE_POLLER = "() => { window.__naive = 0; setInterval(() => { window.__naive += 1; }, 60000); }"


def test_a_school_day_pairing_a_quiet_morning_a_reminder_on_time_and_a_report_the_parents_see(
    app_page: Page, site: Site, browser: Browser, check_a11y: Check, screenshot: Shot
) -> None:
    page = app_page
    family, clocks, checks = _open_app(page, site, start_at=7)
    page.evaluate(NAIVE_POLLER)
    _a_wrong_code_is_refused(page, check_a11y, screenshot)

    pair(page, family.pairing_code(), clocks)
    expect(page.get_by_role("banner")).to_contain_text(
        "School-time reminders are on, set by Ann and Ben."
    )
    expect(page.locator("#now-text")).to_contain_text("it is outside them now")
    expect(_card(page)).to_be_hidden()
    assert checks.last()["reason"] == "outside_school_hours"
    check_a11y(page)
    screenshot(page, "app-quiet")

    # Up to the first block's start plus the quiet start plus the spread: the reminder.
    deadline = school_time(8) + GRACE + SPREAD
    answers = follow(page, clocks, checks, deadline)
    assert [a["reason"] for a in answers] == ["grace_period", "in_school_hours"]
    nudged_at = checks.started_at()[-1]
    assert school_time(8) + GRACE <= nudged_at < deadline
    card = _card(page)
    expect(card).to_be_visible()
    expect(card).to_contain_text("School time")
    # Said by the service in the app's language, American English here (CLDR: 12-hour).
    expect(card).to_contain_text("School hours today are 8:00 – 11:45 AM and 12:30 – 3:00 PM")
    assert len(checks.started_at()) == 3  # 07:00 (pairing), 08:00 (an hour later at most), 08:10+
    check_a11y(page)
    screenshot(page, "app-card")

    _report_it_as_wrong(page, screenshot)
    _the_parents_see_the_report_marked_new(browser, site, check_a11y, screenshot)
    _whats_set_and_my_data(page, check_a11y, screenshot)

    # The rest of the day, to 17:00: the app checks only when it was told to.
    follow(page, clocks, checks, school_time(17))
    app_checks = len(checks.started_at())
    naive = page.evaluate("() => window.__naive")
    assert naive == 600  # ten hours of minutes
    assert app_checks <= naive // 10, f"{app_checks} checks against a 60-s poller's {naive}"
    record_figures(
        "school_day",
        {
            "from": iso_ms(school_time(7)),
            "to": iso_ms(school_time(17)),
            "app_checks": app_checks,
            "naive_60s_checks": naive,
            "reminders": sum(1 for r in checks.responses if r.json()["nudge"]),
            "timeline": [
                [sent.astimezone(SCHOOL).strftime("%H:%M:%S"), response.json()["reason"]]
                for sent, response in zip(checks.started_at(), checks.responses, strict=True)
            ],
        },
    )


def _a_wrong_code_is_refused(page: Page, check_a11y: Check, screenshot: Shot) -> None:
    expect(page.get_by_role("heading", name="Pair this device")).to_be_visible()
    page.get_by_label("Pairing code").fill("WRONG-ONE")
    page.get_by_role("button", name="Pair").click()
    expect(page.locator("#pair-error")).to_contain_text("unknown, already used or expired")
    expect(page.get_by_label("Pairing code")).to_have_attribute("aria-invalid", "true")
    check_a11y(page)
    screenshot(page, "app-pair")


def _report_it_as_wrong(page: Page, screenshot: Shot) -> None:
    """ "This is wrong", with a comment."""
    card = _card(page)
    with page.expect_request(lambda r: r.url.endswith("/ack")) as acked:
        card.get_by_role("button", name="This is wrong").click()
        page.get_by_label("What's wrong?").fill("We had a free period")
        screenshot(page, "app-report")
        card.get_by_role("button", name="Send report").click()
    assert json.loads(acked.value.post_data or "") == {
        "action": "report_wrong",
        "comment": "We had a free period",
    }
    expect(page.locator("#thanks")).to_have_text(
        "Thanks. Your parents will see that this reminder was wrong."
    )
    expect(page.locator("#thanks")).to_be_focused()


def _the_parents_see_the_report_marked_new(
    browser: Browser, site: Site, check_a11y: Check, screenshot: Shot
) -> None:
    """At once on the teens list, marked new until the activity has been seen."""
    parent = _parent_page(browser, site)
    expect(parent.locator(".report-new")).to_contain_text("Sam reported 1 reminder as wrong")
    check_a11y(parent)
    screenshot(parent, "app-parent-report")
    parent.locator(".report-new a").click()
    expect(parent.locator(".nudge-wrong")).to_contain_text("We had a free period")
    expect(parent.locator(".nudge-wrong .badge-new")).to_have_text("New")
    check_a11y(parent)
    screenshot(parent, "app-parent-activity")
    parent.goto("/home")
    expect(parent.locator(".report-new")).to_have_count(0)
    parent.context.close()


def _whats_set_and_my_data(page: Page, check_a11y: Check, screenshot: Shot) -> None:
    """What's set for me, and the teen's own data, one tap away."""
    page.get_by_role("link", name="What's set for me").click()
    expect(page.get_by_role("heading", name="What's set for me")).to_be_visible()
    expect(page.locator("#me-who")).to_contain_text("Set by Ann and Ben for Sam.")
    expect(page.locator("#me-today")).to_have_text(
        "School hours today: 8:00 AM–11:45 AM, 12:30 PM–3:00 PM."
    )
    expect(page.locator("#me-next")).to_have_text("In a school block now, until 11:45 AM.")
    expect(page.locator("#me-week")).to_contain_text("Wednesday8:00 AM–11:45 AM, 12:30 PM–3:00 PM")
    expect(page.locator("#me-recent")).to_contain_text("reported it as wrong")
    check_a11y(page)
    screenshot(page, "app-whats-set")
    with page.expect_download() as downloaded:
        page.get_by_role("button", name="Download my data").click()
    exported = json.loads(Path(downloaded.value.path()).read_text(encoding="utf-8"))
    assert downloaded.value.suggested_filename == "my-school-reminders-2026-12-02.json"
    assert exported["nickname"] == "Sam"
    assert exported["guardians"] == [{"name": "Ann"}, {"name": "Ben"}]
    assert [a["action"] for a in exported["reminders"][0]["acks"]] == ["shown", "report_wrong"]
    assert "@" not in json.dumps(exported)
    page.get_by_role("link", name="Back").click()


def test_with_the_kill_switch_on_no_card_ever_appears(
    app_page: Page, site: Site, check_a11y: Check, screenshot: Shot
) -> None:
    page = app_page
    family, clocks, checks = _open_app(page, site, start_at=7)
    with site.app.app_context():
        session = edge.db()
        flags.set_kill_switch(session, True, "incident", "ops@example.com", site.clock())
        session.commit()

    pair(page, family.pairing_code(), clocks)
    answers = follow(page, clocks, checks, school_time(15))
    assert {a["reason"] for a in [checks.responses[0].json(), *answers]} == {"disabled"}
    assert len(checks.started_at()) <= 9  # hourly at most: a change reaches the app within the hour
    expect(_card(page)).to_be_hidden()
    expect(page.get_by_role("banner")).to_contain_text(
        "School-time reminders are switched off for everyone right now."
    )
    check_a11y(page)
    screenshot(page, "app-switched-off")


def test_a_revoked_device_says_it_is_no_longer_paired_and_can_pair_again(
    app_page: Page, site: Site, check_a11y: Check, screenshot: Shot
) -> None:
    page = app_page
    family, clocks, checks = _open_app(page, site, start_at=8)
    pair(page, family.pairing_code(), clocks)
    assert checks.last()["reason"] == "grace_period"
    family.revoke_devices()

    due = parse_instant(checks.last()["next_check_at"])
    with page.expect_response(is_check) as refused:
        clocks.run_to(due)
    assert refused.value.status == 401
    notice = page.locator("#pair-notice")
    expect(notice).to_contain_text("This device is no longer paired")
    expect(page.get_by_role("heading", name="Pair this device")).to_be_visible()
    expect(page.get_by_role("banner")).to_be_hidden()
    assert page.evaluate("() => localStorage.length") == 0  # the dead token is forgotten
    check_a11y(page)
    screenshot(page, "app-unpaired")

    # Nothing polls a dead token; a new code pairs again.
    clocks.run_to(due + timedelta(hours=2))
    assert len(checks.started_at()) == 2
    pair(page, family.pairing_code(), clocks)
    expect(page.get_by_role("banner")).to_contain_text("School-time reminders are on")


def test_a_busy_service_is_asked_again_only_after_retry_after(app_page: Page, site: Site) -> None:
    page = app_page
    family, clocks, checks = _open_app(page, site, start_at=8)
    pair(page, family.pairing_code(), clocks)

    def busy(route: Route) -> None:
        route.fulfill(
            status=503,
            headers={"Retry-After": "120", "Content-Type": "application/problem+json"},
            body='{"type":"about:blank","title":"Service unavailable","status":503,"detail":"…"}',
        )

    page.route("**/v1/check", busy)
    due = parse_instant(checks.last()["next_check_at"])
    with page.expect_response(is_check):
        clocks.run_to(due)
    page.unroute("**/v1/check")
    expect(page.locator("#connection")).to_contain_text("The service is busy.")
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")  # not even now
    clocks.run_to(due + timedelta(seconds=119))
    assert checks.started_at()[1:] == [due]
    with page.expect_response(is_check):
        clocks.run_to(due + timedelta(seconds=120))
    reached_at(page, due + timedelta(seconds=120))
    assert checks.started_at()[1:] == [due, due + timedelta(seconds=120)]
    expect(_card(page)).to_be_visible()  # 08:12 and after: the reminder, two minutes late


def test_without_network_the_app_says_since_when_and_keeps_the_teens_answer(
    app_page: Page, site: Site, check_a11y: Check, screenshot: Shot
) -> None:
    page = app_page
    family, clocks, checks = _open_app(page, site, start_at=8, minute=12)
    with page.expect_response(lambda r: r.url.endswith("/ack")):  # `shown`
        pair(page, family.pairing_code(), clocks)
    expect(_card(page)).to_be_visible()
    last_reached = clocks.now

    page.route("**/v1/**", lambda route: route.abort("internetdisconnected"))
    due = parse_instant(checks.last()["next_check_at"])
    with page.expect_request(lambda r: r.url.endswith("/v1/check")):
        clocks.run_to(due)
    connection = page.locator("#connection")
    expect(connection).to_contain_text("Can't reach the service right now.")
    expect(connection.locator("time")).to_have_attribute("datetime", iso_ms(last_reached))
    expect(connection).to_contain_text("Trying again at")
    check_a11y(page)
    screenshot(page, "app-offline")
    with page.expect_request(lambda r: r.url.endswith("/ack")):
        _card(page).get_by_role("button", name="OK").click()  # kept, to send later
    with page.expect_request(lambda r: r.url.endswith("/v1/check")):
        clocks.run_to(due + timedelta(seconds=30))  # the first of the growing pauses
    assert checks.started_at()[1:] == [due, due + timedelta(seconds=30)]

    # Back in the foreground with the network back: it checks at once, and sends the answer
    # the teen gave while offline.
    page.unroute("**/v1/**")
    with (
        page.expect_request(lambda r: "dismissed" in (r.post_data or "")) as acked,
        page.expect_response(is_check),
    ):
        page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    reached_at(page, clocks.now)
    expect(connection).not_to_contain_text("Can't reach")
    answered = acked.value.response()
    assert answered is not None
    assert answered.status == 204


def test_a_pause_shows_on_the_sign_with_when_it_ends(app_page: Page, site: Site) -> None:
    page = app_page
    family, clocks, checks = _open_app(page, site, start_at=8)
    pair(page, family.pairing_code(), clocks)
    until = school_time(12)
    call(site.url, "POST", f"/v1/teens/{family.teen}/pause", {"until": iso_ms(until)}, family.ann)
    answers = follow(page, clocks, checks, school_time(8, 30))
    assert [a["reason"] for a in answers] == ["paused"]
    expect(page.get_by_role("banner")).to_contain_text(
        "School-time reminders are paused until Wed, Dec 2, 12:00 PM, set by Ann and Ben."
    )
    expect(_card(page)).to_be_hidden()


def test_a_parent_logged_in_to_the_pages_in_the_same_browser_does_not_trip_the_app(
    app_page: Page, site: Site
) -> None:
    """The app sends no cookies: with the pages' login cookie, an API request would be
    CSRF-checked like a form, and pairing or checking would be refused."""
    page = app_page
    family, clocks, checks = _open_app(page, site, start_at=8)
    page.goto("/login")
    page.get_by_label("Email").fill("ann@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your teens")).to_be_visible()
    assert page.context.cookies()  # the login cookie, for this very origin
    page.goto("/app/")
    pair(page, family.pairing_code(), clocks)
    assert checks.responses[-1].status == 200
    assert checks.last()["reason"] == "grace_period"
