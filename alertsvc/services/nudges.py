"""Acks from the teen's app, pause/resume, and the history parents see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alertsvc.db.models import Ack, Nudge, ScheduleRow
from alertsvc.db.session import upsert
from alertsvc.db.teen_state import (
    MAX_ATTEMPTS,
    StateConflictError,
    load_state,
    save_state,
    set_pause,
)
from alertsvc.domain.decision import with_ack
from alertsvc.domain.schedule import LAST_SUPPORTED_DATE, FieldError, InvalidFieldsError, Policy


@dataclass(frozen=True, slots=True)
class AckView:
    action: str
    at: datetime
    comment: str | None


@dataclass(frozen=True, slots=True)
class NudgeView:
    id: str
    at: datetime
    reason: str
    explanation: str
    window_start: datetime
    window_end: datetime
    title: str
    body: str
    experiment_key: str | None
    variant_key: str | None
    acks: tuple[AckView, ...]


def pause(session: Session, teen_id: str, until: datetime, now: datetime) -> None:
    """No reminders until `until`, which must be in the future and before 2038."""
    if until <= now:
        raise InvalidFieldsError([FieldError("until", "must be in the future")])
    if until.date() > LAST_SUPPORTED_DATE:
        raise InvalidFieldsError([FieldError("until", "must be before 2038")])
    set_pause(session, teen_id, until)


def resume(session: Session, teen_id: str) -> None:
    """Reminders follow the schedule again from now."""
    set_pause(session, teen_id, None)


def record_ack(
    session: Session,
    *,
    teen_id: str,
    nudge_id: str,
    action: str,
    comment: str | None,
    now: datetime,
) -> bool:
    """Store an ack once per (nudge, action) and fold it into the teen's state.

    Returns False when the nudge is not this teen's (the caller answers 404). A repeated ack
    is accepted and changes nothing.
    """
    nudge = session.execute(
        select(Nudge.local_date, Nudge.day_index).where(
            Nudge.id == nudge_id, Nudge.teen_id == teen_id
        )
    ).first()
    if nudge is None:
        return False
    inserted = session.execute(
        upsert(session, Ack)
        .values(nudge_id=nudge_id, teen_id=teen_id, action=action, at=now, comment=comment)
        .on_conflict_do_nothing(index_elements=[Ack.nudge_id, Ack.action])
        .returning(Ack.id)
    ).first()
    if inserted is None:  # the same ack again: accepted, nothing changes
        return True
    snooze = session.scalar(
        select(ScheduleRow.snooze_minutes).where(ScheduleRow.teen_id == teen_id)
    )
    for _ in range(MAX_ATTEMPTS):
        state, version = load_state(session, teen_id)
        updated = with_ack(
            state,
            nudge_id=nudge_id,
            nudge_day=nudge[0],
            day_index=nudge[1],
            action=action,
            at=now,
            snooze_minutes=snooze or Policy().snooze_minutes,
        )
        if updated == state or save_state(session, teen_id, updated, version):
            return True
    raise StateConflictError(teen_id)


def history(
    session: Session, teen_id: str, limit: int | None, *, since: datetime | None = None
) -> list[NudgeView]:
    """The teen's nudges, newest first, each with its acks (two queries, no N+1): at most
    `limit` of them (None: all that are kept), and only those at or after `since` if given."""
    query = select(Nudge).where(Nudge.teen_id == teen_id)
    if since is not None:
        query = query.where(Nudge.at >= since)
    nudges = session.scalars(query.order_by(Nudge.at.desc(), Nudge.id.desc()).limit(limit)).all()
    acks: dict[str, list[AckView]] = {}
    if nudges:
        for ack in session.scalars(
            select(Ack).where(Ack.nudge_id.in_([n.id for n in nudges])).order_by(Ack.at, Ack.id)
        ):
            acks.setdefault(ack.nudge_id, []).append(AckView(ack.action, ack.at, ack.comment))
    return [
        NudgeView(
            id=n.id,
            at=n.at,
            reason=n.reason,
            explanation=n.explanation,
            window_start=n.window_start,
            window_end=n.window_end,
            title=n.title,
            body=n.body,
            experiment_key=n.experiment_key,
            variant_key=n.variant_key,
            acks=tuple(acks.get(n.id, ())),
        )
        for n in nudges
    ]
