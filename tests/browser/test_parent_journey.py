"""A parent signs up, logs out, logs back in and changes the password, in a real browser."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

pytest.importorskip("playwright", reason="playwright not installed: pip install -e '.[test]'")

from playwright.sync_api import Page, expect

Check = Callable[[Page], None]
Shot = Callable[[Page, str], None]

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"


def test_sign_up_log_out_log_in_and_change_password(
    page: Page, check_a11y: Check, screenshot: Shot, new_email: Callable[[], str]
) -> None:
    email = new_email()

    page.goto("/")
    check_a11y(page)
    screenshot(page, "landing")

    page.get_by_role("link", name="Create a parent account").click()  # a link, styled
    expect(page).to_have_url(re.compile(r"/signup$"))
    check_a11y(page)
    screenshot(page, "signup")

    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your email.")
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    check_a11y(page)
    screenshot(page, "signup-errors")

    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/home$"))
    expect(page.get_by_role("heading", name="Your teens will appear here")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your account is ready")
    check_a11y(page)
    screenshot(page, "home")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_contain_text("You are logged out.")
    check_a11y(page)
    screenshot(page, "login")

    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("don't match an account")
    check_a11y(page)
    screenshot(page, "login-error")

    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/home$"))

    page.get_by_role("link", name="Account").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    page.get_by_role("link", name="Change your password").click()
    expect(page).to_have_url(re.compile(r"/account/password$"))
    check_a11y(page)
    screenshot(page, "password")

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page).to_have_url(re.compile(r"/home$"))
    expect(page.get_by_role("status")).to_contain_text("Your password is changed.")
    screenshot(page, "password-changed")

    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/home$"))


def test_error_summary_takes_the_focus(page: Page) -> None:
    page.goto("/login")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_focused()
    page.get_by_role("link", name="Enter your email.").click()
    expect(page.get_by_label("Email")).to_be_focused()


def _outline(page: Page) -> str:
    return str(page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle"))


def test_keyboard_reaches_a_skip_link_with_a_visible_focus_ring(
    page: Page, screenshot: Shot
) -> None:
    page.goto("/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert _outline(page) == "solid"
    screenshot(page, "focus-skip-link")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Log in")).to_be_focused()
    assert _outline(page) == "solid"
    screenshot(page, "focus-button")


def test_a_parent_can_log_in_with_the_keyboard_alone(
    page: Page, new_email: Callable[[], str]
) -> None:
    email = new_email()
    page.goto("/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page).to_have_url(re.compile(r"/home$"))
    page.get_by_role("button", name="Log out").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_label("Email").focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/home$"))


def test_error_page_uses_the_layout(page: Page, check_a11y: Check, screenshot: Shot) -> None:
    response = page.goto("/no-such-page")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_a11y(page)
    screenshot(page, "error-404")
