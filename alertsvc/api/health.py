"""Liveness and readiness for operators and load balancers."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from alertsvc.api.io import json_response
from alertsvc.db.migrations import current_revision, head_revision
from alertsvc.http import edge
from alertsvc.http.problems import Problem

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> ResponseReturnValue:
    return json_response({"status": "ok"})


@blueprint.get("/readyz")
def readyz() -> ResponseReturnValue:
    try:
        with edge.runtime().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            revision = current_revision(connection)
    except SQLAlchemyError:
        raise Problem(
            503,
            "Service unavailable",
            "The database is unreachable.",
            headers={"Retry-After": "5"},
        ) from None
    head = head_revision()
    if revision != head:
        raise Problem(
            503,
            "Service unavailable",
            f"Database schema is at {revision}, expected {head}: run `alertsvc db upgrade`.",
            headers={"Retry-After": "30"},
        )
    return json_response({"status": "ready", "schema": revision})
