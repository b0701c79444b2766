"""What the pages say when something is refused, in the reader's language (SPEC §10): field
errors next to the fields and the error page of a problem (here in the pseudo-language
`en-XA`, which accents every translated sentence)."""

from __future__ import annotations

import re
from pathlib import Path

from alertsvc import create_app
from alertsvc.config import Settings
from tests.web.conftest import Pages
from tests.web.test_parent_pages import WEEKDAY_FORM, teen_id  # noqa: F401 - a fixture

PSEUDO = "en-XA"


def _speak(pages: Pages, tag: str) -> None:
    pages.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = tag


def _field_error(html: str, field: str) -> str:
    found = re.search(rf'id="{re.escape(field)}-error"[^>]*>(.*?)</small>', html, re.S)
    assert found, html
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_a_schedule_field_error_is_said_in_the_language(
    pages: Pages,
    teen_id: str,  # noqa: F811 - the fixture
) -> None:
    form = {**WEEKDAY_FORM, "weekly.mon[1].start": "11:00"}
    english = pages.submit(f"/teens/{teen_id}/schedule", form)
    assert english.status_code == 422
    said = _field_error(english.get_data(as_text=True), "f-weekly-mon-1-start")
    assert "overlaps" in said
    _speak(pages, PSEUDO)
    pseudo = pages.submit(f"/teens/{teen_id}/schedule", form)
    assert pseudo.status_code == 422
    assert pseudo.headers["Content-Language"] == PSEUDO
    accented = _field_error(pseudo.get_data(as_text=True), "f-weekly-mon-1-start")
    assert "overlaps" not in accented
    assert "öṽéŕļàþš" in accented  # "overlaps", accented
    assert "weekly.mon[0]" in accented  # a field's path never changes with the language


def test_an_error_page_says_its_problem_in_the_language(settings: Settings, tmp_path: Path) -> None:
    unreachable = f"sqlite:///{tmp_path / 'missing-dir' / 'gone.db'}"
    app = create_app(settings.with_(database_url=unreachable))
    try:
        client = app.test_client()
        client.set_cookie(settings.session_cookie_name, "a-session-id")
        response = client.get("/home", headers={"Accept-Language": PSEUDO})
        assert response.status_code == 503
        assert response.headers["Content-Language"] == PSEUDO
        html = response.get_data(as_text=True)
        assert "The database is unreachable" not in html
        assert "Ţĥé đàţàƀàšé îš ûñŕéàçĥàƀļé" in html
    finally:
        app.extensions["alertsvc"].engine.dispose()
