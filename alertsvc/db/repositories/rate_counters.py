"""Failed-attempt counters, one per key and minute, as stored (shared by every process)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alertsvc.db.models import RateCounter
from alertsvc.db.session import upsert


def load_counts(session: Session, keys: Sequence[str], window_start: datetime) -> list[int]:
    """The counts of those keys that have one in the minute starting at `window_start`."""
    return list(
        session.scalars(
            select(RateCounter.count).where(
                RateCounter.key.in_(keys), RateCounter.window_start == window_start
            )
        )
    )


def add_one(session: Session, keys: Sequence[str], window_start: datetime) -> None:
    """Count one more for each key in the minute starting at `window_start`."""
    for key in keys:
        statement = upsert(session, RateCounter).values(key=key, window_start=window_start, count=1)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[RateCounter.key, RateCounter.window_start],
                set_={"count": RateCounter.count + 1},
            )
        )
