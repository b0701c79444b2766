"""The audit log: every admin and automatic change, who made it, and what it was before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alertsvc.db.models import AuditEntry

MAX_LIMIT = 500
# Actors that are not people: the guardrail job signs its own changes.
GUARDRAIL_ACTOR = "guardrail"


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def record(
    session: Session,
    actor: str,
    action: str,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime,
) -> None:
    """Add an entry in the caller's transaction, so a change and its audit commit together."""
    session.add(
        AuditEntry(
            at=now,
            actor=actor[:254],
            action=action[:64],
            target=target[:128],
            before=before,
            after=after,
        )
    )


def list_audit(session: Session, limit: int = 50) -> list[AuditRecord]:
    """The newest entries first (ties broken by insertion order)."""
    limit = max(1, min(limit, MAX_LIMIT))
    rows = session.scalars(
        select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    )
    return [
        AuditRecord(row.id, row.at, row.actor, row.action, row.target, row.before, row.after)
        for row in rows
    ]
