"""Retention: forget what we no longer need (SPEC principle 5), in bounded batches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from alertsvc.db.models import Ack, Nudge, PairingCode, ParentToken, RateCounter

BATCH = 1000


@dataclass(frozen=True, slots=True)
class Purged:
    nudges: int = 0
    acks: int = 0
    pairing_codes: int = 0
    tokens: int = 0
    rate_counters: int = 0


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def purge_old_nudges(session: Session, cutoff: datetime, batch: int = BATCH) -> tuple[int, int]:
    """Delete up to `batch` nudges older than `cutoff`, with their acks; (nudges, acks)."""
    ids = session.scalars(
        select(Nudge.id).where(Nudge.at < cutoff).order_by(Nudge.at).limit(batch)
    ).all()
    if not ids:
        return 0, 0
    acks = _rowcount(session.execute(delete(Ack).where(Ack.nudge_id.in_(ids))))
    nudges = _rowcount(session.execute(delete(Nudge).where(Nudge.id.in_(ids))))
    return nudges, acks


def purge_expired(session: Session, now: datetime) -> tuple[int, int, int]:
    """Expired pairing codes, expired tokens/sessions and finished rate-limit windows."""
    codes = _rowcount(session.execute(delete(PairingCode).where(PairingCode.expires_at <= now)))
    tokens = _rowcount(session.execute(delete(ParentToken).where(ParentToken.expires_at <= now)))
    counters = _rowcount(
        session.execute(
            delete(RateCounter).where(RateCounter.window_start < now - timedelta(minutes=2))
        )
    )
    return codes, tokens, counters


def purge(session: Session, now: datetime, retention_days: int, batch: int = BATCH) -> Purged:
    """One batch of everything retention removes; call again while it returns work."""
    nudges, acks = purge_old_nudges(session, now - timedelta(days=retention_days), batch)
    codes, tokens, counters = purge_expired(session, now)
    return Purged(nudges, acks, codes, tokens, counters)
