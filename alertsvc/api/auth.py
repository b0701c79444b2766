"""Credentials at the edge: bearer tokens for parents, devices and admins."""

from __future__ import annotations

from flask import g, request

from alertsvc.http import edge
from alertsvc.http.problems import Problem, too_many, unauthorized
from alertsvc.services import accounts, ratelimit
from alertsvc.services.accounts import Identity


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def client_address() -> str:
    return request.remote_addr or "-"


def require_parent() -> Identity:
    """The parent behind the request's bearer token, or a 401 problem."""
    token = bearer_token()
    identity = accounts.identity_for_token(edge.db(), token, "api", edge.now()) if token else None
    if identity is None:
        raise unauthorized()
    g.authenticated = True
    return identity


def require_admin() -> Identity:
    identity = require_parent()
    if not identity.is_admin:
        raise Problem(403, "Forbidden", "This needs the admin role.")
    return identity


def guard_failures(kind: str, account: str | None = None) -> list[str]:
    """Refuse with 429 once this address or account has failed too often this minute."""
    limits = edge.settings().rate_limits
    keys = ratelimit.failure_keys(kind, client_address(), account)
    if limits.enabled:
        wait = ratelimit.retry_after_failures(
            edge.db(), keys, edge.now(), limits.failures_per_minute
        )
        if wait is not None:
            raise too_many(wait)
    return keys


def note_failure(keys: list[str]) -> None:
    """Count a failed attempt; committed at once, since the request itself will fail."""
    if edge.settings().rate_limits.enabled:
        session = edge.db()
        ratelimit.record_failure(session, keys, edge.now())
        session.commit()
