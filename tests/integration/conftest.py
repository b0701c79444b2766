"""What the integration modules share: a session on the test app's database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session of the app's own session factory (its database: SQLite or PostgreSQL)."""
    with app.extensions["alertsvc"].sessions() as db:
        yield db
