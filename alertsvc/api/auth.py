"""Credentials at the edge: bearer tokens for parents, devices and admins."""

from __future__ import annotations

from flask import g, request

from alertsvc.domain.errors import NotAuthenticatedError
from alertsvc.domain.message import msg
from alertsvc.http import edge
from alertsvc.http.attempts import guard_failures as guard_failures  # for the device routes
from alertsvc.http.attempts import note_failure as note_failure  # for the device routes
from alertsvc.http.problems import Problem
from alertsvc.services import accounts
from alertsvc.services.accounts import Identity


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def require_parent() -> Identity:
    """The parent behind the request's bearer token, or `NotAuthenticatedError` (401)."""
    token = bearer_token()
    identity = accounts.identity_for_token(edge.db(), token, "api", edge.now()) if token else None
    if identity is None:
        raise NotAuthenticatedError
    g.authenticated = True
    return identity


def require_admin() -> Identity:
    identity = require_parent()
    if not identity.is_admin:
        raise Problem(403, msg("Forbidden"), msg("This needs the admin role."))
    return identity
