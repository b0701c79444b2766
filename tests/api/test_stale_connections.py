"""The pool does not ping each connection at checkout (a round trip per request); a connection
that died while pooled is found when used. The check retries its read once on a fresh
connection, so the teen's app never sees the stale connection; another route answers one 503
with Retry-After (never a 500), after which the pool has reconnected."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from alertsvc import edge
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
def test_another_route_on_a_dead_connection_answers_one_503_then_recovers(
    teen_and_device: tuple[str, Api], parent: Api
) -> None:
    teen, _device = teen_and_device
    assert _kill_app_connections() >= 1

    stale = parent.get(f"/v1/teens/{teen}")

    assert stale.status_code == 503
    assert stale.headers["Retry-After"] == "5"
    assert stale.get_json()["title"] == "Service unavailable"
    assert parent.get(f"/v1/teens/{teen}").status_code == 200


def test_read_retries_only_a_lost_connection(app: Flask) -> None:
    calls = 0

    def broken(connection: object) -> None:
        nonlocal calls
        calls += 1
        edge.reader().execute(text("SELEC 1"))  # a statement error, not a lost connection

    with app.app_context(), pytest.raises(DBAPIError) as raised:
        edge.read(broken)
    assert not raised.value.connection_invalidated
    assert calls == 1
