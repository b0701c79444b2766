"""The check in the reader's language (SPEC §10): Accept-Language, then the device's locale,
then English; times written the language's way; reason codes and fields never translated."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.api.checking import make_teen, pair, put_schedule
from tests.support import Api, FakeClock

# 2026-11-25 is a Wednesday; 13:20Z is 08:20 in New York, inside 08:00–15:00 past the grace.
IN_SCHOOL = datetime(2026, 11, 25, 13, 20, tzinfo=UTC)
# 2026-11-25 23:00Z is 18:00 in New York: after school, tomorrow's hours come next.
AFTER_SCHOOL = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)


@pytest.fixture
def device(parent: Api, clock: FakeClock) -> Api:
    teen = make_teen(parent)
    put_schedule(parent, teen)
    clock.set(IN_SCHOOL)
    return pair(parent, teen)


def _check(device: Api, accept: str | None) -> tuple[dict[str, Any], str | None]:
    headers = {"Accept-Language": accept} if accept is not None else {}
    response = device.post("/v1/check", {}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json(), response.headers.get("Content-Language")


@pytest.mark.parametrize(
    ("accept", "tag", "hours", "words"),
    [
        (None, "en", "8:00 AM – 3:00 PM", "School hours today"),
        ("en-US", "en-US", "8:00 AM – 3:00 PM", "School hours today"),
        ("en-GB", "en-GB", "08:00–15:00", "School hours today"),
        ("de-DE,de;q=0.9", "de-DE", "08:00–15:00 Uhr", "Schulzeit"),
        ("fr", "fr", "08:00 – 15:00", "cours"),
        ("es-MX", "es-MX", "8:00 a.m. – 3:00 p.m.", "clases"),
        ("pt-BR", "pt-BR", "08:00 – 15:00", "aula"),
        ("ja", "ja", "8時00分～15時00分", "授業"),
        ("ar", "ar", "8:00 ص – 3:00 م", "الدراسة"),
    ],
)
def test_the_explanation_and_the_copy_are_in_the_readers_language(
    device: Api, accept: str | None, tag: str, hours: str, words: str
) -> None:
    body, content_language = _check(device, accept)
    assert content_language == tag
    assert body["reason"] == "in_school_hours"  # codes never change with the language
    assert hours in body["explanation"]
    assert words in body["explanation"]
    assert "America/New_York" in body["explanation"]
    assert set(body) >= {"nudge", "reason", "explanation", "window", "next_check_at"}
    if tag not in ("en", "en-US", "en-GB"):
        assert body["nudge"]["title"] != "School time"
        assert "School" not in body["explanation"]


def test_the_best_match_by_quality_wins_and_an_unknown_language_is_english(
    device: Api, clock: FakeClock
) -> None:
    clock.set(AFTER_SCHOOL)
    _, tag = _check(device, "zh-CN, de;q=0.5, es;q=0.8")
    assert tag == "es"
    body, tag = _check(device, "zh-CN, tlh")
    assert tag == "en"
    assert body["explanation"].startswith("School hours today are 8:00 AM – 3:00 PM")
    assert "tomorrow at 8:00 AM" in body["explanation"]


def test_a_stored_locale_speaks_when_the_header_names_nothing_we_speak(
    parent: Api, device: Api, clock: FakeClock
) -> None:
    assert device.patch("/v1/me", {"locale": "ja"}).status_code == 200
    clock.set(AFTER_SCHOOL)
    body, tag = _check(device, None)
    assert tag == "ja"
    assert "明日" in body["explanation"]  # tomorrow
    body, tag = _check(device, "zh")
    assert tag == "ja"
    _, tag = _check(device, "fr")
    assert tag == "fr"  # the request's own language wins over the stored one


def test_a_new_reminder_is_recorded_in_the_language_it_was_shown_in(device: Api) -> None:
    body, _ = _check(device, "de")
    recent = device.get("/v1/me", headers={"Accept-Language": "de"}).get_json()["recent"]
    assert recent[0]["id"] == body["nudge"]["id"]
    assert recent[0]["explanation"] == body["explanation"]
