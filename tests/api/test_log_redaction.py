"""Whatever fails, no log line carries an email, nickname, comment, token, code or password:
the engine hides statement parameters and the formatter withholds every exception's message
(the fuzz runs in test_schemathesis.py scan their whole logs the same way)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import create_engine

from alertsvc import create_app
from alertsvc.config import Settings
from alertsvc.db.base import Base
from alertsvc.logs import exception_without_values
from alertsvc.services import teens
from tests import procs
from tests.logcapture import assert_nothing_personal, json_logs
from tests.support import Api, FakeClock

EMAIL = "rowan.redact@example.com"
PASSWORD = "correct horse redact"
NICKNAME = "Thessaly"
COMMENT = "revising for the physics test"


def _fails(first: str, then: str) -> None:
    try:
        raise LookupError(first)
    except LookupError as exc:
        raise RuntimeError(then) from exc


def test_an_exception_is_logged_as_types_and_frames_never_its_message() -> None:
    with pytest.raises(RuntimeError) as caught:
        _fails(f"Key (email)=({EMAIL}) already exists", f"nickname {NICKNAME!r}")
    written = exception_without_values(caught.value)
    assert "builtins.LookupError (message withheld)" in written
    assert "builtins.RuntimeError (message withheld)" in written
    assert "_fails" in written  # the frames are still there to debug with
    assert EMAIL not in written
    assert NICKNAME not in written


@pytest.fixture
def app_missing_a_table(settings: Settings, clock: FakeClock) -> Iterator[Flask]:
    """An app on a database of its own that lacks the guardianships table."""
    url = settings.database_url
    if url.startswith("sqlite"):
        url = url.replace("test.db", "missing-table.db")
        created = None
    else:
        created = f"{procs.base_database_name()}_redact_{uuid.uuid4().hex[:8]}"
        with procs.admin_connect() as admin:
            admin.execute(f'CREATE DATABASE "{created}"')
        url = url.rsplit("/", 1)[0] + "/" + created
    engine = create_engine(url)
    tables = [t for t in Base.metadata.sorted_tables if t.name != "guardianships"]
    Base.metadata.create_all(engine, tables=tables)
    engine.dispose()
    application = create_app(settings.with_(database_url=url), clock=clock)
    application.testing = True
    yield application
    application.extensions["alertsvc"].engine.dispose()
    if created:
        with procs.admin_connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')


def test_a_database_error_logs_no_value_of_the_statement(app_missing_a_table: Flask) -> None:
    """The missing table makes writes fail inside the database, with the nickname and the
    parent's email among the statement's values."""
    api = Api(app_missing_a_table.test_client())
    with json_logs() as logs:
        created = api.post("/v1/parents", {"email": EMAIL, "password": PASSWORD})
        token = api.post("/v1/auth/token", {"email": EMAIL, "password": PASSWORD})
        parent = api.as_(token.get_json()["token"])
        for _ in range(10):
            assert parent.get("/healthz").status_code == 200
        failed = parent.post("/v1/teens", {"nickname": NICKNAME, "timezone": "Europe/Rome"})
        for _ in range(10):
            parent.get("/v1/teens")
    assert created.status_code == 201
    assert failed.status_code >= 500
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    errors = [line for line in lines if line["level"] == "error"]
    assert errors, lines
    assert any(
        "message withheld" in line.get("exc", "") or "sqlstate" in line["msg"] for line in errors
    )
    assert parent.token is not None
    assert_nothing_personal(
        logs.getvalue(),
        {"email": EMAIL, "nickname": NICKNAME, "password": PASSWORD, "token": parent.token},
    )


def test_an_unexpected_error_carrying_personal_data_logs_none_of_it(
    parent: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValueError(f"could not save {NICKNAME} for {EMAIL}: {COMMENT}")

    monkeypatch.setattr(teens, "create_teen", broken)
    with json_logs() as logs:
        for _ in range(20):
            parent.get("/healthz")
        response = parent.post("/v1/teens", {"nickname": NICKNAME, "timezone": "Europe/Rome"})
    assert response.status_code == 500
    assert "builtins.ValueError (message withheld)" in logs.getvalue()
    assert_nothing_personal(
        logs.getvalue(), {"email": EMAIL, "nickname": NICKNAME, "comment": COMMENT}
    )
