"""The pool does not ping each connection at checkout (a round trip per request); a connection
that died while pooled is found when used. A request that meets one and has committed
nothing yet runs again on a fresh connection (`alertsvc.http.app.App`), so clients never see the
stale connection; one that already committed answers 503 with Retry-After (never a 500)
rather than risk writing twice."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask
from sqlalchemy import create_engine, text

from alertsvc.http import edge
from tests.api.checking import check, make_teen, pair, put_schedule
from tests.api.test_check import IN_SCHOOL
from tests.conftest import POSTGRES_URL, postgres_url
from tests.support import Api, FakeClock

needs_postgres = pytest.mark.skipif(
    POSTGRES_URL is None, reason="needs ALERTSVC_TEST_POSTGRES_URL (kills server connections)"
)
on_postgres = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


def _kill_app_connections() -> int:
    """Terminate every other session on the test database, as a restart or a proxy would."""
    admin = create_engine(postgres_url(), poolclass=None)
    try:
        with admin.connect() as connection:
            killed = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        admin.dispose()
    return int(killed)


@pytest.fixture
def teen_and_device(parent: Api, clock: FakeClock) -> tuple[str, Api]:
    teen = make_teen(parent)
    put_schedule(parent, teen)
    clock.set(IN_SCHOOL)
    return teen, pair(parent, teen)


@needs_postgres
@on_postgres
def test_a_check_on_a_dead_pooled_connection_is_answered_from_a_fresh_one(
    teen_and_device: tuple[str, Api], parent: Api
) -> None:
    teen, device = teen_and_device
    first = check(device)
    assert first["reason"] == "in_school_hours"
    assert _kill_app_connections() >= 1

    again = check(device)  # the pooled connection is dead: retried, not an error

    assert again["reason"] == "in_school_hours"
    assert again["nudge"]["id"] == first["nudge"]["id"]  # re-delivered, not doubled
    # The dead connection invalidated the whole pool: the parent's next request reconnects.
    assert parent.get(f"/v1/teens/{teen}").status_code == 200


@needs_postgres
@on_postgres
def test_any_route_on_a_dead_connection_is_answered_from_a_fresh_one(
    teen_and_device: tuple[str, Api], parent: Api
) -> None:
    teen, _device = teen_and_device
    for request in (
        lambda: parent.get(f"/v1/teens/{teen}"),
        lambda: parent.patch(f"/v1/teens/{teen}", {"nickname": "Robin"}),
        lambda: parent.post(f"/v1/teens/{teen}/pairing-codes"),
    ):
        assert _kill_app_connections() >= 1
        response = request()
        assert 200 <= response.status_code < 300, response.get_json()
    assert parent.get(f"/v1/teens/{teen}").get_json()["nickname"] == "Robin"


@pytest.fixture
def probes(app: Flask) -> list[str]:
    """Test-only routes that lose their connection at a chosen moment; `calls` logs runs."""
    calls: list[str] = []
    blueprint = Blueprint("stale_probes", __name__)

    @blueprint.post("/v1/test/lose-connection-after-commit")
    def after_commit() -> dict[str, str]:
        calls.append("after_commit")
        session = edge.db()
        session.execute(text("SELECT 1"))
        session.commit()
        if calls.count("after_commit") == 1:
            _kill_app_connections()
        edge.db().execute(text("SELECT 1"))
        return {"ok": "yes"}

    @blueprint.post("/v1/test/lose-connection-before-commit")
    def before_commit() -> dict[str, str]:
        calls.append("before_commit")
        if calls.count("before_commit") == 1:
            edge.reader().execute(text("SELECT 1"))
            _kill_app_connections()
        edge.reader().execute(text("SELECT 1"))
        return {"ok": "yes"}

    @blueprint.post("/v1/test/statement-error")
    def statement_error() -> dict[str, str]:
        calls.append("statement_error")
        edge.reader().execute(text("SELEC 1"))  # a broken statement, not a lost connection
        return {"ok": "yes"}

    app.register_blueprint(blueprint)
    return calls


@needs_postgres
@on_postgres
def test_a_request_that_lost_its_connection_before_committing_runs_again(
    api: Api, probes: list[str]
) -> None:
    response = api.post("/v1/test/lose-connection-before-commit")
    assert response.status_code == 200
    assert probes == ["before_commit", "before_commit"]


@needs_postgres
@on_postgres
def test_a_request_that_already_committed_answers_503_instead_of_running_twice(
    api: Api, probes: list[str]
) -> None:
    stale = api.post("/v1/test/lose-connection-after-commit")
    assert stale.status_code == 503
    assert stale.headers["Retry-After"] == "5"
    assert stale.get_json()["title"] == "Service unavailable"
    assert probes == ["after_commit"]
    assert api.post("/v1/test/lose-connection-after-commit").status_code == 200


def test_a_statement_error_is_not_run_again(api: Api, probes: list[str]) -> None:
    response = api.post("/v1/test/statement-error")
    assert response.status_code in (500, 503)  # SQLite calls a syntax error operational
    assert probes == ["statement_error"]
