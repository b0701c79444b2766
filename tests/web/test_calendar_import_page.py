"""The calendar page's import refuses what the API refuses, says where, and saves nothing."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from alertsvc.db.models import ExceptionRow
from tests.api.test_calendar_import import TEACHER_DAY, calendar, event
from tests.api.test_calendar_import_bounds import REFUSED, never_matching, with_character
from tests.web.conftest import Pages


def _text(response: TestResponse) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


@pytest.fixture
def teen_id(pages: Pages) -> str:
    pages.sign_up("sam.parent@example.com")
    response = pages.submit(
        "/teens/new",
        {"nickname": "Sam", "timezone": "America/New_York", "country": "US", "subdivision": ""},
    )
    match = re.fullmatch(r"/teens/([^/]+)/schedule", response.headers["Location"])
    assert match
    return match.group(1)


def import_file(pages: Pages, teen_id: str, data: bytes) -> TestResponse:
    return pages.client.post(
        f"/teens/{teen_id}/calendar-file",
        data={"calendar": (io.BytesIO(data), "school.ics")},
        content_type="multipart/form-data",
    )


def count_rows(app: Flask) -> int:
    with app.extensions["alertsvc"].sessions() as db:
        return int(db.scalar(select(func.count()).select_from(ExceptionRow)) or 0)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(["UID", "SUMMARY"]),
    character=st.sampled_from(REFUSED),
    where=st.floats(0, 1),
)
def test_a_control_character_is_refused_on_the_page_naming_the_event(
    pages: Pages, teen_id: str, app: Flask, name: str, character: str, where: float
) -> None:
    other = event("snow@school.example", "DTSTART;VALUE=DATE:20270205", "SUMMARY:Snow")
    data = calendar(other, with_character(TEACHER_DAY, name, character, where))
    response = import_file(pages, teen_id, data)
    assert response.status_code == 422
    text = _text(response)
    assert f"Nothing was imported: VEVENT[1].{name} must not contain control characters" in text
    assert f"U+{ord(character):04X}" in text
    assert count_rows(app) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00garbage", "The file is not UTF-8 text"),
        (calendar(TEACHER_DAY).replace(b"END:VEVENT", b"END:VTODO"), "BEGIN and END lines"),
    ],
)
def test_a_file_that_is_not_a_calendar_is_refused_on_the_page(
    pages: Pages, teen_id: str, app: Flask, data: bytes, message: str
) -> None:
    response = import_file(pages, teen_id, data)
    assert response.status_code == 422
    assert message in _text(response)
    assert count_rows(app) == 0


def test_never_matching_rules_are_summarised_as_skipped_on_the_page(
    pages: Pages, teen_id: str
) -> None:
    response = import_file(pages, teen_id, calendar(TEACHER_DAY, *never_matching(50)))
    assert response.status_code == 302
    text = _text(pages.client.get(f"/teens/{teen_id}/calendar"))
    assert "1 new days off, 0 updated, 50 skipped" in text
