"""An admin runs an experiment, reads its results, uses the kill switch and reads the audit log,
in a real browser: every page checked with axe and photographed at phone and desktop width."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest

pytest.importorskip("playwright", reason="playwright not installed: pip install -e '.[test]'")

from playwright.sync_api import Locator, Page, expect

from alertsvc.db.models import Ack, Exposure, Teen
from alertsvc.services import accounts
from tests.browser.conftest import Site
from tests.support import experiment_nudge

Check = Callable[[Page], None]
Shot = Callable[[Page, str], None]

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse admin staple"
KEY = "copy-2026-11"


@pytest.fixture
def admin_site(site: Site) -> Site:
    """The test's server with an admin in its database."""
    with site.app.extensions["alertsvc"].sessions() as session:
        accounts.make_admin(session, ADMIN_EMAIL, ADMIN_PASSWORD, site.clock())
        session.commit()
    return site


def seed_results(site: Site) -> None:
    """Lopsided exposures (40 vs 12 teens at 50/50, so the split is flagged) with reminders
    and answers in the minute before the server's now, as the check and acks would have
    recorded them."""
    now = site.clock() - timedelta(minutes=1)
    app = site.app
    plan = {"control": (40, 30, 6, 9, 1), "friendly": (12, 24, 11, 4, 2)}
    with app.extensions["alertsvc"].sessions() as session:
        for variant, (teens, nudges, closed, dismissed, wrong) in plan.items():
            ids = [f"teen_{variant}_{i}" for i in range(teens)]
            session.add_all(
                Teen(id=t, nickname="Sam", timezone="UTC", country=None, created_at=now)
                for t in ids
            )
            session.flush()
            session.add_all(
                Exposure(experiment_key=KEY, teen_id=t, variant_key=variant, exposed_at=now)
                for t in ids
            )
            for n in range(nudges):
                at = now + timedelta(seconds=n + 1)
                teen = ids[n % teens]
                session.add(experiment_nudge(f"nud_{variant}_{n}", teen, at, KEY, variant))
                session.flush()
                actions = ["shown"]
                actions += ["closed_app"] if n < closed else []
                actions += ["dismissed"] if closed <= n < closed + dismissed else []
                actions += ["report_wrong"] if n >= nudges - wrong else []
                session.add_all(
                    Ack(nudge_id=f"nud_{variant}_{n}", teen_id=teen, action=a, at=at)
                    for a in actions
                )
        session.commit()


def log_in_as_admin(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/home$"))


def variant_row(page: Page, number: int) -> Locator:
    """The fieldset of the create form's variant row `number` (from 1)."""
    return page.get_by_role("group", name=re.compile(rf"^Variant {number}\b"))


def test_an_admin_runs_an_experiment_and_uses_the_kill_switch(
    page: Page, admin_site: Site, check_a11y: Check, screenshot: Shot
) -> None:
    log_in_as_admin(page)
    page.get_by_role("link", name="Admin").click()
    expect(page).to_have_url(re.compile(r"/admin$"))
    expect(page.get_by_role("heading", name="No experiments yet")).to_be_visible()
    check_a11y(page)
    screenshot(page, "admin-experiments-empty")

    # Create: first with mistakes, then right.
    page.get_by_role("link", name="New experiment").click()
    expect(page).to_have_url(re.compile(r"/admin/experiments/new$"))
    check_a11y(page)
    screenshot(page, "admin-new-experiment")

    page.get_by_label("Key", exact=True).fill("Copy Test")
    page.get_by_label("Traffic").fill("150")
    variant_row(page, 1).get_by_label("Variant key").fill("control")
    page.get_by_role("button", name="Save as draft").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Use lowercase letters")
    expect(alert).to_contain_text("Enter a whole number from 0 to 100.")
    expect(alert).to_be_focused()
    expect(page.get_by_label("Key", exact=True)).to_have_attribute("aria-invalid", "true")
    check_a11y(page)
    screenshot(page, "admin-new-experiment-errors")

    page.get_by_label("Key", exact=True).fill(KEY)
    page.get_by_label("Description").fill("A friendlier title and text")
    page.get_by_label("Traffic").fill("100")
    first, second = variant_row(page, 1), variant_row(page, 2)
    first.get_by_label("Weight").fill("1")
    second.get_by_label("Variant key").fill("friendly")
    second.get_by_label("Weight").fill("1")
    second.get_by_label("Title").first.fill("Hey, quick one")
    second.get_by_label("Body").first.fill("Phone away until the bell?")
    second.get_by_label("Minutes between reminders").fill("45")
    page.get_by_label("Countries").fill("us, ca")
    page.get_by_role("button", name="Save as draft").click()
    expect(page).to_have_url(re.compile(rf"/admin/experiments/{KEY}$"))
    expect(page.get_by_role("status")).to_contain_text("saved as a draft")
    check_a11y(page)
    screenshot(page, "admin-experiment-draft")

    # Start it, and let some teens be counted.
    page.get_by_role("button", name="Start experiment").click()
    expect(page.get_by_role("status")).to_contain_text(f"Experiment {KEY} is started.")
    expect(page.locator(".badge")).to_have_text("running")
    admin_site.clock.advance(minutes=2)
    seed_results(admin_site)
    page.reload()
    expect(page.get_by_text("The split of teens between variants is off")).to_be_visible()
    chart = page.get_by_role("img", name=re.compile(r"^Closed the app \(closed_app\)"))
    expect(chart).to_be_visible()
    expect(page.get_by_role("table", name=re.compile(r"^Closed the app"))).to_contain_text(
        "control 20.0% ("
    )
    check_a11y(page)
    screenshot(page, "admin-experiment-results")

    admin_site.clock.advance(minutes=1)  # a minute per step: the audit log orders by time
    # Pause, then change weights and traffic.
    page.get_by_role("button", name="Pause").click()
    expect(page.locator(".badge")).to_have_text("paused")
    page.get_by_label("Weight of friendly").fill("1e308")
    page.get_by_role("button", name="Save weights and traffic").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Enter 0 (no new teens), or a number from 0.001 to 1000."
    )
    check_a11y(page)
    page.get_by_label("Weight of friendly").fill("2")
    page.get_by_role("button", name="Save weights and traffic").click()
    expect(page.get_by_role("status")).to_contain_text("Weights and traffic are saved.")

    # The list shows it.
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Experiments").click()
    expect(page.get_by_role("link", name=KEY)).to_be_visible()
    check_a11y(page)
    screenshot(page, "admin-experiments")

    admin_site.clock.advance(minutes=1)
    # Kill switch: the word must be typed, then it's on, then off again.
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Kill switch").click()
    expect(page.get_by_text("no reminders anywhere").first).to_be_visible()
    check_a11y(page)
    screenshot(page, "admin-kill-switch-off")
    page.get_by_label("Reason").fill("Reminders arriving at night in one zone")
    page.get_by_label("Type STOP to confirm").fill("yes")
    page.get_by_role("button", name="Turn on: stop all reminders").click()
    expect(page.get_by_role("alert")).to_contain_text("Type STOP to confirm.")
    check_a11y(page)
    screenshot(page, "admin-kill-switch-confirm-error")
    page.get_by_label("Type STOP to confirm").fill("STOP")
    page.get_by_role("button", name="Turn on: stop all reminders").click()
    expect(page.get_by_role("heading", name="It is ON: no reminders are sent")).to_be_visible()
    expect(page.get_by_text("Reminders arriving at night in one zone")).to_be_visible()
    check_a11y(page)
    screenshot(page, "admin-kill-switch-on")
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Experiments").click()
    expect(page.get_by_text("The kill switch is on:")).to_be_visible()
    screenshot(page, "admin-experiments-kill-switch-banner")
    page.get_by_role("link", name="See why or turn it off").click()
    admin_site.clock.advance(minutes=1)
    page.get_by_label("Reason").fill("Fixed the zone data")
    page.get_by_label("Type RESUME to confirm").fill("resume")
    page.get_by_role("button", name="Turn off: resume reminders").click()
    expect(
        page.get_by_role("heading", name="It is off: reminders follow the schedules")
    ).to_be_visible()

    admin_site.clock.advance(minutes=1)
    # Stop the experiment for good: the box must be ticked.
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Experiments").click()
    page.get_by_role("link", name=KEY).click()
    page.get_by_role("link", name="Stop the experiment…").click()
    page.get_by_role("button", name="Stop experiment").click()
    expect(page.get_by_text("Tick the box to confirm")).to_be_visible()
    page.get_by_label("I understand that stopping is final").check()
    page.get_by_role("button", name="Stop experiment").click()
    expect(page.locator(".badge")).to_have_text("stopped")
    check_a11y(page)
    screenshot(page, "admin-experiment-stopped")

    # Every change is in the audit log, newest first.
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Audit log").click()
    entries = page.get_by_role("list", name="Audit log entries, newest first").get_by_role(
        "listitem"
    )
    expect(entries.nth(0)).to_contain_text("experiment.stop")
    expect(entries.nth(0)).to_contain_text(ADMIN_EMAIL)
    expect(entries.nth(0)).to_contain_text(
        re.compile(r'\{"status":"paused"\} →\s*changed to \{"status":"stopped"\}')
    )
    expect(entries.nth(1)).to_contain_text("kill_switch.disable")
    expect(entries.nth(2)).to_contain_text("kill_switch.enable")
    expect(entries.last).to_contain_text("experiment.create")
    check_a11y(page)
    screenshot(page, "admin-audit")
