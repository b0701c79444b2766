"""Every admin page in the pseudo-language (en-XA: 40% longer, accented) on a 375 px phone:
nothing overflows the screen and no box cuts its text off (SPEC §10, as the parents' pages in
test_pages_pseudo.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("playwright", reason="playwright not installed: pip install -e '.[test]'")

from playwright.sync_api import Browser, Page, expect

from alertsvc.services import accounts
from tests.browser.conftest import PHONE, Site, open_page
from tests.browser.test_pages_pseudo import NOW, fits

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse admin staple"
KEY = "copy-pseudo"


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[Page]:
    with open_page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True) as page:
        yield page


def test_every_admin_page_fits_a_phone_in_the_pseudo_language(phone: Page, site: Site) -> None:
    site.clock.set(NOW)
    with site.app.extensions["alertsvc"].sessions() as session:
        accounts.make_admin(session, ADMIN_EMAIL, ADMIN_PASSWORD, site.clock())
        session.commit()
    page = phone
    page.context.add_cookies([{"name": "alertsvc_lang", "value": "en-XA", "url": site.url}])
    page.goto("/login")
    page.locator("#email").fill(ADMIN_EMAIL)
    page.locator("#password").fill(ADMIN_PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    api = site.app.test_client()
    token = api.post(
        "/v1/auth/token", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    ).get_json()["token"]
    created = api.post(
        "/v1/admin/experiments",
        json={
            "key": KEY,
            "traffic_percent": 50,
            "variants": [
                {"key": "control", "weight": 1, "params": {}},
                {"key": "friendly", "weight": 1, "params": {"title": {"en": "Hi", "es": "Hola"}}},
            ],
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.get_json()
    for path in (
        "/admin",
        "/admin/experiments/new",
        f"/admin/experiments/{KEY}",
        "/admin/kill-switch",
        "/admin/audit",
    ):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "en-XA")
        title = page.title()
        assert title.endswith("·]"), title  # said in the pseudo-language
        fits(page)
