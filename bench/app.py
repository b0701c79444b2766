"""The bench app: the real app plus reference routes, and a raw WSGI callable."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, request
from flask.typing import ResponseReturnValue

from alertsvc import create_app, edge
from alertsvc.api.io import json_response
from alertsvc.config import Settings

HELLO = b'{"hello":"world"}'


def make_bench_app(settings: Settings) -> Flask:
    """`create_app` plus `/bench/hello` (JSON, no DB) and `/bench/pk` (a raw-driver PK read)."""
    app = create_app(settings)
    engine = edge_engine(app)
    marker = "%s" if engine.dialect.name == "postgresql" else "?"
    sql = f"SELECT id, timezone, country FROM teens WHERE id = {marker}"  # noqa: S608 - constant

    @app.get("/bench/hello")
    def hello() -> ResponseReturnValue:
        return json_response({"hello": "world"})

    @app.get("/bench/pk")
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
