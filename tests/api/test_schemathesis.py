"""Property-based API tests: schemathesis drives every documented operation from the OpenAPI
document and checks that no input earns a 5xx and that every answer matches the document.

One app per module and database (a temporary SQLite file, and a PostgreSQL database of its
own when ALERTSVC_TEST_POSTGRES_URL is set: PostgreSQL refuses inputs SQLite stores, such as
U+0000, which schemathesis puts in strings); a parent (with a teen, a schedule and a paired
device so path parameters can be real), the device and an admin each bring their own token.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import create_engine

import alertsvc.db.models  # noqa: F401 - registers the tables
from alertsvc import create_app
from alertsvc.config import RateLimits, Settings
from alertsvc.db.base import Base
from alertsvc.http import edge
from alertsvc.services import accounts
from tests import procs
from tests.api.checking import make_teen, pair, put_schedule
from tests.conftest import BACKENDS, sign_up
from tests.logcapture import assert_nothing_personal, json_logs, strings_in
from tests.support import Api, FakeClock

ADMIN_EMAIL = "fuzz-admin@example.com"
ADMIN_PASSWORD = "correct horse fuzz admin"
PARENT_EMAIL = "fuzz.parent@example.com"
PARENT_PASSWORD = "correct horse battery"
NICKNAME = "Quillonwyn"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    ignored_auth,
]
EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 8}
# Operations whose valid inputs must get through auth and the 404 gate to a 2xx answer.
EXPECTED_SUCCESSES = {
    "GET /v1/teens",
    "GET /v1/teens/{teen_id}",
    "PATCH /v1/teens/{teen_id}",
    "DELETE /v1/teens/{teen_id}",
    "PUT /v1/teens/{teen_id}/schedule",
    "GET /v1/teens/{teen_id}/schedule",
    "GET /v1/teens/{teen_id}/preview",
    "GET /v1/teens/{teen_id}/export",
    "GET /v1/teens/{teen_id}/nudges",
    "POST /v1/teens/{teen_id}/pairing-codes",
    "DELETE /v1/teens/{teen_id}/devices/{device_id}",
    "POST /v1/check",
    "GET /v1/me",
    "GET /v1/me/export",
    "POST /v1/parents",
    "GET /v1/parents/me",
    "PATCH /v1/parents/me",
    "GET /v1/admin/experiments",
    "GET /v1/admin/audit",
    "PUT /v1/admin/kill-switch",
}


@dataclass
class World:
    """The module's app and the credentials and objects that make path parameters real."""

    app: Flask
    api: Api
    parent: Api
    device: Api
    admin: Api
    teen_id: str
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    sent: set[str] = field(default_factory=set)

    def secrets(self) -> dict[str, str]:
        assert self.parent.token
        assert self.device.token
        assert self.admin.token
        return {
            "parent token": self.parent.token,
            "device token": self.device.token,
            "admin token": self.admin.token,
            "admin email": ADMIN_EMAIL,
            "admin password": ADMIN_PASSWORD,
            "parent email": PARENT_EMAIL,
            "parent password": PARENT_PASSWORD,
            "nickname": NICKNAME,
        }

    @property
    def database_url(self) -> str:
        return str(self.app.extensions["alertsvc"].settings.database_url)

    def token_for(self, security: list[dict[str, Any]] | None) -> str | None:
        """The token for the operation's security scheme (none for public operations)."""
        if not security:
            return None
        clients = {"parentToken": self.parent, "deviceToken": self.device, "adminToken": self.admin}
        return clients[next(iter(security[0]))].token

    def disposable_teen(self) -> str:
        return make_teen(self.parent)

    def disposable_device(self) -> str:
        pair(self.parent, self.teen_id)
        devices = self.parent.get(f"/v1/teens/{self.teen_id}/devices").get_json()
        return str(devices[-1]["id"])


def _app(database_url: str) -> Flask:
    app = create_app(
        Settings(
            database_url=database_url,
            secret_key="test-secret-key",
            environment="test",
            csrf_enabled=False,
            rate_limits=RateLimits(enabled=False),
            fast_password_hashing=True,
        ),
        clock=FakeClock(),  # a Wednesday, 08:05 in New York: a school day
    )
    app.testing = True
    return app


class Databases:
    """Where worlds live: SQLite files in a temporary folder, or PostgreSQL databases of
    their own on the test server (dropped when the module is done)."""

    def __init__(self, backend: str, directories: pytest.TempPathFactory) -> None:
        self.backend = backend
        self.directories = directories
        self.created: list[str] = []

    def _postgres_name(self) -> str:
        name = f"{procs.base_database_name()}_fuzz_{uuid.uuid4().hex[:8]}"
        self.created.append(name)
        return name

    def _postgres_url(self, name: str) -> str:
        assert procs.POSTGRES_URL is not None
        url = procs._with_database(procs.POSTGRES_URL, name)
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")

    def empty(self) -> str:
        """A database with the tables created, and no rows."""
        if self.backend == "sqlite":
            url = f"sqlite:///{self.directories.mktemp('fuzz') / 'fuzz.db'}"
        else:
            name = self._postgres_name()
            with procs.admin_connect() as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            url = self._postgres_url(name)
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        return url

    def copy(self, url: str) -> str:
        """A copy of the database at `url` (nobody may be connected to it)."""
        if self.backend == "sqlite":
            copied = self.directories.mktemp("scenario") / "fuzz.db"
            shutil.copyfile(url.removeprefix("sqlite:///"), copied)
            return f"sqlite:///{copied}"
        name = self._postgres_name()
        source = url.rsplit("/", 1)[1]
        with procs.admin_connect() as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        return self._postgres_url(name)

    def drop(self) -> None:
        if self.created:
            with procs.admin_connect() as admin:
                for name in self.created:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module", params=BACKENDS)
def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Databases]:
    made = Databases(request.param, tmp_path_factory)
    yield made
    made.drop()


def make_world(databases: Databases) -> World:
    """A fresh app on its own database, with a family (teen, schedule, device) and an admin."""
    app = _app(databases.empty())
    clock = app.extensions["alertsvc"].clock
    api = Api(app.test_client())
    parent = api.as_(sign_up(api, PARENT_EMAIL, PARENT_PASSWORD))
    teen_id = make_teen(parent, nickname=NICKNAME)
    put_schedule(parent, teen_id)
    device = pair(parent, teen_id)
    with app.app_context():
        session = edge.db()
        accounts.make_admin(session, ADMIN_EMAIL, ADMIN_PASSWORD, clock())
        session.commit()
    issued = api.post("/v1/auth/token", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    admin = api.as_(issued.get_json()["token"])
    return World(app, api, parent, device, admin, teen_id)


def copy_world(world: World, databases: Databases) -> World:
    """The same family, tokens and ids on a copy of the world's database, in a new app."""
    world.app.extensions["alertsvc"].engine.dispose()
    app = _app(databases.copy(world.database_url))
    api = Api(app.test_client())
    return World(
        app,
        api,
        api.as_(world.parent.token),
        api.as_(world.device.token),
        api.as_(world.admin.token),
        world.teen_id,
    )


def close_world(world: World) -> None:
    world.app.extensions["alertsvc"].engine.dispose()


@pytest.fixture(scope="module")
def world(databases: Databases) -> Iterator[World]:
    made = make_world(databases)
    yield made
    close_world(made)


@pytest.fixture(scope="module")
def api_schema(world: World) -> Any:
    return schemathesis.openapi.from_wsgi("/v1/openapi.json", world.app)


def _real_path_parameters(case: schemathesis.Case, world: World) -> None:
    """Cases name the real teen and device, so they reach past the 404 gate."""
    params = case.path_parameters
    if not params:
        return
    if "teen_id" in params:
        deleting_teen = case.method == "DELETE" and case.path == "/v1/teens/{teen_id}"
        params["teen_id"] = world.disposable_teen() if deleting_teen else world.teen_id
    if "device_id" in params:
        params["device_id"] = world.disposable_device()


def _send(case: schemathesis.Case, world: World) -> None:
    token = world.token_for(case.operation.definition.raw.get("security"))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    world.sent.update(strings_in([case.body, case.query, case.path_parameters]))
    response = case.call_and_validate(headers=headers, checks=CHECKS)
    world.statuses[(case.operation.label, response.status_code)] += 1


# schemathesis' own pytest plugin (`from_fixture` + `parametrize`) reads pytest internals that
# pytest 9 removed, so each operation gets a plain Hypothesis test over its strategy instead.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_earns_a_server_error_and_answers_match_the_document(
    api_schema: Any, world: World, mode: GenerationMode
) -> None:
    failures: list[str] = []
    with json_logs() as logs:
        _probe_every_operation(api_schema, world, mode, failures)
    assert not failures, "\n\n".join(failures)
    _assert_the_run_reached_the_routes(world, mode)
    assert_nothing_personal(logs.getvalue(), world.secrets(), world.sent)


def _probe_every_operation(
    api_schema: Any, world: World, mode: GenerationMode, failures: list[str]
) -> None:
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES[mode],
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def probe(case: schemathesis.Case) -> None:
            # Path parameters are free strings (nothing to negate), so both modes use real ids.
            _real_path_parameters(case, world)
            _send(case, world)

        try:
            probe()
        except (Exception, BaseExceptionGroup) as exc:  # reported together, per operation
            failures.append(f"{operation.label}: {exc}")


def _assert_the_run_reached_the_routes(world: World, mode: GenerationMode) -> None:
    """Guards against a run that only ever met 401s and 404s (a test that cannot fail)."""
    seen = world.statuses
    operations = {label for label, _ in seen}
    assert len(operations) >= 30, sorted(operations)
    assert sum(seen.values()) >= 30 * 5, seen
    if mode is GenerationMode.POSITIVE:
        succeeded = {label for label, status in seen if 200 <= status < 300}
        assert succeeded >= EXPECTED_SUCCESSES, sorted(EXPECTED_SUCCESSES - succeeded)
    else:
        rejected = {label for label, status in seen if status in (400, 422)}
        assert len(rejected) >= 15, sorted(rejected)
    world.statuses.clear()


class _Machine(schemathesis.stateful.APIStateMachine):
    """Each scenario starts from its own fresh app, so every scenario sees the same state
    (Hypothesis refuses a machine whose draws depend on what earlier scenarios left behind)."""

    databases: Databases
    pristine: World
    steps: Counter[tuple[str, int]]

    def setup(self) -> None:
        self.fresh = copy_world(self.pristine, self.databases)

    def teardown(self) -> None:
        close_world(self.fresh)

    def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
        token = self.fresh.token_for(case.operation.definition.raw.get("security"))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return {"headers": headers, "app": self.fresh.app}

    def validate_response(  # type: ignore[override]
        self, response: schemathesis.Response, case: schemathesis.Case, **kwargs: Any
    ) -> None:
        self.steps[(case.operation.label, response.status_code)] += 1
        case.validate_response(
            response, checks=CHECKS, headers=kwargs.get("headers"), transport_kwargs=kwargs
        )


def test_stateful_sequences_over_links_keep_the_contract(
    api_schema: Any, databases: Databases
) -> None:
    steps: Counter[tuple[str, int]] = Counter()
    pristine = make_world(databases)
    close_world(pristine)  # copies are made from it, which needs it unused on PostgreSQL
    machine = api_schema.as_state_machine()
    attributes = {"databases": databases, "pristine": pristine, "steps": steps}
    stateful = type("Stateful", (_Machine, machine), attributes)
    stateful.run(
        settings=settings(
            max_examples=10,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
    )
    assert sum(steps.values()) > 20, steps
    # Links carried real ids from one answer into the next request's path.
    linked = {label for label, status in steps if "{" in label and 200 <= status < 300}
    assert linked, steps


def test_the_ids_in_paths_are_the_ones_the_document_names(world: World) -> None:
    document = world.api.get("/v1/openapi.json").get_json()
    names = {name for path in document["paths"] for name in re.findall(r"{([^}]+)}", path)}
    assert names <= {"teen_id", "device_id", "exception_id", "nudge_id", "key"}, names
