"""Liveness and readiness for operators and load balancers."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from alertsvc.api.io import json_response
from alertsvc.db.migrations import current_revision, head_revision
from alertsvc.domain.errors import UnavailableError
from alertsvc.domain.message import msg
from alertsvc.http import edge

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
        raise UnavailableError(msg("The database is unreachable."), retry_after=5) from None
    head = head_revision()
    if revision != head:
        raise UnavailableError(
            msg(
                "Database schema is at %(revision)s, expected %(head)s: run `alertsvc db upgrade`.",
                revision=str(revision),
                head=str(head),
            ),
            retry_after=30,
        )
    return json_response({"status": "ready", "schema": revision})
