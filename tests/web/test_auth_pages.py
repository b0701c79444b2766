"""Sign-up, log-in, log-out and password pages: every error path and the server-side session."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from alertsvc import create_app
from alertsvc.config import Settings
from alertsvc.services import accounts
from tests.support import Api, FakeClock
from tests.web.conftest import PASSWORD, Pages


def _texts(html: str) -> str:
    """The page's text with tags removed and whitespace collapsed, for readable asserts."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _session_is_valid(app: Flask, session_id: str, clock: FakeClock) -> bool:
    with app.app_context():
        sessions = app.extensions["alertsvc"].sessions
        with sessions() as db:
            return accounts.identity_for_token(db, session_id, "session", clock()) is not None


# --- pages that anyone sees ---


def test_landing_page_offers_sign_up_and_log_in(pages: Pages) -> None:
    response = pages.client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="/signup"' in html
    assert 'href="/login"' in html
    assert '<html lang="en"' in html
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_pages_link_only_local_assets(pages: Pages) -> None:
    html = pages.client.get("/signup").get_data(as_text=True)
    assert "http://" not in html
    assert "https://" not in html
    assert "style=" not in html
    assert "<script" not in html
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        with pages.client.get(asset) as response:  # closes the served file
            assert response.status_code == 200, asset


def test_unknown_page_is_an_html_error_page_in_the_layout(pages: Pages) -> None:
    response = pages.client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page not found" in response.get_data(as_text=True)
    assert 'href="/static/app.css"' in response.get_data(as_text=True)


def test_a_database_outage_is_a_503_page_even_with_a_session_cookie(
    settings: Settings, tmp_path: Path
) -> None:
    unreachable = f"sqlite:///{tmp_path / 'missing-dir' / 'gone.db'}"
    app = create_app(settings.with_(database_url=unreachable))
    try:
        client = app.test_client()
        client.set_cookie(settings.session_cookie_name, "a-session-id")
        for path in ("/home", "/"):
            response = client.get(path)
            assert response.status_code == 503, path
            assert response.mimetype == "text/html"
            assert response.headers["Retry-After"] == "5"
            assert "The database is unreachable" in response.get_data(as_text=True)
    finally:
        app.extensions["alertsvc"].engine.dispose()


# --- sign up ---


def test_sign_up_logs_in_and_lands_on_home(pages: Pages) -> None:
    response = pages.sign_up("Ann@Example.com")
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"
    home = pages.client.get("/home")
    assert home.status_code == 200
    text = _texts(home.get_data(as_text=True))
    assert "Your teens will appear here" in text
    assert "Welcome! Your account is ready." in text
    assert "no-store" in home.headers["Cache-Control"]


def _set_cookie(response: TestResponse, name: str) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}="))


def test_session_cookie_is_http_only_lax_and_site_wide(pages: Pages) -> None:
    set_cookie = _set_cookie(pages.sign_up("ann@example.com"), "alertsvc_session")
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie
    assert "Path=/" in set_cookie
    assert "Secure" not in set_cookie


def test_production_session_cookie_is_secure_with_the_host_prefix(settings: Settings) -> None:
    app = create_app(settings.with_(session_cookie_secure=True))
    try:
        client = app.test_client()
        response = client.post("/signup", data={"email": "ann@example.com", "password": PASSWORD})
        set_cookie = _set_cookie(response, "__Host-alertsvc")
        assert "Secure" in set_cookie
        assert "HttpOnly" in set_cookie
        assert "Path=/" in set_cookie
        assert "Domain" not in set_cookie
    finally:
        app.extensions["alertsvc"].engine.dispose()


def test_sign_up_with_empty_fields_marks_each_field(pages: Pages) -> None:
    response = pages.sign_up("", "")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter your email." in html
    assert "Enter your password." in html
    assert re.search(r'<input[^>]*aria-describedby="email-error"[^>]*aria-invalid="true"', html)
    assert 'id="email-error"' in html
    assert re.search(r'aria-describedby="password-error password-hint"', html)
    assert 'href="#email"' in html  # the summary links to the field
    assert pages.session_id() is None


def test_sign_up_with_a_bad_email_says_so(pages: Pages) -> None:
    response = pages.sign_up("not-an-email")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter an email address in the form name@example.com." in html
    assert 'value="not-an-email"' in html  # kept for correcting
    assert pages.session_id() is None


def test_sign_up_with_a_short_password_uses_the_api_rule(pages: Pages, api: Api) -> None:
    response = pages.sign_up("ann@example.com", "short")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Use at least 10 characters." in html
    assert "short" not in re.findall(r'value="([^"]*)"', html)  # passwords are not echoed
    # The page and the API accept exactly the same passwords.
    assert pages.sign_up("ann@example.com", "x" * 10).status_code == 302
    assert api.post("/v1/parents", {"email": "b@example.com", "password": "x" * 9}).status_code == (
        422
    )


def test_sign_up_with_an_existing_email_is_refused(pages: Pages, api: Api) -> None:
    api.post("/v1/parents", {"email": "ann@example.com", "password": PASSWORD})
    response = pages.sign_up("ANN@example.com", "another password")
    assert response.status_code == 422
    assert "There is already an account with this email." in response.get_data(as_text=True)
    assert pages.session_id() is None
    assert pages.log_in("ann@example.com", "another password").status_code == 422


def test_signed_in_parent_skips_the_sign_up_and_log_in_forms(pages: Pages) -> None:
    pages.sign_up("ann@example.com")
    assert pages.client.get("/signup").headers["Location"] == "/home"
    assert pages.client.get("/login").headers["Location"] == "/home"


# --- log in ---


def test_log_in_with_empty_fields_marks_each_field(pages: Pages) -> None:
    response = pages.log_in("", "")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter your email." in html
    assert "Enter your password." in html


def test_wrong_password_and_unknown_email_get_the_same_message(pages: Pages) -> None:
    pages.sign_up("ann@example.com")
    pages.log_out()
    wrong = pages.log_in("ann@example.com", "wrong password")
    unknown = pages.log_in("nobody@example.com", "wrong password")
    message = "That email and password don't match an account."
    for response in (wrong, unknown):
        assert response.status_code == 422
        assert message in _texts(response.get_data(as_text=True)).replace("&#39;", "'")
    assert pages.session_id() is None


def test_log_in_lands_on_home_with_a_session(pages: Pages) -> None:
    pages.fresh().sign_up("ann@example.com")
    response = pages.log_in("ANN@example.com")
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"
    assert pages.client.get("/home").status_code == 200


def test_failed_logins_are_limited_with_a_friendly_429(pages: Pages, clock: FakeClock) -> None:
    pages.fresh().sign_up("ann@example.com")
    for _ in range(10):
        assert pages.log_in("ann@example.com", "wrong password").status_code == 422
    blocked = pages.log_in("ann@example.com")  # even the right password waits
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    text = _texts(blocked.get_data(as_text=True))
    assert "Too many attempts." in text
    assert f"wait {blocked.headers['Retry-After']} seconds" in text
    assert '<form method="post"' in blocked.get_data(as_text=True)  # the form is still there
    clock.advance(minutes=1)
    assert pages.log_in("ann@example.com").status_code == 302


def test_failed_logins_share_the_api_limit(pages: Pages, api: Api) -> None:
    api.post("/v1/parents", {"email": "ann@example.com", "password": PASSWORD})
    for _ in range(10):
        failed = api.post("/v1/auth/token", {"email": "ann@example.com", "password": "nope!"})
        assert failed.status_code == 401
    assert pages.log_in("ann@example.com").status_code == 429


def test_log_in_returns_to_the_page_that_asked_for_it(pages: Pages) -> None:
    pages.fresh().sign_up("ann@example.com")
    asked = pages.client.get("/account/password")
    assert asked.status_code == 302
    assert asked.headers["Location"] == "/login?next=/account/password"
    response = pages.log_in("ann@example.com", path="/login?next=/account/password")
    assert response.headers["Location"] == "/account/password"


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "home"]
)
def test_log_in_never_redirects_off_site(pages: Pages, target: str) -> None:
    pages.fresh().sign_up("ann@example.com")
    response = pages.log_in("ann@example.com", path=f"/login?next={target}")
    assert response.headers["Location"] == "/home"


# --- sessions ---


def test_session_id_changes_at_every_login(pages: Pages, app: Flask, clock: FakeClock) -> None:
    pages.sign_up("ann@example.com")
    first = pages.session_id()
    pages.log_out()
    pages.log_in("ann@example.com")
    second = pages.session_id()
    pages.client.post("/login", data={"email": "ann@example.com", "password": PASSWORD})
    third = pages.session_id()
    assert first is not None
    assert second is not None
    assert third is not None
    assert len({first, second, third}) == 3
    assert not _session_is_valid(app, second, clock)  # logging in again ended the old one
    assert _session_is_valid(app, third, clock)


def test_a_planted_session_id_is_replaced_at_login(pages: Pages) -> None:
    pages.fresh().sign_up("ann@example.com")
    pages.replay("attacker-chosen-value")
    pages.log_in("ann@example.com")
    assert pages.session_id() not in (None, "attacker-chosen-value")


def test_log_out_ends_the_session_server_side(pages: Pages, app: Flask, clock: FakeClock) -> None:
    pages.sign_up("ann@example.com")
    session_id = pages.session_id()
    assert session_id is not None
    response = pages.log_out()
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert pages.session_id() is None
    assert "You are logged out." in pages.client.get("/login").get_data(as_text=True)
    assert not _session_is_valid(app, session_id, clock)
    pages.replay(session_id)
    replayed = pages.client.get("/home")
    assert replayed.status_code == 302
    assert replayed.headers["Location"].startswith("/login")


def test_log_out_only_answers_post(pages: Pages) -> None:
    pages.sign_up("ann@example.com")
    assert pages.client.get("/logout").status_code == 405
    assert pages.client.get("/home").status_code == 200


def test_an_expired_session_is_refused_and_its_cookie_dropped(
    pages: Pages, clock: FakeClock
) -> None:
    pages.sign_up("ann@example.com")
    clock.advance(days=7, seconds=1)
    response = pages.client.get("/home")
    assert response.status_code == 302
    assert pages.session_id() is None


def test_logged_in_pages_are_not_cached(pages: Pages) -> None:
    pages.sign_up("ann@example.com")
    for path in ("/home", "/account/password", "/"):
        assert pages.client.get(path).headers["Cache-Control"] == "no-store", path


# --- change password ---


def test_change_password_needs_a_login(pages: Pages) -> None:
    response = pages.client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_change_password_with_empty_fields_marks_each_field(pages: Pages) -> None:
    pages.sign_up("ann@example.com")
    response = pages.change_password("", "")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter your current password." in html
    assert "Enter your new password." in html


def test_change_password_with_a_short_new_password_is_refused(pages: Pages) -> None:
    pages.sign_up("ann@example.com")
    response = pages.change_password(PASSWORD, "short")
    assert response.status_code == 422
    assert "Use at least 10 characters." in response.get_data(as_text=True)
    assert pages.log_in("ann@example.com").status_code == 302


def test_change_password_with_a_wrong_current_password_is_refused(pages: Pages) -> None:
    pages.sign_up("ann@example.com")
    response = pages.change_password("not my password", "a brand new password")
    assert response.status_code == 422
    assert "That is not your current password." in response.get_data(as_text=True)
    assert pages.client.get("/home").status_code == 200  # still logged in


def test_wrong_current_passwords_are_rate_limited(pages: Pages) -> None:
    pages.sign_up("ann@example.com")
    for _ in range(10):
        assert pages.change_password("not my password", "a brand new password").status_code == (422)
    blocked = pages.change_password(PASSWORD, "a brand new password")
    assert blocked.status_code == 429
    assert "Too many attempts." in blocked.get_data(as_text=True)


def test_change_password_ends_every_other_session(
    pages: Pages, api: Api, app: Flask, clock: FakeClock
) -> None:
    pages.sign_up("ann@example.com")
    phone = pages.fresh()
    phone.log_in("ann@example.com")
    token = api.post("/v1/auth/token", {"email": "ann@example.com", "password": PASSWORD})
    old_session = pages.session_id()
    assert old_session is not None

    response = pages.change_password(PASSWORD, "a brand new password")
    assert response.status_code == 302
    assert "Every other browser and app was logged out." in pages.client.get("/home").get_data(
        as_text=True
    )

    new_session = pages.session_id()
    assert new_session not in (None, old_session)
    assert not _session_is_valid(app, old_session, clock)
    assert phone.client.get("/home").status_code == 302  # the other browser is logged out
    api_token = token.get_json()["token"]
    with app.app_context(), app.extensions["alertsvc"].sessions() as db:
        assert accounts.identity_for_token(db, api_token, "api", clock()) is None
    pages.log_out()
    assert pages.log_in("ann@example.com").status_code == 422
    assert pages.log_in("ann@example.com", "a brand new password").status_code == 302


def test_a_session_lasts_for_days_without_a_new_login(pages: Pages, clock: FakeClock) -> None:
    pages.sign_up("ann@example.com")
    clock.advance(days=6)
    assert pages.client.get("/home").status_code == 200
