"""The audit log as stored: entries in, `AuditRecord` values out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alertsvc.db.models import AuditEntry


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def add_entry(
    session: Session,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Add an entry in the caller's transaction; texts are cut to their columns' lengths."""
    session.add(
        AuditEntry(
            at=at,
            actor=actor[:254],
            action=action[:64],
            target=target[:128],
            before=before,
            after=after,
        )
    )


def load_newest(session: Session, limit: int) -> list[AuditRecord]:
    """The newest `limit` entries first (ties broken by insertion order)."""
    rows = session.scalars(
        select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    )
    return [
        AuditRecord(row.id, row.at, row.actor, row.action, row.target, row.before, row.after)
        for row in rows
    ]
