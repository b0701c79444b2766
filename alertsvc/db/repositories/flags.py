"""Operator switches as stored (the kill switch): rows <-> `Flag` values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, func, literal_column, select
from sqlalchemy.orm import Session

from alertsvc.db.models import ServiceFlag

# The operators' switch that stops every nudge at once.
KILL_SWITCH = "kill_switch"


@dataclass(frozen=True, slots=True)
class Flag:
    """A switch, who last set it, when and why (`updated_*` are None until first set)."""

    enabled: bool
    reason: str
    updated_at: datetime | None
    updated_by: str | None


def flag_on(key: str) -> ColumnElement[Any]:
    """Whether the switch `key` is on, as a column for the check's own query (a primary-key
    read, no round trip of its own). The key is written into the SQL, not bound: the check
    runs its statement with the token as the only parameter."""
    enabled = (
        select(ServiceFlag.enabled)
        .where(ServiceFlag.key == literal_column(f"'{key}'"))
        .scalar_subquery()
    )
    return func.coalesce(enabled, false())


def load_flag(session: Session, key: str) -> Flag | None:
    """The switch as stored; None until an operator first sets it."""
    row = session.get(ServiceFlag, key)
    if row is None:
        return None
    return Flag(row.enabled, row.reason, row.updated_at, row.updated_by)


def save_flag(
    session: Session, key: str, enabled: bool, reason: str, actor: str, now: datetime
) -> Flag:
    """Set the switch `key`, as `actor` at `now`."""
    row = session.get(ServiceFlag, key)
    if row is None:
        row = ServiceFlag(key=key)
        session.add(row)
    row.enabled = enabled
    row.reason = reason
    row.updated_at = now
    row.updated_by = actor
    session.flush()
    return Flag(enabled, reason, now, actor)
