"""Retention: forget what we no longer need (SPEC principle 5), in bounded batches.

Nudges and acks go with their counts kept: each purged batch is added to the experiments'
per-variant tallies in the same transaction (`experiments.tally_removed`), so results never
shrink when nudges pass the retention period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from alertsvc.db.models import Ack, Nudge, PairingCode, ParentToken, RateCounter
from alertsvc.services.experiments import RemovedNudge, tally_removed

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
    """Delete up to `batch` nudges older than `cutoff`, with their acks, adding what was
    deleted to the experiment tallies first; (nudges, acks).

    The counts come from the deletes themselves (RETURNING), so nothing is lost or counted
    twice: on PostgreSQL the nudges are locked first, so no ack can be added to one of them
    (and then vanish by cascade) between the two deletes; on SQLite the first delete holds
    the database's write lock until commit."""
    ids = session.scalars(
        select(Nudge.id).where(Nudge.at < cutoff).order_by(Nudge.at).limit(batch).with_for_update()
    ).all()
    if not ids:
        return 0, 0
    acks = session.execute(
        delete(Ack)
        .where(Ack.nudge_id.in_(ids))
        .returning(Ack.nudge_id, Ack.action)
        .execution_options(synchronize_session=False)
    ).all()
    nudges = session.execute(
        delete(Nudge)
        .where(Nudge.id.in_(ids))
        .returning(Nudge.id, Nudge.teen_id, Nudge.at)
        .execution_options(synchronize_session=False)
    ).all()
    tally_removed(
        session,
        [RemovedNudge(nudge_id, teen_id, at) for nudge_id, teen_id, at in nudges],
        [(nudge_id, action) for nudge_id, action in acks],
    )
    return len(nudges), len(acks)


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
