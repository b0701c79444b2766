"""The two apps a benchmark serves: the floor (issue 19) and the service itself."""

from __future__ import annotations

import hashlib

import orjson
from flask import Flask, Response, request
from sqlalchemy import text

from alertsvc import create_app
from alertsvc.clock import Clock, utc_now
from alertsvc.config import Settings
from alertsvc.db.session import make_engine, read_engine

KINDS = ("service", "floor")


def make_floor_app(settings: Settings) -> Flask:
    """The floor: a bare Flask app (not the service's: no hooks, no request id, no access log,
    no metrics, no security headers) answering `POST /v1/check` with one indexed read of the
    device by its bearer token's digest and a small JSON, on the service's engine settings and
    read path (`make_engine`, `read_engine`: autocommit reads on PostgreSQL, as the check
    reads). Its `GET /healthz` is as bare, for the bench's readiness probe."""
    app = Flask("floor")
    engine = read_engine(make_engine(settings))
    query = text("SELECT id, teen_id FROM devices WHERE token_hash = :digest")

    @app.post("/v1/check")
    def check() -> Response:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip()
        digest = hashlib.sha256(token.encode()).hexdigest()
        with engine.connect() as connection:
            row = connection.execute(query, {"digest": digest}).first()
        if row is None:
            return Response(b'{"error":"unknown token"}', 401, mimetype="application/json")
        body = orjson.dumps({"device": row.id, "teen": row.teen_id})
        return Response(body, mimetype="application/json")

    @app.get("/healthz")
    def healthz() -> Response:
        return Response(b'{"status":"ok"}', mimetype="application/json")

    return app


def make_service_app(settings: Settings, clock: Clock = utc_now) -> Flask:
    """The service, exactly as `alertsvc serve` builds it."""
    return create_app(settings, clock=clock)


def make_app(kind: str, settings: Settings, clock: Clock = utc_now) -> Flask:
    """`kind` is one of KINDS; the floor has no clock."""
    if kind == "floor":
        return make_floor_app(settings)
    if kind == "service":
        return make_service_app(settings, clock)
    raise ValueError(f"unknown app {kind!r}; one of {KINDS}")
