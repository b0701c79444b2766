"""Experiments in several languages (SPEC §10): a variant's copy by language, the first listed
as the fallback, and `targeting.languages`; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from alertsvc.db.models import Experiment as ExperimentRow
from alertsvc.db.models import Exposure
from alertsvc.http import edge
from tests.api.checking import make_teen, pair, put_schedule
from tests.support import Api

SPANISH_FIRST = {"es": "Hora de clase", "en": "School time"}
BODIES = {"es": "Puede esperar.", "en": "It can wait."}


def definition(key: str = "copy-languages", **overrides: Any) -> dict[str, Any]:
    """Every teen gets the `localized` variant (the control's weight is 0)."""
    body: dict[str, Any] = {
        "key": key,
        "traffic_percent": 100,
        "variants": [
            {"key": "control", "weight": 0, "params": {}},
            {
                "key": "localized",
                "weight": 1,
                "params": {"title": SPANISH_FIRST, "body": BODIES},
            },
        ],
    }
    body.update(overrides)
    return body


def send(admin: Api, method: str, path: str, body: Any) -> Any:
    """The body as written, keys in order (the test client's `json=` sorts them)."""
    return admin.request(method, path, data=json.dumps(body), content_type="application/json")


def create(admin: Api, **overrides: Any) -> Any:
    return send(admin, "POST", "/v1/admin/experiments", definition(**overrides))


def start(admin: Api, **overrides: Any) -> dict[str, Any]:
    created = create(admin, **overrides)
    assert created.status_code == 201, created.get_json()
    key = created.get_json()["key"]
    started = admin.patch(f"/v1/admin/experiments/{key}", {"status": "running"})
    assert started.status_code == 200, started.get_json()
    body: dict[str, Any] = started.get_json()
    return body


def device(parent: Api) -> Api:
    """A paired device of a teen in school right now (13:05 in London, no grace)."""
    teen = make_teen(parent, timezone="Europe/London", country="GB")
    put_schedule(parent, teen, policy={"grace_minutes": 0})
    return pair(parent, teen)


def check(phone: Api, language: str | None) -> dict[str, Any]:
    headers = {"Accept-Language": language} if language else {}
    response = phone.post("/v1/check", {}, headers=headers)
    assert response.status_code == 200, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


def exposures(app: Flask) -> int:
    with app.app_context():
        return len(edge.db().scalars(select(Exposure)).all())


def test_a_reader_gets_their_language_else_the_first_listed(admin: Api, parent: Api) -> None:
    shown = start(admin)
    assert list(shown["variants"][1]["params"]["title"].items()) == list(SPANISH_FIRST.items())
    phone = device(parent)
    spanish = check(phone, "es-MX,es;q=0.9")
    assert spanish["experiment"] == {"key": "copy-languages", "variant": "localized"}
    assert spanish["nudge"]["title"] == "Hora de clase"
    assert spanish["nudge"]["body"] == "Puede esperar."
    # The same nudge, redelivered, in another language: said in that one.
    english = check(phone, "en-US")
    assert english["nudge"]["title"] == "School time"
    french = check(phone, "fr-FR")
    assert (french["nudge"]["title"], french["nudge"]["body"]) == (
        "Hora de clase",
        "Puede esperar.",
    )


def test_a_plain_string_copy_works_as_before(admin: Api, parent: Api) -> None:
    variants = [
        {"key": "control", "weight": 0, "params": {}},
        {"key": "plain", "weight": 1, "params": {"title": "Phone down?"}},
    ]
    shown = start(admin, variants=variants)
    assert shown["variants"][1]["params"] == {"title": "Phone down?"}
    answer = check(device(parent), "es")
    assert answer["nudge"]["title"] == "Phone down?"
    assert answer["nudge"]["body"] != ""  # the default body, in Spanish


def test_the_order_survives_storage(admin: Api, app: Flask) -> None:
    # JSONB would sort these keys (shorter first): the first listed must stay first.
    title = {"pt-BR": "Hora da aula", "es": "Hora de clase", "en": "School time"}
    variants = [
        {"key": "control", "weight": 1, "params": {}},
        {"key": "many", "weight": 1, "params": {"title": title}},
    ]
    assert create(admin, variants=variants).status_code == 201
    read = admin.get("/v1/admin/experiments/copy-languages").get_json()
    assert list(read["variants"][1]["params"]["title"].items()) == list(title.items())
    listed = admin.get("/v1/admin/experiments").get_json()[0]
    assert list(listed["variants"][1]["params"]["title"]) == ["pt-BR", "es", "en"]
    with app.app_context():
        row = edge.db().get(ExperimentRow, "copy-languages")
        assert row is not None
        assert row.variants[1]["params"]["title"] == [list(pair) for pair in title.items()]


def test_tags_are_written_canonically(admin: Api) -> None:
    variants = [
        {"key": "control", "weight": 1, "params": {}},
        {"key": "cased", "weight": 1, "params": {"body": {"PT-br": "Pode esperar."}}},
    ]
    created = create(
        admin, variants=variants, targeting={"languages": ["ES-mx", "pt-br"]}
    ).get_json()
    assert created["variants"][1]["params"]["body"] == {"pt-BR": "Pode esperar."}
    assert created["targeting"]["languages"] == ["es-MX", "pt-BR"]


def test_targeting_languages_keeps_others_out(admin: Api, parent: Api, app: Flask) -> None:
    shown = start(admin, targeting={"languages": ["es"]})
    assert shown["targeting"] == {"countries": None, "timezones": None, "languages": ["es"]}
    english = check(device(parent), "en-GB")
    assert english["experiment"] is None
    assert english["nudge"]["title"] == "School time"  # the default copy
    assert exposures(app) == 0
    mexican = check(device(parent), "es-MX")
    assert mexican["experiment"] == {"key": "copy-languages", "variant": "localized"}
    assert mexican["nudge"]["title"] == "Hora de clase"
    assert exposures(app) == 1


def test_experiments_for_other_languages_do_not_conflict(admin: Api) -> None:
    start(admin, key="copy-es", targeting={"languages": ["es"]})
    start(admin, key="copy-fr", targeting={"languages": ["fr"]})
    created = create(admin, key="copy-mx", targeting={"languages": ["es-MX"]})
    assert created.status_code == 201
    refused = admin.patch("/v1/admin/experiments/copy-mx", {"status": "running"})
    assert refused.status_code == 409  # es-MX readers are es readers too


def _fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.get_json()
    return [error["field"] for error in response.get_json()["errors"]]


@pytest.mark.parametrize(
    ("title", "field"),
    [
        ({"xx": "Hola"}, "variants[1].params.title.xx"),
        ({"es": ""}, "variants[1].params.title.es"),
        ({"es": "   "}, "variants[1].params.title.es"),
        ({"es": "x" * 81}, "variants[1].params.title.es"),
        ({"es": "Hola", "ES": "Hola"}, "variants[1].params.title.ES"),
        ({}, "variants[1].params.title"),
        (42, "variants[1].params.title"),
        ({"es": 42}, "variants[1].params.title.es"),
        ("", "variants[1].params.title"),
    ],
)
def test_copy_mistakes_are_named(admin: Api, title: Any, field: str) -> None:
    variants = [
        {"key": "control", "weight": 1, "params": {}},
        {"key": "wrong", "weight": 1, "params": {"title": title}},
    ]
    response = create(admin, variants=variants)
    assert _fields(response) == [field]


def test_targeting_mistakes_are_named(admin: Api) -> None:
    unknown = create(admin, targeting={"languages": ["en", "xx"]})
    assert _fields(unknown) == ["targeting.languages[1]"]
    empty = create(admin, targeting={"languages": []})
    assert _fields(empty) == ["targeting.languages"]


def test_a_patch_takes_a_copy_map(admin: Api, parent: Api) -> None:
    start(admin)
    variants = [
        {"key": "control", "weight": 0, "params": {}},
        {"key": "localized", "weight": 1, "params": {"title": {"fr": "C'est l'école"}}},
    ]
    patched = send(admin, "PATCH", "/v1/admin/experiments/copy-languages", {"variants": variants})
    assert patched.status_code == 200, patched.get_json()
    assert check(device(parent), "es")["nudge"]["title"] == "C'est l'école"


def test_the_openapi_document_says_string_or_object(api: Api) -> None:
    schemas = api.get("/v1/openapi.json").get_json()["components"]["schemas"]
    title = schemas["VariantParamsIn"]["properties"]["title"]
    kinds = [option.get("type") for option in title["anyOf"]]
    assert kinds == ["string", "object", "null"]
    targeting = schemas["TargetingIn"]["properties"]["languages"]
    assert targeting["anyOf"][0]["type"] == "array"
