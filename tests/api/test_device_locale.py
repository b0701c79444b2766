"""A device's own language (SPEC §10): `POST /v1/devices {locale}`, `PATCH /v1/me {locale}`,
shown by `GET /v1/me` and used by the device's checks and `/v1/me` when a request has no
Accept-Language (the header, when it names a language we speak, wins)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.api.checking import make_teen, put_schedule
from tests.support import Api, FakeClock

# Wednesday 25 November 2026, 08:20 in New York: inside the 08:00-15:00 block, so a check
# nudges and explains why.
SCHOOL_MORNING = datetime(2026, 11, 25, 13, 20, tzinfo=UTC)


def _pair(parent: Api, teen: str, **extra: Any) -> Any:
    code = parent.post(f"/v1/teens/{teen}/pairing-codes").get_json()["code"]
    return parent.as_(None).post("/v1/devices", {"pairing_code": code, "platform": "web", **extra})


def _device(parent: Api, teen: str, **extra: Any) -> Api:
    paired = _pair(parent, teen, **extra)
    assert paired.status_code == 201, paired.get_json()
    return parent.as_(paired.get_json()["device_token"])


def test_pairing_with_a_locale_stores_it_normalised(parent: Api) -> None:
    teen = make_teen(parent)
    device = _device(parent, teen, locale="es-mx")
    response = device.get("/v1/me")
    assert response.get_json()["locale"] == "es-MX"
    assert response.headers["Content-Language"] == "es-MX"
    assert _device(parent, teen).get("/v1/me").get_json()["locale"] is None


def test_pairing_with_a_language_we_do_not_speak_is_422_and_keeps_the_code(parent: Api) -> None:
    teen = make_teen(parent)
    code = parent.post(f"/v1/teens/{teen}/pairing-codes").get_json()["code"]
    for bad in ("xx-YY", "not a tag", "sw", ""):
        response = parent.as_(None).post(
            "/v1/devices", {"pairing_code": code, "platform": "web", "locale": bad}
        )
        assert response.status_code == 422, (bad, response.get_json())
        assert [e["field"] for e in response.get_json()["errors"]] == ["locale"]
    # The code was not spent by the refused attempts.
    paired = parent.as_(None).post("/v1/devices", {"pairing_code": code, "platform": "web"})
    assert paired.status_code == 201


def test_an_invalid_code_keeps_its_problem_type_in_every_language(parent: Api) -> None:
    body = {"pairing_code": "NOPE2345", "platform": "web"}
    english = parent.as_(None).post("/v1/devices", body).get_json()
    pseudo = parent.as_(None).post("/v1/devices", {**body, "locale": "en-XA"}).get_json()
    assert english["type"] == pseudo["type"] == "https://alertsvc.dev/problems/invalid-pairing-code"
    assert english["title"] == "Invalid pairing code"
    assert pseudo["title"] != english["title"]
    assert pseudo["title"].startswith("[")


def test_patch_me_sets_and_clears_the_locale(parent: Api) -> None:
    device = _device(parent, make_teen(parent))
    response = device.patch("/v1/me", {"locale": "fr-ca"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["locale"] == "fr-CA"
    assert response.headers["Content-Language"] == "fr-CA"
    assert device.get("/v1/me").get_json()["locale"] == "fr-CA"
    # An empty body changes nothing; null clears it.
    assert device.patch("/v1/me", {}).get_json()["locale"] == "fr-CA"
    cleared = device.patch("/v1/me", {"locale": None})
    assert cleared.status_code == 200
    assert cleared.get_json()["locale"] is None
    assert cleared.headers["Content-Language"] == "en"
    assert device.get("/v1/me").get_json()["locale"] is None


def test_patch_me_refuses_a_language_we_do_not_speak(api: Api, parent: Api) -> None:
    device = _device(parent, make_teen(parent), locale="en-XA")
    response = device.patch("/v1/me", {"locale": "tlh"})
    assert response.status_code == 422
    problem = response.get_json()
    assert [e["field"] for e in problem["errors"]] == ["locale"]
    # Said in the device's language (the pseudo-language here), and nothing was changed.
    assert problem["errors"][0]["message"].startswith("[")
    assert device.get("/v1/me").get_json()["locale"] == "en-XA"
    assert device.patch("/v1/me", {"locale": "es", "other": 1}).status_code == 422
    assert api.patch("/v1/me", {"locale": "es"}).status_code == 401


def test_a_check_without_accept_language_is_said_in_the_stored_locale(
    parent: Api, clock: FakeClock
) -> None:
    clock.set(SCHOOL_MORNING)
    teen = make_teen(parent)
    put_schedule(parent, teen, term={"first_day": "2026-09-02", "last_day": "2027-06-18"})
    device = _device(parent, teen, locale="en-XA")

    pseudo = device.post("/v1/check", {})
    assert pseudo.status_code == 200
    assert pseudo.headers["Content-Language"] == "en-XA"
    explanation = pseudo.get_json()["explanation"]
    assert "School hours" not in explanation
    assert "Šçĥööļ" in explanation, explanation

    english = device.post("/v1/check", {}, headers={"Accept-Language": "en-US"})
    assert english.headers["Content-Language"] == "en-US"
    assert "School hours" in english.get_json()["explanation"]

    # A header naming only languages we do not speak falls back to the stored locale.
    unknown = device.post("/v1/check", {}, headers={"Accept-Language": "tlh, sw;q=0.5"})
    assert unknown.headers["Content-Language"] == "en-XA"


def test_a_changed_locale_is_used_by_the_next_check(parent: Api, clock: FakeClock) -> None:
    clock.set(SCHOOL_MORNING)
    teen = make_teen(parent)
    put_schedule(parent, teen, term={"first_day": "2026-09-02", "last_day": "2027-06-18"})
    device = _device(parent, teen)
    assert device.post("/v1/check", {}).headers["Content-Language"] == "en"
    assert device.patch("/v1/me", {"locale": "de"}).status_code == 200
    assert device.post("/v1/check", {}).headers["Content-Language"] == "de"
    assert device.patch("/v1/me", {"locale": None}).status_code == 200
    assert device.post("/v1/check", {}).headers["Content-Language"] == "en"


def test_me_answers_in_the_header_language_over_the_stored_one(parent: Api) -> None:
    device = _device(parent, make_teen(parent), locale="ja")
    assert device.get("/v1/me").headers["Content-Language"] == "ja"
    response = device.get("/v1/me", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert response.headers["Content-Language"] == "es-ES"
    assert response.get_json()["locale"] == "ja"
    assert device.get("/v1/me/export").headers["Content-Language"] == "ja"
