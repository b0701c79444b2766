"""Rate limits (SPEC §5).

Failed attempts are counted in the database, so every process and host shares the count
(failures are rare, so the writes are cheap). Checks are counted per device by `limits` in
the store `Settings.rate_limit_storage_url` names: by default a SQLite file in the instance
folder, shared by every process on the host (`limit_store`); a `redis://` URL shares the
count across hosts; `memory://` counts per process.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from limits import RateLimitItemPerMinute
from limits.errors import ConfigurationError, StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.orm import Session

from alertsvc.clock import Clock, utc_now
from alertsvc.db.repositories import rate_counters
from alertsvc.services.ids import digest
from alertsvc.services.limit_store import SQLiteStorage

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=1)
# A check waits at most this long for Redis before the limiter gives up and lets it through
# (redis-py's default is 5 s); a `socket_timeout` in the URL's query wins.
REDIS_TIMEOUT_SECONDS = 0.25


def failure_keys(kind: str, address: str | None, account: str | None = None) -> list[str]:
    """Counter keys for one kind of failure; hashed so no address or email is stored."""
    keys = [digest(f"{kind}:addr:{address or '-'}")]
    if account:
        keys.append(digest(f"{kind}:acct:{account.strip().lower()}"))
    return keys


def _window_start(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def retry_after_failures(
    session: Session, keys: Sequence[str], now: datetime, limit: int
) -> int | None:
    """Seconds to wait if any key has used up its failures this minute, else None."""
    start = _window_start(now)
    if any(count >= limit for count in rate_counters.load_counts(session, keys, start)):
        return max(1, math.ceil((start + WINDOW - now).total_seconds()))
    return None


def record_failure(session: Session, keys: Sequence[str], now: datetime) -> None:
    """Count one failure for each key in the current minute."""
    rate_counters.add_one(session, keys, _window_start(now))


def open_storage(url: str, clock: Clock = utc_now) -> Storage:
    """The `limits` storage a URL names; its errors surface as `limits.errors.StorageError`."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        return SQLiteStorage(url, wrap_exceptions=True, clock=lambda: clock().timestamp())
    options: dict[str, Any] = {}
    if scheme in {"redis", "rediss", "redis+unix"}:
        options = {
            "socket_timeout": REDIS_TIMEOUT_SECONDS,
            "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        }
    storage = storage_from_string(url, wrap_exceptions=True, **options)
    if not isinstance(storage, Storage):  # an async+… URL
        raise ConfigurationError(f"not a synchronous rate-limit storage: {_describe(url)}")
    return storage


class CheckLimiter:
    """At most `per_minute` checks per device in a minute that starts at its first check.

    A store that fails (unreachable, busy past its timeout, damaged) lets the check through
    and logs once until it recovers: a rate limit that fails closed would stop every
    reminder of every device, while one that fails open only stops protecting for a while.
    """

    def __init__(
        self,
        storage_url: str,
        per_minute: int,
        *,
        clock: Clock = utc_now,
        namespace: str = "alertsvc-checks",
    ) -> None:
        self._limiter = FixedWindowRateLimiter(open_storage(storage_url, clock))
        self._item = RateLimitItemPerMinute(per_minute, namespace=namespace)
        self._store = _describe(storage_url)
        self._failing = False

    def retry_after(self, device_id: str, now: datetime) -> int | None:
        """Count a check; seconds to wait if the device has used up its minute, else None.

        `now` is the request's instant, from the same clock the store reads."""
        try:
            wait = None
            if not self._limiter.hit(self._item, device_id):
                reset = self._limiter.get_window_stats(self._item, device_id).reset_time
                # Never past the window's length: Redis counts its TTL in whole seconds.
                wait = min(max(1, math.ceil(reset - now.timestamp())), self._item.get_expiry())
        except StorageError as exc:
            if not self._failing:
                self._failing = True
                log.warning(
                    "rate-limit store failed; checks are not limited until it recovers",
                    extra={"store": self._store, "error": repr(exc.storage_error)},
                )
            return None
        if self._failing:
            self._failing = False
            log.warning("rate-limit store recovered", extra={"store": self._store})
        return wait


def _describe(url: str) -> str:
    """The store's URL without credentials, for logs."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"
