"""Rate limits (SPEC §5).

Failed attempts are counted in the database, so every process and host shares the count
(failures are rare, so the writes are cheap). Checks are counted per device in a `limits`
storage: `memory://` per process by default, or a shared `redis://` URL in production.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import select
from sqlalchemy.orm import Session

from alertsvc.db.models import RateCounter
from alertsvc.db.session import upsert
from alertsvc.services.ids import digest

WINDOW = timedelta(minutes=1)


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
    counts = session.scalars(
        select(RateCounter.count).where(
            RateCounter.key.in_(keys), RateCounter.window_start == start
        )
    ).all()
    if any(count >= limit for count in counts):
        return max(1, math.ceil((start + WINDOW - now).total_seconds()))
    return None


def record_failure(session: Session, keys: Sequence[str], now: datetime) -> None:
    start = _window_start(now)
    for key in keys:
        statement = upsert(session, RateCounter).values(key=key, window_start=start, count=1)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[RateCounter.key, RateCounter.window_start],
                set_={"count": RateCounter.count + 1},
            )
        )


class CheckLimiter:
    """At most `per_minute` checks per device per fixed minute."""

    def __init__(self, storage_url: str, per_minute: int) -> None:
        self._limiter = FixedWindowRateLimiter(storage_from_string(storage_url))
        self._item = RateLimitItemPerMinute(per_minute)

    def retry_after(self, device_id: str, now: datetime) -> int | None:
        if self._limiter.hit(self._item, device_id):
            return None
        reset = self._limiter.get_window_stats(self._item, device_id).reset_time
        return max(1, math.ceil(reset - now.timestamp()))
