"""Request-scoped glue shared by the JSON API and the pages: one DB session per request."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from flask import Flask, current_app, g, has_app_context, request
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from alertsvc.config import Settings
from alertsvc.i18n import Language, best_language
from alertsvc.runtime import Runtime
from alertsvc.services.ratelimit import CheckLimiter


def runtime() -> Runtime:
    return runtime_of(current_app)


def runtime_of(app: Flask) -> Runtime:
    value = app.extensions["alertsvc"]
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


def accepted_languages() -> tuple[str, ...]:
    """The request's Accept-Language tags, most wanted first (`*` left out)."""
    return _tags(request.headers.get("Accept-Language", ""))


@lru_cache(maxsize=512)
def _tags(header: str) -> tuple[str, ...]:
    # Apps send one of a few headers over and over: parse each once.
    return tuple(tag for tag, _q in parse_accept_header(header, LanguageAccept) if tag != "*")


@lru_cache(maxsize=512)
def _best(header: str) -> Language:
    return best_language(_tags(header))


def language() -> Language:
    """The language this request answers in: one a use case chose (`speak`), else the best
    match of Accept-Language, else English. Its tag goes out as Content-Language."""
    chosen: Language | None = g.get("language")
    if chosen is None:
        chosen = g.language = _best(request.headers.get("Accept-Language", ""))
    return chosen


def speak(chosen: Language) -> None:
    """Answer this request in `chosen` (a device's stored locale, a parent's picked language)."""
    g.language = chosen


def db() -> Session:
    """The request's session; the request commits it, teardown closes it."""
    if "db" not in g:
        g.db = runtime().sessions()
    session: Session = g.db
    return session


def reader() -> Connection:
    """The request's read connection (same pool, see `db.session.read_engine`): reads run
    outside any transaction, so a read-only answer costs no BEGIN/COMMIT round trips. Only
    for reads and single-statement writes followed by `commit_now`; anything that must be
    atomic goes through `db()`. Teardown closes it."""
    if "reader" not in g:
        g.reader = runtime().read_engine.connect()
    connection: Connection = g.reader
    return connection


def committed() -> bool:
    """Whether this request has committed anything yet (set by the engine's commit event)."""
    return bool(g.get("committed"))


def discard_connections() -> None:
    """Close the request's session and reader, so the next use checks out a fresh one."""
    session = g.pop("db", None)
    if session is not None:
        session.close()
    connection = g.pop("reader", None)
    if connection is not None:
        connection.close()


def _note_commit(_connection: Connection) -> None:
    if has_app_context():
        g.committed = True


def init_app(app: Flask) -> None:
    event.listen(runtime_of(app).engine, "commit", _note_commit)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        discard_connections()
