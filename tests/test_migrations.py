"""Alembic: one head, a clean upgrade and downgrade, and no drift from the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import create_engine, inspect, text

import alertsvc.db.models  # noqa: F401 - registers the tables
from alertsvc.db.base import Base
from alertsvc.db.migrations import alembic_config, downgrade, head_revision, upgrade
from tests.conftest import POSTGRES_URL, postgres_url


def test_there_is_exactly_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    assert head_revision() == script.get_current_head()


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("ALERTSVC_TEST_POSTGRES_URL is not set")
    base = postgres_url()
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = "alertsvc_migrations_test"
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_creates_every_table_and_downgrade_removes_them(empty_database: str) -> None:
    upgrade(empty_database)
    assert _tables(empty_database) == set(Base.metadata.tables)
    downgrade(empty_database, "base")
    assert _tables(empty_database) == set()


def test_models_and_migrations_do_not_drift(empty_database: str) -> None:
    upgrade(empty_database)
    try:
        command.check(alembic_config(empty_database))
    except CommandError as exc:  # pragma: no cover - the failure message is the point
        pytest.fail(f"models differ from migrations; add a revision: {exc}")
