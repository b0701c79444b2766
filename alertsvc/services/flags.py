"""Operator switches (the kill switch). Checks read the switch in their own query
(`kill_switch_on`), so a change holds for every check answered after it commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, func, literal_column, select
from sqlalchemy.orm import Session

from alertsvc.db.models import ServiceFlag
from alertsvc.services import audit

KILL_SWITCH = "kill_switch"


@dataclass(frozen=True, slots=True)
class KillSwitch:
    enabled: bool
    reason: str
    updated_at: datetime | None
    updated_by: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "enabled": self.enabled,
            "reason": self.reason,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "updated_by": self.updated_by,
        }


OFF = KillSwitch(False, "", None, None)


def kill_switch_on() -> ColumnElement[Any]:
    """Whether the switch is on, as a column for the check's own query (a primary-key read, no
    round trip of its own). The key is written into the SQL, not bound: the check runs its
    statement with the token as the only parameter."""
    enabled = (
        select(ServiceFlag.enabled)
        .where(ServiceFlag.key == literal_column(f"'{KILL_SWITCH}'"))
        .scalar_subquery()
    )
    return func.coalesce(enabled, false())


def get_kill_switch(session: Session) -> KillSwitch:
    """The switch as stored: off until an operator first sets it."""
    row = session.get(ServiceFlag, KILL_SWITCH)
    if row is None:
        return OFF
    return KillSwitch(row.enabled, row.reason, row.updated_at, row.updated_by)


def set_kill_switch(
    session: Session, enabled: bool, reason: str, actor: str, now: datetime
) -> KillSwitch:
    """Turn the switch on or off, with an audit entry; every check after the commit sees it."""
    before = get_kill_switch(session)
    row = session.get(ServiceFlag, KILL_SWITCH)
    if row is None:
        row = ServiceFlag(key=KILL_SWITCH)
        session.add(row)
    row.enabled = enabled
    row.reason = reason
    row.updated_at = now
    row.updated_by = actor
    session.flush()
    after = KillSwitch(enabled, reason, now, actor)
    audit.record(
        session,
        actor,
        "kill_switch.enable" if enabled else "kill_switch.disable",
        KILL_SWITCH,
        {"enabled": before.enabled, "reason": before.reason},
        {"enabled": enabled, "reason": reason},
        now,
    )
    return after
