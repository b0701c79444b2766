"""Shared test helpers: a settable clock and a small API client wrapper."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from alertsvc.db.models import Nudge


@dataclass
class FakeClock:
    """A clock the test moves by hand; pass it to create_app(clock=...)."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 25, 13, 5, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def set(self, instant: datetime) -> None:
        assert instant.tzinfo is not None
        self.now = instant

    def advance(self, **delta: float) -> None:
        self.now = self.now + timedelta(**delta)


@dataclass
class Api:
    """A test client that sends JSON and a bearer token."""

    client: FlaskClient
    token: str | None = None

    def _headers(self, token: str | None) -> dict[str, str]:
        token = token if token is not None else self.token
        return {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        headers = {**self._headers(kwargs.pop("token", None)), **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, json=json, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("POST", path, json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("PUT", path, json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("PATCH", path, json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("DELETE", path, **kwargs)

    def as_(self, token: str | None) -> Api:
        return Api(self.client, token)


def experiment_nudge(nudge_id: str, teen_id: str, at: datetime, key: str, variant: str) -> Nudge:
    """A stored nudge inside its window, attributed to an experiment variant (for results)."""
    return Nudge(
        id=nudge_id,
        teen_id=teen_id,
        at=at,
        local_date=at.date(),
        day_index=0,
        reason="in_school_hours",
        explanation="",
        window_start=at - timedelta(hours=1),
        window_end=at + timedelta(hours=1),
        title="t",
        body="b",
        experiment_key=key,
        variant_key=variant,
        schedule_version=1,
    )


@contextmanager
def counted_statements(session: Session) -> Iterator[list[str]]:
    """The SQL statements the session's engine sends inside the block, in order."""
    statements: list[str] = []
    engine = session.get_bind().engine

    def note(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)
