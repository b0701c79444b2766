"""The parents' pages for the teen's side: a teen's "This is wrong" report shows at once and
stays new until a guardian has looked at the activity; the name the teen's app shows is set on
the account page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask

from tests.api.checking import check, make_teen, pair, put_schedule
from tests.support import Api, FakeClock
from tests.web.conftest import PASSWORD, Pages

SCHOOL_MORNING = datetime(2026, 11, 25, 13, 20, tzinfo=UTC)  # 08:20 in New York, a Wednesday


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _get(pages: Pages, path: str) -> str:
    response = pages.client.get(path)
    assert response.status_code == 200, path
    return _text(response.get_data(as_text=True))


def _family(app: Flask, pages: Pages, email: str) -> tuple[Api, str, Api]:
    """A parent logged in on `pages`, their API client, a teen with a schedule and a device."""
    assert pages.sign_up(email).status_code == 302
    api = Api(app.test_client())
    token = api.post("/v1/auth/token", {"email": email, "password": PASSWORD}).get_json()
    parent = api.as_(token["token"])
    teen = make_teen(parent)
    put_schedule(parent, teen)
    return parent, teen, pair(parent, teen)


def _report(device: Api, clock: FakeClock, comment: str) -> str:
    clock.set(SCHOOL_MORNING)
    nudge = check(device, utc_offset_minutes=-300)["nudge"]["id"]
    answer = device.post(f"/v1/nudges/{nudge}/ack", {"action": "report_wrong", "comment": comment})
    assert answer.status_code == 204
    return str(nudge)


def test_a_report_is_new_on_the_teens_list_and_page_until_the_activity_is_seen(
    app: Flask, pages: Pages, clock: FakeClock
) -> None:
    _, teen, device = _family(app, pages, "ann@example.com")
    assert "reported" not in _get(pages, "/home")
    _report(device, clock, "We had a free period")

    assert "New Sam reported 1 reminder as wrong" in _get(pages, "/home")
    assert "New Sam reported 1 reminder as wrong: see the activity" in _get(pages, f"/teens/{teen}")
    activity = _get(pages, f"/teens/{teen}/activity")
    assert "Reported as wrong New " in activity
    assert "We had a free period" in activity

    assert "reported" not in _get(pages, "/home")
    assert "reported 1 reminder" not in _get(pages, f"/teens/{teen}")
    again = pages.client.get(f"/teens/{teen}/activity").get_data(as_text=True)
    assert "Reported as wrong" in again
    assert "badge-new" not in again


def test_one_guardian_seeing_a_report_marks_it_seen_for_the_co_parent_too(
    app: Flask, pages: Pages, clock: FakeClock
) -> None:
    ann, teen, device = _family(app, pages, "ann@example.com")
    ben = pages.fresh()
    assert ben.sign_up("ben@example.com").status_code == 302
    assert ann.post(f"/v1/teens/{teen}/guardians", {"email": "ben@example.com"}).status_code == 201
    _report(device, clock, "Wrong")
    assert "Sam reported 1 reminder as wrong" in _get(ben, "/home")
    _get(pages, f"/teens/{teen}/activity")
    assert "reported" not in _get(ben, "/home")


def test_another_familys_report_never_shows(app: Flask, pages: Pages, clock: FakeClock) -> None:
    _, _, device = _family(app, pages, "ann@example.com")
    zoe = pages.fresh()
    _, zoes_teen, _ = _family(app, zoe, "zoe@example.com")
    _report(device, clock, "Wrong")
    assert "reported" not in _get(zoe, "/home")
    assert "reported" not in _get(zoe, f"/teens/{zoes_teen}")
    assert "Reported as wrong" not in _get(zoe, f"/teens/{zoes_teen}/activity")


def test_the_account_page_sets_the_name_the_teens_app_shows(
    app: Flask, pages: Pages, clock: FakeClock
) -> None:
    _, _, device = _family(app, pages, "ann.lee@example.com")
    page = _get(pages, "/account")
    assert "ann.lee@example.com" in page
    assert 'value="ann.lee"' in pages.client.get("/account").get_data(as_text=True)
    saved = pages.submit("/account", {"name": "  Mum "})
    assert saved.status_code == 302
    assert "“Mum”" in _get(pages, "/account")
    assert device.get("/v1/me").get_json()["guardians"] == [{"name": "Mum"}]


def test_an_empty_name_is_refused_next_to_the_field_and_nothing_changes(
    app: Flask, pages: Pages
) -> None:
    _, _, device = _family(app, pages, "ann@example.com")
    refused = pages.submit("/account", {"name": "   "})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert "Your name must not be empty." in _text(html)
    assert device.get("/v1/me").get_json()["guardians"] == [{"name": "ann"}]
    too_long = pages.submit("/account", {"name": "x" * 61})
    assert too_long.status_code == 422
    assert "at most 60 characters" in _text(too_long.get_data(as_text=True))


def test_the_account_page_needs_a_login(pages: Pages) -> None:
    response = pages.client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/account"
