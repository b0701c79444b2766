"""Operator switches (the kill switch). Checks read the switch in their own query
(`db.repositories.flags.flag_on`), so a change holds for every check answered after it commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from alertsvc.db.repositories import flags as store
from alertsvc.db.repositories.flags import KILL_SWITCH, Flag
from alertsvc.services import audit

KillSwitch = Flag
OFF = KillSwitch(False, "", None, None)


def get_kill_switch(session: Session) -> KillSwitch:
    """The switch as stored: off until an operator first sets it."""
    return store.load_flag(session, KILL_SWITCH) or OFF


def set_kill_switch(
    session: Session, enabled: bool, reason: str, actor: str, now: datetime
) -> KillSwitch:
    """Turn the switch on or off, with an audit entry; every check after the commit sees it."""
    before = get_kill_switch(session)
    after = store.save_flag(session, KILL_SWITCH, enabled, reason, actor, now)
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
