"""Failed attempts with a secret (logging in, pairing), counted per client address and per
account: after too many in a minute, both faces refuse with `RateLimitedError`."""

from __future__ import annotations

from flask import request

from alertsvc.domain.errors import RateLimitedError
from alertsvc.http import edge
from alertsvc.services import accounts, ratelimit
from alertsvc.services.accounts import Identity


def client_address() -> str:
    return request.remote_addr or "-"


def guard_failures(kind: str, account: str | None = None) -> list[str]:
    """The counter keys of this attempt; `RateLimitedError` once this address or account has
    failed too often this minute."""
    limits = edge.settings().rate_limits
    keys = ratelimit.failure_keys(kind, client_address(), account)
    if limits.enabled:
        wait = ratelimit.retry_after_failures(
            edge.db(), keys, edge.now(), limits.failures_per_minute
        )
        if wait is not None:
            raise RateLimitedError(wait)
    return keys


def note_failure(keys: list[str]) -> None:
    """Count a failed attempt; committed at once, since the request itself will fail."""
    if edge.settings().rate_limits.enabled:
        session = edge.db()
        ratelimit.record_failure(session, keys, edge.now())
        session.commit()


def authenticate(email: str, password: str) -> Identity:
    """The parent for these credentials; `WrongPasswordError` (counted as a failure) or
    `RateLimitedError` after too many failures."""
    keys = guard_failures("login", email)
    try:
        return accounts.log_in(edge.db(), email, password, passwords=edge.runtime().passwords)
    except accounts.WrongPasswordError:
        note_failure(keys)
        raise
