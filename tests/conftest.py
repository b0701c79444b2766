"""Fixtures: a fresh app per test on SQLite, and the same tests on PostgreSQL when
ALERTSVC_TEST_POSTGRES_URL is set.

PostgreSQL runs each test against tables created once and truncated after the test. The app
opens its own sessions per request (and concurrency tests need real commits), so truncation
is simpler and more faithful here than a savepoint wrapped around each test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

import alertsvc.db.models  # noqa: F401 - registers the tables
from alertsvc import create_app
from alertsvc.config import RateLimits, Settings
from alertsvc.db.base import Base
from tests.support import Api, FakeClock

POSTGRES_URL = os.environ.get("ALERTSVC_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


def postgres_url() -> str:
    assert POSTGRES_URL is not None
    url = POSTGRES_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


_pg_ready = False


def _prepare_postgres() -> str:
    global _pg_ready
    url = postgres_url()
    if not _pg_ready:
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        Base.metadata.create_all(engine)
        engine.dispose()
        _pg_ready = True
    return url


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        yield url
        return
    url = _prepare_postgres()
    try:
        yield url
    finally:
        _truncate_postgres(url)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key",
        environment="test",
        csrf_enabled=False,
        rate_limits=RateLimits(enabled=True),
        fast_password_hashing=True,
    )


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[Flask]:
    application = create_app(settings, clock=clock)
    application.testing = True
    yield application
    application.extensions["alertsvc"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


_counter = iter(range(1, 1_000_000))


def sign_up(api: Api, email: str | None = None, password: str = "correct horse battery") -> str:
    """Register a parent and return a bearer token for them."""
    email = email or f"parent{next(_counter)}@example.com"
    created = api.post("/v1/parents", {"email": email, "password": password})
    assert created.status_code == 201, created.get_json()
    issued = api.post("/v1/auth/token", {"email": email, "password": password})
    assert issued.status_code == 200, issued.get_json()
    token = issued.get_json()["token"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    return str(token)


@pytest.fixture
def parent(api: Api) -> Api:
    """An API client signed in as a fresh parent."""
    return api.as_(sign_up(api))


ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse admin staple"


@pytest.fixture
def admin(app: Flask, api: Api, clock: FakeClock) -> Api:
    """An API client with an admin's bearer token."""
    from alertsvc.http import edge
    from alertsvc.services import accounts

    with app.app_context():
        session = edge.db()
        accounts.make_admin(session, ADMIN_EMAIL, ADMIN_PASSWORD, clock())
        session.commit()
    issued = api.post("/v1/auth/token", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert issued.status_code == 200
    return api.as_(issued.get_json()["token"])


@pytest.fixture
def other_parent(api: Api) -> Api:
    """A second, unrelated family."""
    return api.as_(sign_up(api))
