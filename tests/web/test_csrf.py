"""CSRF: every page form needs its token; the bearer-token JSON API does not, and has no
cookie session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Blueprint, Flask, jsonify, session
from flask.typing import ResponseReturnValue

from alertsvc import create_app
from alertsvc.api.auth import require_parent
from alertsvc.config import Settings
from tests.support import Api, FakeClock
from tests.web.conftest import PASSWORD, Pages, csrf_token_in

probe = Blueprint("csrf_probe", __name__)


@probe.post("/v1/csrf-probe")
def _probe() -> ResponseReturnValue:
    """A bearer-authenticated JSON route that changes nothing, standing in for the API."""
    return jsonify(parent=require_parent().parent_id)


def _session_probe() -> ResponseReturnValue:
    """What the request's cookie session held, then a write to it."""
    seen = sorted(session.keys())
    session["probe"] = "written"
    return jsonify(seen=seen)


probe.add_url_rule("/v1/session-probe", "v1_session_probe", _session_probe)
probe.add_url_rule("/session-probe", "page_session_probe", _session_probe)


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[Flask]:
    """The app as in production: CSRF on."""
    application = create_app(settings.with_(csrf_enabled=True), clock=clock)
    application.register_blueprint(probe)
    application.testing = True
    yield application
    application.extensions["alertsvc"].engine.dispose()


def _account_exists(api: Api, email: str) -> bool:
    response = api.post("/v1/parents", {"email": email, "password": PASSWORD})
    return response.status_code == 409


def test_a_form_without_its_token_is_refused(pages: Pages, api: Api) -> None:
    response = pages.client.post("/signup", data={"email": "ann@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "This form has expired" in response.get_data(as_text=True)
    assert pages.session_id() is None
    assert not _account_exists(api, "ann@example.com")


def test_a_form_with_a_forged_token_is_refused(pages: Pages) -> None:
    pages.client.get("/signup")
    response = pages.client.post(
        "/signup",
        data={"email": "ann@example.com", "password": PASSWORD, "csrf_token": "forged"},
    )
    assert response.status_code == 400


def test_a_form_with_its_token_works(pages: Pages, api: Api) -> None:
    response = pages.sign_up("ann@example.com")
    assert response.status_code == 302
    assert pages.client.get("/home").status_code == 200
    assert _account_exists(api, "ann@example.com")


def test_a_token_from_another_browser_is_refused(pages: Pages) -> None:
    token = csrf_token_in(pages.fresh().client.get("/signup").get_data(as_text=True))
    response = pages.client.post(
        "/signup", data={"email": "ann@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 400


def test_log_out_without_the_token_keeps_the_session(pages: Pages) -> None:
    pages.sign_up("ann@example.com")
    assert pages.client.post("/logout").status_code == 400
    assert pages.client.get("/home").status_code == 200
    assert pages.log_out().status_code == 302
    assert pages.client.get("/home").status_code == 302


def test_a_form_posted_from_another_site_is_refused_even_with_a_token(pages: Pages) -> None:
    token = csrf_token_in(pages.client.get("/signup").get_data(as_text=True))
    data = {"email": "ann@example.com", "password": PASSWORD, "csrf_token": token}
    cross = pages.client.post("/signup", data=data, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 400
    same = pages.client.post("/signup", data=data, headers={"Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 302


def test_the_json_api_needs_no_csrf_token(api: Api) -> None:
    created = api.post("/v1/parents", {"email": "ann@example.com", "password": PASSWORD})
    assert created.status_code == 201
    issued = api.post("/v1/auth/token", {"email": "ann@example.com", "password": PASSWORD})
    assert issued.status_code == 200
    probed = api.as_(issued.get_json()["token"]).post("/v1/csrf-probe")
    assert probed.status_code == 200
    assert probed.get_json()["parent"] == created.get_json()["id"]


def test_an_api_request_carrying_the_login_cookie_needs_the_token(pages: Pages) -> None:
    pages.sign_up("ann@example.com")
    api = Api(pages.client)  # same cookie jar: a browser that is logged in to the pages
    token = api.post("/v1/auth/token", {"email": "ann@example.com", "password": PASSWORD})
    assert token.status_code == 400
    assert token.mimetype == "application/problem+json"
    csrf = csrf_token_in(pages.client.get("/home").get_data(as_text=True))
    allowed = api.post(
        "/v1/auth/token",
        {"email": "ann@example.com", "password": PASSWORD},
        headers={"X-CSRFToken": csrf},
    )
    assert allowed.status_code == 200


def test_the_json_api_neither_reads_nor_sets_the_cookie_session(app: Flask) -> None:
    browser = app.test_client()
    page = browser.get("/session-probe")  # a page gets Flask's signed cookie session
    assert page.get_json() == {"seen": []}
    assert "Set-Cookie" in page.headers
    assert browser.get("/session-probe").get_json() == {"seen": ["probe"]}

    api = browser.get("/v1/session-probe")  # same browser, same cookie: the API ignores it
    assert api.status_code == 200
    assert api.get_json() == {"seen": []}
    assert "Set-Cookie" not in api.headers
    assert "Cookie" not in api.headers.get("Vary", "")
    device = app.test_client().post("/v1/check", json={})  # a client with no cookies at all
    assert device.status_code == 401
    assert "Set-Cookie" not in device.headers


def test_an_api_request_with_the_login_cookie_keeps_its_cookie_session(pages: Pages) -> None:
    pages.sign_up("ann@example.com")
    pages.client.get("/session-probe")
    logged_in = pages.client.get("/v1/session-probe")
    assert "probe" in logged_in.get_json()["seen"]
