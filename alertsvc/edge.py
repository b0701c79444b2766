"""Request-scoped glue shared by the JSON API and the pages: one DB session per request."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from alertsvc.config import Settings
from alertsvc.runtime import Runtime
from alertsvc.services.ratelimit import CheckLimiter


def runtime() -> Runtime:
    value = current_app.extensions["alertsvc"]
    assert isinstance(value, Runtime)  # noqa: S101 - set by create_app
    return value


def settings() -> Settings:
    return runtime().settings


class _Unlimited:
    def retry_after(self, _device_id: str, _now: datetime) -> int | None:
        return None


def check_limiter() -> CheckLimiter | _Unlimited:
    """The per-device check limit, or one that never limits when limits are off."""
    return runtime().check_limiter or _Unlimited()


def now() -> datetime:
    """The request's instant, read once so a request sees one consistent time."""
    if "now" not in g:
        g.now = runtime().clock()
    value: datetime = g.now
    return value


def db() -> Session:
    """The request's session; the request commits it, teardown closes it."""
    if "db" not in g:
        g.db = runtime().sessions()
    session: Session = g.db
    return session


def init_app(app: Flask) -> None:
    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db", None)
        if session is not None:
            session.close()
