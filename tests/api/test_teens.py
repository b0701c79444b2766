"""Teens and guardians: create, list, read, change, delete; co-parents; no existence leaks."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from alertsvc.db.models import ExceptionRow, Guardianship, ScheduleRow, Teen
from tests.conftest import sign_up
from tests.support import Api

WEEK = {d: [{"start": "08:00", "end": "15:00"}] for d in ("mon", "tue", "wed", "thu", "fri")}


def make_teen(parent: Api, **fields: Any) -> dict[str, Any]:
    body = {"nickname": "Sam", "timezone": "America/New_York", **fields}
    response = parent.post("/v1/teens", body)
    assert response.status_code == 201, response.get_json()
    created: dict[str, Any] = response.get_json()
    return created


def errors_of(response: Any) -> list[str]:
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    return [e["field"] for e in response.get_json()["errors"]]


def test_creating_a_teen_returns_it_and_lists_it_for_the_creator(parent: Api) -> None:
    created = make_teen(parent, nickname="  Sam  ", country="us", subdivision="ca")
    assert created["id"].startswith("teen_")
    assert created == {
        "id": created["id"],
        "nickname": "Sam",
        "timezone": "America/New_York",
        "country": "US",
        "subdivision": "CA",
    }
    assert parent.get("/v1/teens").get_json() == [created]
    assert parent.get(f"/v1/teens/{created['id']}").get_json() == created


def test_country_and_subdivision_are_optional(parent: Api) -> None:
    created = make_teen(parent, timezone="Europe/Berlin")
    assert created["country"] is None
    assert created["subdivision"] is None


def test_teens_list_shows_only_the_callers_teens(parent: Api, other_parent: Api) -> None:
    mine = make_teen(parent, nickname="Mine")
    make_teen(other_parent, nickname="Theirs")
    assert [t["id"] for t in parent.get("/v1/teens").get_json()] == [mine["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"nickname": "", "timezone": "UTC"}, "nickname"),
        ({"nickname": "   ", "timezone": "UTC"}, "nickname"),
        ({"nickname": "x" * 41, "timezone": "UTC"}, "nickname"),
        ({"timezone": "UTC"}, "nickname"),
        ({"nickname": "Sam", "timezone": "Mars/Olympus"}, "timezone"),
        ({"nickname": "Sam", "timezone": "EST5EDT "}, "timezone"),
        ({"nickname": "Sam", "timezone": "UTC", "country": "ZZ"}, "country"),
        ({"nickname": "Sam", "timezone": "UTC", "country": "USA"}, "country"),
        ({"nickname": "Sam", "timezone": "UTC", "subdivision": "CA"}, "subdivision"),
        (
            {"nickname": "Sam", "timezone": "UTC", "country": "US", "subdivision": "ON"},
            "subdivision",
        ),
        ({"nickname": "Sam", "timezone": "UTC", "colour": "blue"}, "colour"),
    ],
)
def test_invalid_teen_fields_are_422_naming_the_field(
    parent: Api, body: dict[str, Any], field: str
) -> None:
    assert field in errors_of(parent.post("/v1/teens", body))
    assert parent.get("/v1/teens").get_json() == []


def test_teen_routes_need_a_token(api: Api, parent: Api) -> None:
    teen_id = make_teen(parent)["id"]
    for method, path in [
        ("POST", "/v1/teens"),
        ("GET", "/v1/teens"),
        ("GET", f"/v1/teens/{teen_id}"),
        ("PATCH", f"/v1/teens/{teen_id}"),
        ("DELETE", f"/v1/teens/{teen_id}"),
        ("POST", f"/v1/teens/{teen_id}/guardians"),
    ]:
        response = api.request(method, path, {})
        assert response.status_code == 401, (method, path)
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_patch_changes_only_the_fields_sent(parent: Api) -> None:
    teen = make_teen(parent, country="US", subdivision="CA")
    changed = parent.patch(f"/v1/teens/{teen['id']}", {"nickname": "Alex"})
    assert changed.status_code == 200
    assert changed.get_json() == {**teen, "nickname": "Alex"}
    moved = parent.patch(f"/v1/teens/{teen['id']}", {"timezone": "America/Los_Angeles"})
    assert moved.get_json()["timezone"] == "America/Los_Angeles"
    assert moved.get_json()["subdivision"] == "CA"


def test_patch_of_the_country_drops_a_subdivision_of_the_old_country(parent: Api) -> None:
    teen = make_teen(parent, country="US", subdivision="CA")
    changed = parent.patch(f"/v1/teens/{teen['id']}", {"country": "CA"})
    assert changed.get_json()["country"] == "CA"
    assert changed.get_json()["subdivision"] is None
    cleared = parent.patch(f"/v1/teens/{teen['id']}", {"country": None})
    assert cleared.get_json()["country"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"nickname": None}, "nickname"),
        ({"timezone": None}, "timezone"),
        ({"timezone": "Nowhere/Town"}, "timezone"),
        ({"subdivision": "XX"}, "subdivision"),
        ({"country": "DE", "subdivision": "CA"}, "subdivision"),
        ({"age": 15}, "age"),
    ],
)
def test_invalid_patch_is_422_and_changes_nothing(
    parent: Api, body: dict[str, Any], field: str
) -> None:
    teen = make_teen(parent, country="US", subdivision="CA")
    assert field in errors_of(parent.patch(f"/v1/teens/{teen['id']}", body))
    assert parent.get(f"/v1/teens/{teen['id']}").get_json() == teen


def test_delete_removes_every_row_about_the_teen(parent: Api, app: Flask) -> None:
    teen_id = make_teen(parent)["id"]
    kept_id = make_teen(parent, nickname="Kept")["id"]
    for tid in (teen_id, kept_id):
        assert parent.put(f"/v1/teens/{tid}/schedule", {"weekly": WEEK}).status_code == 200
        exception = {"first_day": "2026-12-24", "last_day": "2026-12-24", "kind": "no_school"}
        assert parent.post(f"/v1/teens/{tid}/exceptions", exception).status_code == 201
    response = parent.delete(f"/v1/teens/{teen_id}")
    assert response.status_code == 204
    assert parent.get(f"/v1/teens/{teen_id}").status_code == 404
    with app.extensions["alertsvc"].sessions() as db:
        for table, column in [
            (Teen, Teen.id),
            (Guardianship, Guardianship.teen_id),
            (ScheduleRow, ScheduleRow.teen_id),
            (ExceptionRow, ExceptionRow.teen_id),
        ]:
            count = db.scalar(select(func.count()).select_from(table).where(column == teen_id))
            assert count == 0, table.__tablename__
            kept = db.scalar(select(func.count()).select_from(table).where(column == kept_id))
            assert kept == 1, table.__tablename__
    assert parent.delete(f"/v1/teens/{teen_id}").status_code == 404


def test_a_co_parent_added_by_email_has_equal_rights(api: Api, parent: Api) -> None:
    token = sign_up(api, "co@example.com")
    co_parent = api.as_(token)
    teen = make_teen(parent)
    added = parent.post(f"/v1/teens/{teen['id']}/guardians", {"email": "  Co@Example.com "})
    assert added.status_code == 201
    body = added.get_json()
    assert body["teen_id"] == teen["id"]
    assert body["email"] == "co@example.com"
    assert body["parent_id"].startswith("par_")
    assert co_parent.get("/v1/teens").get_json() == [teen]
    assert co_parent.patch(f"/v1/teens/{teen['id']}", {"nickname": "Kim"}).status_code == 200
    assert co_parent.put(f"/v1/teens/{teen['id']}/schedule", {"weekly": WEEK}).status_code == 200
    assert parent.get(f"/v1/teens/{teen['id']}/schedule").get_json()["version"] == 1
    assert co_parent.delete(f"/v1/teens/{teen['id']}").status_code == 204
    assert parent.get("/v1/teens").get_json() == []


def test_adding_a_guardian_twice_conflicts(api: Api, parent: Api) -> None:
    sign_up(api, "twice@example.com")
    teen_id = make_teen(parent)["id"]
    first = parent.post(f"/v1/teens/{teen_id}/guardians", {"email": "twice@example.com"})
    assert first.status_code == 201
    again = parent.post(f"/v1/teens/{teen_id}/guardians", {"email": "twice@example.com"})
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"


def test_adding_yourself_as_guardian_conflicts(api: Api) -> None:
    me = api.as_(sign_up(api, "me@example.com"))
    teen_id = make_teen(me)["id"]
    assert me.post(f"/v1/teens/{teen_id}/guardians", {"email": "me@example.com"}).status_code == 409


def test_adding_an_unknown_email_as_guardian_is_404(parent: Api) -> None:
    teen_id = make_teen(parent)["id"]
    response = parent.post(f"/v1/teens/{teen_id}/guardians", {"email": "nobody@example.com"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_guardian_body_with_unknown_fields_is_422(parent: Api) -> None:
    teen_id = make_teen(parent)["id"]
    body = {"email": "x@example.com", "role": "admin"}
    assert errors_of(parent.post(f"/v1/teens/{teen_id}/guardians", body)) == ["role"]


def test_openapi_lists_the_teen_paths_with_request_schemas(api: Api) -> None:
    doc = api.get("/v1/openapi.json").get_json()
    paths = doc["paths"]
    assert {"get", "post"} <= set(paths["/v1/teens"])
    assert {"get", "patch", "delete"} <= set(paths["/v1/teens/{teen_id}"])
    create = paths["/v1/teens"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema = doc["components"]["schemas"][create["$ref"].rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"nickname", "timezone"}
    assert schema["additionalProperties"] is False
    guardians = paths["/v1/teens/{teen_id}/guardians"]["post"]
    assert "requestBody" in guardians
    assert guardians["security"] == [{"parentToken": []}]


ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:day-off@example.com\r
DTSTART;VALUE=DATE:20261204\r
SUMMARY:Day off\r
END:VEVENT\r
END:VCALENDAR\r
"""


def teen_routes(teen_id: str, exception_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Every route under /v1/teens/{id}, with a valid request for each."""
    base = f"/v1/teens/{teen_id}"
    exception = {"first_day": "2026-12-01", "last_day": "2026-12-01", "kind": "no_school"}
    ics = {"data": ICS, "headers": {"Content-Type": "text/calendar"}}
    return [
        ("GET", base, {}),
        ("PATCH", base, {"json": {"nickname": "Taken"}}),
        ("DELETE", base, {}),
        ("POST", f"{base}/guardians", {"json": {"email": "intruder@example.com"}}),
        ("PUT", f"{base}/schedule", {"json": {"weekly": {}}}),
        ("GET", f"{base}/schedule", {}),
        ("POST", f"{base}/exceptions", {"json": exception}),
        ("GET", f"{base}/exceptions", {}),
        ("DELETE", f"{base}/exceptions/{exception_id}", {}),
        ("POST", f"{base}/calendar", ics),
        ("GET", f"{base}/preview?from=2026-11-23&days=7", {}),
    ]


def _call(client: Api, method: str, path: str, kwargs: dict[str, Any]) -> Any:
    kwargs = dict(kwargs)
    return client.request(method, path, kwargs.pop("json", None), **kwargs)


@pytest.fixture
def family_teen(parent: Api) -> tuple[str, str]:
    teen_id = make_teen(parent)["id"]
    assert parent.put(f"/v1/teens/{teen_id}/schedule", {"weekly": WEEK}).status_code == 200
    exception = {"first_day": "2026-12-24", "last_day": "2026-12-24", "kind": "no_school"}
    created = parent.post(f"/v1/teens/{teen_id}/exceptions", exception)
    return teen_id, created.get_json()["id"]


@pytest.mark.parametrize("index", range(11))
def test_another_familys_teen_is_404_on_every_route_and_unchanged(
    api: Api, parent: Api, other_parent: Api, family_teen: tuple[str, str], index: int
) -> None:
    sign_up(api, "intruder@example.com")
    teen_id, exception_id = family_teen
    before = [parent.get(p).get_json() for p in _reads(teen_id)]
    method, path, kwargs = teen_routes(teen_id, exception_id)[index]
    response = _call(other_parent, method, path, kwargs)
    assert response.status_code == 404, (method, path, response.get_json())
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "No such teen."
    assert [parent.get(p).get_json() for p in _reads(teen_id)] == before


def _reads(teen_id: str) -> list[str]:
    base = f"/v1/teens/{teen_id}"
    return [base, f"{base}/schedule", f"{base}/exceptions"]


@pytest.mark.parametrize("index", range(11))
def test_a_teen_that_does_not_exist_is_404_on_every_route(parent: Api, index: int) -> None:
    method, path, kwargs = teen_routes("teen_doesnotexist0000000", "exc_nope")[index]
    assert _call(parent, method, path, kwargs).status_code == 404


@pytest.mark.parametrize("index", range(11))
def test_every_teen_route_needs_a_parent_token(
    api: Api, family_teen: tuple[str, str], index: int
) -> None:
    method, path, kwargs = teen_routes(*family_teen)[index]
    assert _call(api, method, path, kwargs).status_code == 401
    assert _call(api.as_("not-a-token"), method, path, kwargs).status_code == 401


def test_a_co_parent_can_use_every_route(
    api: Api, parent: Api, family_teen: tuple[str, str]
) -> None:
    sign_up(api, "intruder@example.com")
    co_parent = api.as_(sign_up(api, "co-parent@example.com"))
    teen_id, exception_id = family_teen
    added = parent.post(f"/v1/teens/{teen_id}/guardians", {"email": "co-parent@example.com"})
    assert added.status_code == 201
    expected = [200, 200, 204, 201, 200, 200, 201, 200, 204, 200, 200]
    routes = teen_routes(teen_id, exception_id)
    # Delete the teen last, so every other route still has a teen to act on.
    order = [i for i in range(len(routes)) if i != 2] + [2]
    for index in order:
        method, path, kwargs = routes[index]
        response = _call(co_parent, method, path, kwargs)
        assert response.status_code == expected[index], (method, path, response.get_json())
