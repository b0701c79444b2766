"""Where the school is (a city, once), a pairing code that survives a reload, the calendar's
form first, and each teen at a glance on the teens list."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from alertsvc.db.models import Teen
from tests.support import FakeClock
from tests.web.conftest import Pages
from tests.web.test_parent_pages import _text, _texts
from tests.web.test_schedule_week_pages import COMMON_WEEK, WEEKDAYS, _post


def _place(app: Flask, teen_id: str) -> tuple[str, str | None, str | None]:
    with app.app_context(), app.extensions["alertsvc"].sessions() as db:
        row = db.get(Teen, teen_id)
        assert row is not None
        return row.timezone, row.country, row.subdivision


def _add_teen(pages: Pages, **form: str) -> str:
    response = pages.submit("/teens/new", {"nickname": "Sam", **form})
    assert response.status_code == 302, _text(response)
    return response.headers["Location"].split("/")[2]


# --- the school's place ---


@pytest.mark.parametrize(
    ("typed", "zone", "country"),
    [
        ("London", "Europe/London", "GB"),
        ("new york", "America/New_York", "US"),
        ("São Paulo", "America/Sao_Paulo", "BR"),
        ("Sao Paulo", "America/Sao_Paulo", "BR"),
        ("London, United Kingdom (Europe/London)", "Europe/London", "GB"),  # picked from the list
        ("Europe/Paris", "Europe/Paris", "FR"),
    ],
)
def test_the_schools_city_sets_the_zone_and_the_holidays_country_follows(
    pages: Pages, app: Flask, typed: str, zone: str, country: str
) -> None:
    pages.sign_up("city@example.com")
    teen_id = _add_teen(pages, timezone=typed, country="auto")
    assert _place(app, teen_id) == (zone, country, None)


@pytest.mark.parametrize(
    ("choice", "subdivision", "place"),
    [
        ("", "", ("Europe/London", None, None)),  # no public holidays
        ("FR", "", ("Europe/London", "FR", None)),  # another country than the zone's
        ("auto", "sct", ("Europe/London", "GB", "SCT")),
    ],
)
def test_the_holidays_country_can_be_another_or_none(
    pages: Pages, app: Flask, choice: str, subdivision: str, place: tuple[str, str | None, str]
) -> None:
    pages.sign_up("country@example.com")
    teen_id = _add_teen(pages, timezone="London", country=choice, subdivision=subdivision)
    assert _place(app, teen_id) == place


def test_the_add_teen_form_offers_cities_and_starts_from_the_browsers_zone(pages: Pages) -> None:
    pages.sign_up("form@example.com")
    html = pages.client.get("/teens/new").get_data(as_text=True)
    field = re.search(r'<input id="f-timezone"[^>]*>', html)
    assert field
    assert 'list="zones"' in field.group(0)
    assert "data-browser-zone" in field.group(0)  # parent.js fills in the browser's zone
    assert 'value=""' in field.group(0)  # no guess without the script
    assert '<option value="São Paulo, Brazil (America/Sao_Paulo)"' in html
    assert '<option value="London, United Kingdom (Europe/London)"' in html
    assert re.search(r'<option value="auto"[^>]*selected>', html)
    assert '<script src="/static/parent.js" defer></script>' in html


def test_the_schedule_page_asks_no_country_and_names_the_teens(pages: Pages, app: Flask) -> None:
    pages.sign_up("once@example.com")
    teen_id = _add_teen(pages, timezone="London", country="auto")
    html = pages.client.get(f"/teens/{teen_id}/schedule").get_data(as_text=True)
    assert 'name="country"' not in html
    assert 'name="subdivision"' not in html
    assert "No reminders on public holidays in United Kingdom" in _texts(html)
    assert re.search(r'name="observe_public_holidays" id="f-observe" checked', html)
    # A country sent to the schedule form anyway changes nothing.
    _post(pages, teen_id, {**COMMON_WEEK, "days": WEEKDAYS, "country": "FR"})
    assert _place(app, teen_id)[1] == "GB"


def test_without_a_country_the_holidays_box_starts_unticked(pages: Pages) -> None:
    pages.sign_up("nocountry@example.com")
    teen_id = _add_teen(pages, timezone="London", country="")
    html = pages.client.get(f"/teens/{teen_id}/schedule").get_data(as_text=True)
    assert re.search(r'name="observe_public_holidays" id="f-observe">', html)
    assert "No country is set" in _texts(html)


def test_editing_a_teen_shows_the_zone_as_a_city(pages: Pages) -> None:
    pages.sign_up("edit@example.com")
    teen_id = _add_teen(pages, timezone="Sao Paulo", country="auto")
    html = pages.client.get(f"/teens/{teen_id}/edit").get_data(as_text=True)
    assert 'value="São Paulo, Brazil (America/Sao_Paulo)"' in html
    assert '<option value="BR" selected>Brazil</option>' in html


# --- pairing: post, redirect, get ---


def test_the_pairing_code_page_can_be_reloaded(pages: Pages, teen_id_london: str) -> None:
    teen = f"/teens/{teen_id_london}"
    posted = pages.submit(f"{teen}/pairing-code", {}, page=teen)
    assert posted.status_code == 303
    first = pages.client.get(posted.headers["Location"])
    again = pages.client.get(posted.headers["Location"])  # the reload
    assert first.status_code == again.status_code == 200
    code = re.search(r'<p class="code"[^>]*>([A-Z0-9]{8})</p>', first.get_data(as_text=True))
    assert code
    assert f">{code.group(1)}</p>" in again.get_data(as_text=True)


def test_the_pairing_page_says_when_its_code_was_used_or_expired(
    pages: Pages, teen_id_london: str, clock: FakeClock
) -> None:
    teen = f"/teens/{teen_id_london}"
    pages.submit(f"{teen}/pairing-code", {}, page=teen)
    html = pages.client.get(f"{teen}/pairing-code").get_data(as_text=True)
    code = re.search(r'<p class="code"[^>]*>([A-Z0-9]{8})</p>', html)
    assert code
    pages.client.post("/v1/devices", json={"pairing_code": code.group(1), "platform": "ios"})
    used = _text(pages.client.get(f"{teen}/pairing-code"))
    assert f"The code {code.group(1)} was used" in used
    pages.submit(f"{teen}/pairing-code", {}, page=teen)
    clock.advance(minutes=16)
    expired = _text(pages.client.get(f"{teen}/pairing-code"))
    assert "expired at 1:20 PM" in expired


def test_the_pairing_page_without_a_code_offers_one(pages: Pages, teen_id_london: str) -> None:
    response = pages.client.get(f"/teens/{teen_id_london}/pairing-code")
    assert response.status_code == 200
    assert "No code is waiting in this browser" in _text(response)


def test_another_familys_pairing_page_is_not_found(pages: Pages, teen_id_london: str) -> None:
    other = pages.fresh()
    other.sign_up("other@example.com")
    assert other.client.get(f"/teens/{teen_id_london}/pairing-code").status_code == 404


# --- the calendar page ---


def test_the_exception_form_comes_before_the_day_cards(pages: Pages, teen_id_london: str) -> None:
    _post(pages, teen_id_london, {**COMMON_WEEK, "days": WEEKDAYS})
    html = pages.client.get(f"/teens/{teen_id_london}/calendar").get_data(as_text=True)
    form = html.index(f'action="/teens/{teen_id_london}/exceptions"')
    first_day_card = html.index('<div role="listitem" class="day ')
    assert form < first_day_card
    assert html.count('<div role="listitem" class="day ') == 56


# --- the teens list ---


@pytest.fixture
def teen_id_london(pages: Pages) -> str:
    pages.sign_up("london@example.com")
    return _add_teen(pages, timezone="London", country="auto")


def test_the_teens_list_shows_devices_pause_and_the_last_reminder(
    pages: Pages, teen_id_london: str
) -> None:
    teen = f"/teens/{teen_id_london}"
    glance = _text(pages.client.get("/home"))
    assert "Off: no school week yet" in glance
    assert "Devices None yet" in glance
    assert "Last reminder None yet" in glance

    # Mon–Fri 08:30–15:10 in London; the fake clock says Wednesday 13:05 there.
    _post(pages, teen_id_london, {**COMMON_WEEK, "days": WEEKDAYS})
    pages.submit(f"{teen}/pairing-code", {}, page=teen)
    html = pages.client.get(f"{teen}/pairing-code").get_data(as_text=True)
    code = re.search(r'<p class="code"[^>]*>([A-Z0-9]{8})</p>', html)
    assert code
    device = pages.client.post(
        "/v1/devices", json={"pairing_code": code.group(1), "platform": "android"}
    ).get_json()
    check = pages.client.post(
        "/v1/check",
        json={"utc_offset_minutes": 0},
        headers={"Authorization": f"Bearer {device['device_token']}"},
    ).get_json()
    assert check["reason"] == "in_school_hours", check
    glance = _text(pages.client.get("/home"))
    assert "Reminders On, following the school week" in glance
    assert "1 paired (android) · last seen Wed, Nov 25, 1:05 PM" in glance
    assert "Last reminder Wed, Nov 25, 1:05 PM" in glance

    until = {"until_date": "2026-11-27", "until_time": "18:30"}
    pages.submit(f"{teen}/pause", until, page=f"{teen}/activity")
    assert "Paused until Fri, Nov 27, 6:30 PM" in _text(pages.client.get("/home"))
