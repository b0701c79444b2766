"""Helpers for page tests: a browser-like client that fills in forms, an admin's browser and
a session of the app's own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from alertsvc.config import Settings
from alertsvc.services import accounts
from tests.support import FakeClock

PASSWORD = "correct horse battery"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse admin staple"

_CSRF_INPUT = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def csrf_token_in(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF_INPUT.search(html)
    assert match, "no csrf_token input on the page"
    return match.group(1)


@dataclass
class Pages:
    """A test client used the way a browser uses the pages."""

    client: FlaskClient
    cookie_name: str

    def submit(self, path: str, data: dict[str, str], page: str | None = None) -> TestResponse:
        """GET the form page (for its CSRF token), then POST the form to `path`."""
        html = self.client.get(page or path).get_data(as_text=True)
        match = _CSRF_INPUT.search(html)
        fields = {**data, "csrf_token": match.group(1)} if match else data
        return self.client.post(path, data=fields)

    def sign_up(self, email: str, password: str = PASSWORD) -> TestResponse:
        return self.submit("/signup", {"email": email, "password": password})

    def log_in(self, email: str, password: str = PASSWORD, path: str = "/login") -> TestResponse:
        return self.submit(path, {"email": email, "password": password})

    def log_out(self) -> TestResponse:
        return self.submit("/logout", {}, page="/home")

    def change_password(self, current: str, new: str) -> TestResponse:
        return self.submit("/account/password", {"current_password": current, "new_password": new})

    def session_id(self) -> str | None:
        cookie = self.client.get_cookie(self.cookie_name)
        return cookie.value if cookie else None

    def replay(self, session_id: str) -> None:
        """Put an old session cookie back, as someone who copied it would."""
        self.client.set_cookie(self.cookie_name, session_id)

    def fresh(self) -> Pages:
        """Another browser: its own cookie jar, the same app."""
        assert self.client.application is not None
        return Pages(self.client.application.test_client(), self.cookie_name)


@pytest.fixture
def pages(app: Flask, settings: Settings) -> Pages:
    return Pages(app.test_client(), settings.session_cookie_name)


@contextmanager
def db_session(app: Flask) -> Iterator[Session]:
    """A session of the app's own, to set up or read what the pages store."""
    with app.extensions["alertsvc"].sessions() as session:
        yield session


@pytest.fixture
def admin(app: Flask, pages: Pages, clock: FakeClock) -> Pages:
    """A browser logged in as an admin (for page tests, instead of tests/conftest.py's API
    client with an admin's token)."""
    with db_session(app) as session:
        accounts.make_admin(session, ADMIN_EMAIL, ADMIN_PASSWORD, clock())
        session.commit()
    assert pages.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 302
    return pages
