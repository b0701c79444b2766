"""Acks from the teen's app, pause/resume, and the history parents see."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from alertsvc.db import repositories
from alertsvc.db.repositories import nudges as store
from alertsvc.db.repositories.nudges import NudgeView
from alertsvc.db.teen_state import (
    MAX_ATTEMPTS,
    StateConflictError,
    load_state,
    save_state,
    set_pause,
)
from alertsvc.domain.errors import (
    FieldError,
    InvalidFieldsError,
    NotAuthenticatedError,
    NotFoundError,
)
from alertsvc.domain.message import msg
from alertsvc.domain.schedule import LAST_SUPPORTED_DATE, Policy
from alertsvc.domain.state import AckAction, with_ack
from alertsvc.services import pairing


def pause(session: Session, teen_id: str, until: datetime, now: datetime) -> None:
    """No reminders until `until`, which must be in the future and before 2038."""
    if until <= now:
        raise InvalidFieldsError([FieldError("until", msg("must be in the future"))])
    if until.date() > LAST_SUPPORTED_DATE:
        raise InvalidFieldsError([FieldError("until", msg("must be before %(year)d", year=2038))])
    set_pause(session, teen_id, until)


def resume(session: Session, teen_id: str) -> None:
    """Reminders follow the schedule again from now."""
    set_pause(session, teen_id, None)


def acknowledge(
    session: Session,
    token: str | None,
    nudge_id: str,
    action: AckAction,
    comment: str | None,
    now: datetime,
) -> None:
    """The teen's app acks one of its teen's nudges, authenticated by its device token.

    Raises NotAuthenticatedError for a missing or unknown token, NotFoundError when the nudge
    is not this teen's."""
    device = pairing.device_for_token(session, token) if token else None
    if device is None:
        raise NotAuthenticatedError()
    _record_ack(
        session,
        teen_id=device.teen_id,
        nudge_id=nudge_id,
        action=action.value,
        comment=comment,
        now=now,
    )


def _record_ack(
    session: Session,
    *,
    teen_id: str,
    nudge_id: str,
    action: str,
    comment: str | None,
    now: datetime,
) -> None:
    """Store an ack once per (nudge, action) and fold it into the teen's state.

    Raises NotFoundError when the nudge is not this teen's. A repeated ack is accepted and
    changes nothing.
    """
    place = store.nudge_place(session, teen_id, nudge_id)
    if place is None:
        raise NotFoundError("nudge")
    if not store.add_ack_once(session, teen_id, nudge_id, action, now, comment):
        return  # the same ack again: accepted, nothing changes
    schedule = repositories.load_schedule(session, teen_id)
    snooze = (schedule.policy if schedule else Policy()).snooze_minutes
    nudge_day, day_index = place
    for _ in range(MAX_ATTEMPTS):
        state, version = load_state(session, teen_id)
        updated = with_ack(
            state,
            nudge_id=nudge_id,
            nudge_day=nudge_day,
            day_index=day_index,
            action=action,
            at=now,
            snooze_minutes=snooze,
        )
        if updated == state or save_state(session, teen_id, updated, version):
            return
    raise StateConflictError(teen_id)


def history(
    session: Session, teen_id: str, limit: int | None, *, since: datetime | None = None
) -> list[NudgeView]:
    """The teen's nudges, newest first, each with its acks: at most `limit` of them (None: all
    that are kept), and only those at or after `since` if given."""
    return store.load_history(session, teen_id, limit, since=since)
