"""Control characters (U+0000 first among them) never reach the database, for every operation
the OpenAPI document lists: a path id that holds one answers 404, a query parameter or a JSON
string (or key) that holds one answers 422 naming it, and nothing is written.

The operations come from the document itself, so a new route is covered the day it is added;
a JSON-body route must also get a valid body in `valid_bodies`, or the coverage test fails.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from alertsvc.db.base import Base
from alertsvc.domain.text import has_control_character, printable_key
from tests.api.checking import SCHOOL_WEEK, make_teen, pair, put_schedule
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, sign_up
from tests.support import Api, FakeClock

# Every character the rule refuses: C0 controls but tab, LF and CR, and DEL.
FORBIDDEN = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)]
EXAMPLES = 6
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
    database=None,
)

# Path segments may hold anything but what splits or ends a path.
_SEGMENT_TEXT = st.text(st.characters(exclude_characters="/?#"), max_size=6)


def tainted(text: st.SearchStrategy[str] = _SEGMENT_TEXT) -> st.SearchStrategy[str]:
    """A string with at least one forbidden character somewhere in it."""
    return st.builds(lambda a, c, b: a + c + b, text, st.sampled_from(FORBIDDEN), text)


@dataclass
class World:
    app: Flask
    parent: Api
    device: Api
    admin: Api
    other_email: str
    ids: dict[str, str]
    pairing_code: str

    def client_for(self, operation: dict[str, Any]) -> Api:
        security = operation.get("security") or [{}]
        scheme = next(iter(security[0]), None)
        clients = {"parentToken": self.parent, "deviceToken": self.device, "adminToken": self.admin}
        return clients.get(scheme, self.parent.as_(None)) if scheme else self.parent.as_(None)

    def url(self, path: str, replaced: dict[str, str] | None = None) -> str:
        values = {**self.ids, **(replaced or {})}
        for name, value in values.items():
            path = path.replace("{" + name + "}", quote(value, safe=""))
        return path


@pytest.fixture
def world(app: Flask, api: Api, admin: Api, clock: FakeClock) -> World:
    parent = api.as_(sign_up(api))
    other_email = "co-parent@example.com"
    sign_up(api, other_email)
    teen_id = make_teen(parent)
    put_schedule(parent, teen_id)
    exception = parent.post(
        f"/v1/teens/{teen_id}/exceptions",
        {"first_day": "2026-12-21", "last_day": "2027-01-01", "kind": "no_school"},
    )
    device = pair(parent, teen_id)
    clock.set(clock.now.replace(hour=15, minute=0))  # 10:00 in New York, a Wednesday
    nudge = device.post("/v1/check", {}).get_json()["nudge"]
    created = admin.post("/v1/admin/experiments", experiment_body("copy-fuzz"))
    assert created.status_code == 201, created.get_json()
    code = parent.post(f"/v1/teens/{teen_id}/pairing-codes").get_json()["code"]
    devices = parent.get(f"/v1/teens/{teen_id}/devices").get_json()
    return World(
        app,
        parent,
        device,
        admin,
        other_email,
        {
            "teen_id": teen_id,
            "device_id": devices[0]["id"],
            "exception_id": exception.get_json()["id"],
            "nudge_id": nudge["id"],
            "key": "copy-fuzz",
        },
        code,
    )


def experiment_body(key: str) -> dict[str, Any]:
    return {
        "key": key,
        "description": "Friendlier copy",
        "traffic_percent": 50,
        "variants": [
            {"key": "control", "weight": 1, "params": {}},
            {"key": "friendly", "weight": 1, "params": {"title": "Hi", "body": "Later?"}},
        ],
        "targeting": {"countries": ["US"], "timezones": ["America/New_York"]},
    }


def valid_bodies(world: World) -> dict[str, Any]:
    """A valid JSON body for every operation that takes one, keyed as the document names it."""
    return {
        "POST /v1/admin/experiments": experiment_body("copy-two"),
        "PATCH /v1/admin/experiments/{key}": {"description": "Warmer", "traffic_percent": 40},
        "PUT /v1/admin/kill-switch": {"enabled": False, "reason": "All clear"},
        "POST /v1/auth/token": {"email": world.other_email, "password": "correct horse battery"},
        "POST /v1/check": {"utc_offset_minutes": -300},
        "POST /v1/devices": {
            "pairing_code": world.pairing_code,
            "platform": "android",
            "locale": "fr",
        },
        "POST /v1/nudges/{nudge_id}/ack": {"action": "dismissed", "comment": "In the library"},
        "POST /v1/parents": {"email": "new.parent@example.com", "password": "a long password"},
        "PATCH /v1/parents/me": {"name": "Mum", "language": "de"},
        "PATCH /v1/me": {"locale": "es-MX"},
        "POST /v1/teens": {"nickname": "Robin", "timezone": "Europe/Paris", "country": "FR"},
        "PATCH /v1/teens/{teen_id}": {"nickname": "Alex", "timezone": "America/Chicago"},
        "POST /v1/teens/{teen_id}/exceptions": {
            "first_day": "2027-02-15",
            "last_day": "2027-02-15",
            "kind": "custom_hours",
            "windows": [{"start": "10:00", "end": "12:00"}],
            "note": "Late start",
        },
        "POST /v1/teens/{teen_id}/guardians": {"email": world.other_email},
        "POST /v1/teens/{teen_id}/pause": {"until": "2026-11-26T12:00:00Z"},
        "PUT /v1/teens/{teen_id}/schedule": {
            "weekly": {**SCHOOL_WEEK, "sat": []},
            "term": {"first_day": "2026-09-02", "last_day": "2027-06-18"},
            "observe_public_holidays": True,
            "policy": {"grace_minutes": 5, "max_per_day": 3},
        },
    }


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    definition: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def parameters(self, where: str) -> list[str]:
        return [p["name"] for p in self.definition.get("parameters", []) if p["in"] == where]

    @property
    def media(self) -> list[str]:
        return list(self.definition.get("requestBody", {}).get("content", {}))


def operations(app: Flask) -> list[Operation]:
    document = app.test_client().get("/v1/openapi.json").get_json()
    return [
        Operation(method.upper(), path, definition)
        for path, methods in document["paths"].items()
        for method, definition in methods.items()
    ]


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: what "nothing was written" compares."""
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def engine_of(world: World) -> Engine:
    engine: Engine = world.app.extensions["alertsvc"].engine
    return engine


def send(world: World, operation: Operation, url: str, body: Any = None) -> Any:
    client = world.client_for(operation.definition)
    if body is None and "application/json" in operation.media:
        body = valid_bodies(world)[operation.label]
    return client.request(operation.method, url, body)


@dataclass(frozen=True)
class Leaf:
    """Where a value sits in a JSON document, and how the service names that place."""

    steps: tuple[str | int, ...]

    @property
    def field(self) -> str:
        name = ""
        for step in self.steps:
            name += f"[{step}]" if isinstance(step, int) else (f".{step}" if name else step)
        return name

    def replaced(self, document: Any, value: Any) -> Any:
        changed = copy.deepcopy(document)
        target = changed
        for step in self.steps[:-1]:
            target = target[step]
        target[self.steps[-1]] = value
        return changed


def leaves(value: Any, steps: tuple[str | int, ...] = ()) -> Iterator[Leaf]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*steps, key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from leaves(item, (*steps, index))
    else:
        yield Leaf(steps)


def assert_refused(response: Any, status: int, fields: set[str] | None = None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    if fields is not None:
        problem = response.get_json()
        assert {error["field"] for error in problem["errors"]} == fields, problem
        assert all("control characters" in error["message"] for error in problem["errors"])


def test_every_json_body_operation_has_a_valid_body_to_taint(world: World) -> None:
    with_bodies = {op.label for op in operations(world.app) if "application/json" in op.media}
    assert with_bodies == set(valid_bodies(world))


def test_the_valid_bodies_are_accepted_as_they_are(world: World) -> None:
    """Otherwise the tainted variants below would prove less than they claim."""
    for operation in operations(world.app):
        if "application/json" in operation.media:
            response = send(world, operation, world.url(operation.path))
            assert 200 <= response.status_code < 300, (operation.label, response.get_json())


def test_a_control_character_in_any_json_string_or_key_is_refused_naming_it(
    world: World,
) -> None:
    for operation in operations(world.app):
        if "application/json" in operation.media:
            fuzz_body(world, operation)


def fuzz_body(world: World, operation: Operation) -> None:
    body = valid_bodies(world)[operation.label]
    places = list(leaves(body))

    @given(
        taint=st.one_of(
            st.tuples(st.sampled_from(places), tainted(st.text(max_size=6))).map(
                lambda pair: (pair[0].replaced(body, pair[1]), pair[0].field)
            ),
            st.tuples(tainted(st.text(max_size=6)), st.text(max_size=6)).map(
                lambda pair: ({**body, pair[0]: pair[1]}, printable_key(pair[0]))
            ),
        )
    )
    @FUZZ
    def probe(taint: tuple[Any, str]) -> None:
        document, field = taint
        before = snapshot(engine_of(world))
        response = send(world, operation, world.url(operation.path), document)
        assert_refused(response, 422, {field})
        assert snapshot(engine_of(world)) == before, operation.label

    probe()


def test_a_control_character_in_a_path_id_answers_404_and_writes_nothing(world: World) -> None:
    for operation in operations(world.app):
        for name in operation.parameters("path"):
            fuzz_path_id(world, operation, name)


def fuzz_path_id(world: World, operation: Operation, name: str) -> None:
    @given(value=tainted())
    @FUZZ
    def probe(value: str) -> None:
        before = snapshot(engine_of(world))
        response = send(world, operation, world.url(operation.path, {name: value}))
        assert_refused(response, 404)
        assert snapshot(engine_of(world)) == before, operation.label

    probe()


def test_a_control_character_in_any_query_parameter_is_refused_naming_it(world: World) -> None:
    for operation in operations(world.app):
        fuzz_query(world, operation)


def fuzz_query(world: World, operation: Operation) -> None:
    known = operation.parameters("query")

    @given(
        parameter=st.one_of(
            st.tuples(st.sampled_from(known or ["limit"]), tainted()),
            st.tuples(tainted(), st.text(max_size=6)),
        )
    )
    @FUZZ
    def probe(parameter: tuple[str, str]) -> None:
        name, value = parameter
        before = snapshot(engine_of(world))
        url = world.url(operation.path) + "?" + urlencode({name: value})
        response = send(world, operation, url)
        assert_refused(response, 422, {printable_key(name)})
        assert snapshot(engine_of(world)) == before, operation.label

    probe()


@given(
    text=st.text(
        st.characters(exclude_categories=("Cc", "Cs")) | st.sampled_from("\t\n\r"), max_size=30
    )
)
def test_text_without_control_characters_passes_the_rule(text: str) -> None:
    assert not has_control_character(text)


@given(text=tainted(st.text(max_size=10)))
def test_text_with_any_forbidden_character_is_caught(text: str) -> None:
    assert has_control_character(text)
    assert not has_control_character(printable_key(text))


def test_a_tainted_login_answers_422_without_touching_the_account(world: World, api: Api) -> None:
    """The two operations that need no login were among those that answered 500."""
    for path in ("/v1/auth/token", "/v1/parents"):
        response = api.post(path, {"email": "a\u0000@example.com", "password": "x" * 12})
        assert_refused(response, 422, {"email"})
    again = api.post("/v1/auth/token", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert again.status_code == 200
