"""Retention: forget what we no longer need (SPEC principle 5), in bounded batches.

Nudges and acks go with their counts kept: each purged batch is added to the experiments'
per-variant tallies in the same transaction (`experiments.tally_removed`), so results never
shrink when nudges pass the retention period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from alertsvc.db.repositories import retention as rows
from alertsvc.services.experiments import RemovedNudge, tally_removed

BATCH = 1000


@dataclass(frozen=True, slots=True)
class Purged:
    nudges: int = 0
    acks: int = 0
    pairing_codes: int = 0
    tokens: int = 0
    rate_counters: int = 0


def purge_old_nudges(session: Session, cutoff: datetime, batch: int = BATCH) -> tuple[int, int]:
    """Delete up to `batch` nudges older than `cutoff`, with their acks, adding what was
    deleted to the experiment tallies first; (nudges, acks).

    The counts come from the deletes themselves (RETURNING), so nothing is lost or counted
    twice: on PostgreSQL the nudges are locked first, so no ack can be added to one of them
    (and then vanish by cascade) between the two deletes; on SQLite the first delete holds
    the database's write lock until commit."""
    ids = rows.lock_old_nudges(session, cutoff, batch)
    if not ids:
        return 0, 0
    acks = rows.delete_acks_of(session, ids)
    nudges = rows.delete_nudges(session, ids)
    tally_removed(session, [RemovedNudge(*nudge) for nudge in nudges], acks)
    return len(nudges), len(acks)


def purge_expired(session: Session, now: datetime) -> tuple[int, int, int]:
    """Expired pairing codes, expired tokens/sessions and finished rate-limit windows."""
    return (
        rows.delete_expired_codes(session, now),
        rows.delete_expired_tokens(session, now),
        rows.delete_counters_before(session, now - timedelta(minutes=2)),
    )


def purge(session: Session, now: datetime, retention_days: int, batch: int = BATCH) -> Purged:
    """One batch of everything retention removes; call again while it returns work."""
    nudges, acks = purge_old_nudges(session, now - timedelta(days=retention_days), batch)
    codes, tokens, counters = purge_expired(session, now)
    return Purged(nudges, acks, codes, tokens, counters)
