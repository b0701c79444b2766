"""What retention deletes: old nudges with their acks, and expired secrets and counters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from alertsvc.db.models import Ack, Nudge, PairingCode, ParentToken, RateCounter


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def lock_old_nudges(session: Session, cutoff: datetime, batch: int) -> Sequence[str]:
    """Up to `batch` ids of nudges older than `cutoff`, oldest first, locked (PostgreSQL)
    so no ack can be added to one of them until the purge commits."""
    return session.scalars(
        select(Nudge.id).where(Nudge.at < cutoff).order_by(Nudge.at).limit(batch).with_for_update()
    ).all()


def delete_acks_of(session: Session, nudge_ids: Sequence[str]) -> list[tuple[str, str]]:
    """Delete the nudges' acks; (nudge id, action) of each one deleted."""
    rows = session.execute(
        delete(Ack)
        .where(Ack.nudge_id.in_(nudge_ids))
        .returning(Ack.nudge_id, Ack.action)
        .execution_options(synchronize_session=False)
    ).all()
    return [(nudge_id, action) for nudge_id, action in rows]


def delete_nudges(session: Session, nudge_ids: Sequence[str]) -> list[tuple[str, str, datetime]]:
    """Delete the nudges; (id, teen id, instant) of each one deleted."""
    rows = session.execute(
        delete(Nudge)
        .where(Nudge.id.in_(nudge_ids))
        .returning(Nudge.id, Nudge.teen_id, Nudge.at)
        .execution_options(synchronize_session=False)
    ).all()
    return [(nudge_id, teen_id, at) for nudge_id, teen_id, at in rows]


def delete_expired_codes(session: Session, now: datetime) -> int:
    return _rowcount(session.execute(delete(PairingCode).where(PairingCode.expires_at <= now)))


def delete_expired_tokens(session: Session, now: datetime) -> int:
    return _rowcount(session.execute(delete(ParentToken).where(ParentToken.expires_at <= now)))


def delete_counters_before(session: Session, start: datetime) -> int:
    """Rate-limit windows that began before `start`."""
    return _rowcount(session.execute(delete(RateCounter).where(RateCounter.window_start < start)))
