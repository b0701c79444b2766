"""The bench app: the real app plus reference routes, and a raw WSGI callable."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, request
from flask.typing import ResponseReturnValue

from alertsvc import create_app
from alertsvc.api.auth import bearer_token
from alertsvc.api.devices import CheckIn
from alertsvc.api.io import json_response, parse_json
from alertsvc.clock import Clock, utc_now
from alertsvc.config import Settings
from alertsvc.db.repositories import subject as subjects
from alertsvc.http import edge
from alertsvc.services.ids import digest
from bench.common import HELLO_PATH, PK_PATH, STEP_PATHS

HELLO = b'{"hello":"world"}'

# A check answer's shape and size (a frequency cap inside the school window), for the ablation
# routes: they answer what a check answers without deciding it.
CHECK_SHAPED = {
    "nudge": None,
    "reason": "frequency_cap",
    "explanation": "School hours today are 08:00\u201315:00 (America/New_York); "
    "a reminder can come again after 10:42.",
    "window": {"start": "2026-11-30T13:00:00Z", "end": "2026-11-30T20:00:00Z"},
    "next_check_at": "2026-11-30T15:42:17Z",
    "experiment": None,
    "schedule_version": 1,
}


def make_bench_app(settings: Settings, clock: Clock = utc_now) -> Flask:
    """`create_app` plus HELLO_PATH (JSON, no DB), PK_PATH (a raw-driver PK read) and
    the ablation steps between hello and the check (`bench.ablation`)."""
    app = create_app(settings, clock=clock)
    engine = edge_engine(app)
    marker = "%s" if engine.dialect.name == "postgresql" else "?"
    sql = f"SELECT id, timezone, country FROM teens WHERE id = {marker}"  # noqa: S608 - constant

    @app.get(HELLO_PATH)
    def hello() -> ResponseReturnValue:
        return json_response({"hello": "world"})

    @app.get(PK_PATH)
    def primary_key() -> ResponseReturnValue:
        conn = engine.raw_connection()  # pooled DBAPI connection, no ORM, no Core compile
        try:
            cur = conn.cursor()
            cur.execute(sql, (request.args.get("id", ""),))
            row = cur.fetchone()
            cur.close()
            conn.rollback()
        finally:
            conn.close()
        return json_response({"found": row is not None})

    # The ablation steps live under /v1 like the check, so they get the API's treatment: a POST
    # outside /v1 without a form token is refused by the CSRF check (an HTML error page), and
    # measuring that instead of the step is the mistake these routes exist to avoid.
    def read_check_request() -> str | None:
        """What the check does with its request before any database work."""
        parse_json(CheckIn, allow_empty=True)
        return bearer_token()

    def check_shaped(found: object) -> ResponseReturnValue:
        return json_response(CHECK_SHAPED) if found else json_response({"token": None}, 401)

    @app.post(STEP_PATHS["shape"])
    def check_shape() -> ResponseReturnValue:
        """The check's request and a check-sized answer: body parsed, token read, no DB."""
        return check_shaped(read_check_request())

    @app.post(STEP_PATHS["subject"])
    def check_subject() -> ResponseReturnValue:
        """`check_shape` plus the check's subject read: a connection and the one query."""
        token = read_check_request()
        return check_shaped(token and subjects.find_subject(edge.reader(), digest(token)))

    return app


def edge_engine(app: Flask) -> Any:
    with app.app_context():
        return edge.runtime().engine


def raw_wsgi(
    environ: dict[str, Any], start_response: Callable[[str, list[tuple[str, str]]], Any]
) -> Iterable[bytes]:
    """The floor: a WSGI callable answering the hello-world JSON with no framework at all."""
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(HELLO)))]
    )
    return [HELLO]
