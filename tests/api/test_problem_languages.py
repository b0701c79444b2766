"""Problem documents in the request's language (SPEC §10): `title`, `detail` and every
`errors[].message` are said in it (here the pseudo-language `en-XA`, which accents every
translated sentence), while `type`, `status` and the fields' paths stay the English ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import TestResponse

from tests.conftest import sign_up
from tests.support import Api

PSEUDO = {"Accept-Language": "en-XA"}

Send = Callable[[dict[str, str]], TestResponse]


def _pseudo(text: str) -> bool:
    """Whether `text` went through translation: bracketed, and its letters accented."""
    return text.startswith("[") and text.endswith("]") and any(ord(c) > 0x7F for c in text)


def _both(send: Send) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same request answered in English (no header) and in en-XA."""
    english, pseudo = send({}), send(PSEUDO)
    assert english.status_code == pseudo.status_code
    for response, tag in ((english, "en"), (pseudo, "en-XA")):
        assert response.mimetype == "application/problem+json"
        assert response.headers["Content-Language"] == tag
    return english.get_json(), pseudo.get_json()


def _check_said_in_pseudo(english: dict[str, Any], pseudo: dict[str, Any]) -> None:
    assert (pseudo["type"], pseudo["status"]) == (english["type"], english["status"])
    for key in ("title", "detail"):
        assert not _pseudo(english[key]), english[key]
        assert _pseudo(pseudo[key]), pseudo[key]
        assert english[key] not in pseudo[key]
    assert [e["field"] for e in pseudo.get("errors", [])] == [
        e["field"] for e in english.get("errors", [])
    ]
    for said, plain in zip(pseudo.get("errors", []), english.get("errors", []), strict=True):
        assert _pseudo(said["message"]), said
        assert not _pseudo(plain["message"]), plain
        assert plain["message"] not in said["message"]


def test_a_422_names_the_same_fields_with_messages_in_the_language(api: Api) -> None:
    body = {"email": "not an email", "password": "short", "admin": True}
    english, pseudo = _both(lambda headers: api.post("/v1/parents", body, headers=headers))
    assert english["status"] == 422
    assert english["title"] == "Validation failed"
    assert {e["field"] for e in english["errors"]} == {"email", "password", "admin"}
    assert {"field": "admin", "message": "unknown field"} in english["errors"]
    _check_said_in_pseudo(english, pseudo)
    # A limit is a placeholder: the number survives translation.
    (password,) = [e["message"] for e in pseudo["errors"] if e["field"] == "password"]
    assert "10" in password


def test_a_422_of_the_domain_rules_is_said_in_the_language(parent: Api) -> None:
    created = parent.post("/v1/teens", {"nickname": "Sam", "timezone": "Europe/London"})
    teen_id = created.get_json()["id"]
    week = {"weekly": {"mon": [{"start": "08:00", "end": "07:00"}, {"start": "25:00", "end": "x"}]}}
    english, pseudo = _both(
        lambda headers: parent.put(f"/v1/teens/{teen_id}/schedule", week, headers=headers)
    )
    assert english["status"] == 422
    assert len(english["errors"]) >= 2
    _check_said_in_pseudo(english, pseudo)


def test_a_404_is_said_in_the_language(parent: Api) -> None:
    english, pseudo = _both(lambda headers: parent.get("/v1/teens/tn_nobody", headers=headers))
    assert (english["status"], english["detail"]) == (404, "No such teen.")
    _check_said_in_pseudo(english, pseudo)


def test_an_unknown_path_is_a_404_said_in_the_language(api: Api) -> None:
    english, pseudo = _both(lambda headers: api.get("/v1/no-such-route", headers=headers))
    assert english["status"] == 404
    _check_said_in_pseudo(english, pseudo)


def test_a_401_is_said_in_the_language(api: Api) -> None:
    english, pseudo = _both(lambda headers: api.get("/v1/teens", headers=headers))
    assert english["status"] == 401
    assert english["detail"] == "Missing or invalid credentials."
    _check_said_in_pseudo(english, pseudo)


def test_a_409_is_said_in_the_language(api: Api) -> None:
    body = {"email": "taken@example.com", "password": "0123456789"}
    assert api.post("/v1/parents", body).status_code == 201
    english, pseudo = _both(lambda headers: api.post("/v1/parents", body, headers=headers))
    assert english["status"] == 409
    _check_said_in_pseudo(english, pseudo)


def test_a_429_is_said_in_the_language(api: Api) -> None:
    sign_up(api, "limited@example.com", "right password")
    wrong = {"email": "limited@example.com", "password": "nope!"}
    for _ in range(10):
        assert api.post("/v1/auth/token", wrong).status_code == 401
    english, pseudo = _both(lambda headers: api.post("/v1/auth/token", wrong, headers=headers))
    assert english["status"] == 429
    _check_said_in_pseudo(english, pseudo)


def test_a_405_is_said_in_the_language(api: Api) -> None:
    english, pseudo = _both(lambda headers: api.put("/v1/auth/token", {}, headers=headers))
    assert english["status"] == 405
    assert english["type"] == "https://alertsvc.dev/problems/method-not-allowed"
    _check_said_in_pseudo(english, pseudo)


def test_a_413_is_said_in_the_language(api: Api) -> None:
    big = {"email": "a@example.com", "password": "x" * (70 * 1024)}
    english, pseudo = _both(lambda headers: api.post("/v1/parents", big, headers=headers))
    assert english["status"] == 413
    _check_said_in_pseudo(english, pseudo)


def test_a_control_character_is_refused_in_the_language(api: Api) -> None:
    english, pseudo = _both(lambda headers: api.get("/v1/teens?x=a%00b", headers=headers))
    assert english["status"] == 422
    assert [e["field"] for e in english["errors"]] == ["x"]
    _check_said_in_pseudo(english, pseudo)


@pytest.mark.parametrize("accept", ["", "xx-YY, zz;q=0.5"])
def test_without_a_language_we_speak_problems_are_english(api: Api, accept: str) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    response = api.get("/v1/teens/tn_nobody", headers=headers)
    assert response.status_code == 401
    assert response.headers["Content-Language"] == "en"
    assert response.get_json()["title"] == "Unauthorized"
