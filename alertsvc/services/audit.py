"""The audit log: every admin and automatic change, who made it, and what it was before."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from alertsvc.db.repositories import audit as store
from alertsvc.db.repositories.audit import AuditRecord

__all__ = ["GUARDRAIL_ACTOR", "MAX_LIMIT", "AuditRecord", "list_audit", "record"]


MAX_LIMIT = 500
# Actors that are not people: the guardrail job signs its own changes.
GUARDRAIL_ACTOR = "guardrail"


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
    store.add_entry(session, now, actor, action, target, before, after)


def list_audit(session: Session, limit: int = 50) -> list[AuditRecord]:
    """The newest entries first (ties broken by insertion order), at most `MAX_LIMIT`."""
    return store.load_newest(session, max(1, min(limit, MAX_LIMIT)))
