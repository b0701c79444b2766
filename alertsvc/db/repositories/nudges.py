"""Nudges and their acks, as stored: rows <-> values."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alertsvc.db.models import Ack, Nudge
from alertsvc.db.session import upsert


@dataclass(frozen=True, slots=True)
class NudgeRecord:
    """A nudge as the check emitted it."""

    id: str
    teen_id: str
    device_id: str
    at: datetime
    local_date: date
    day_index: int  # its place among the nudges of `local_date` (0 for the first)
    reason: str
    explanation: str
    window_start: datetime
    window_end: datetime
    title: str
    body: str
    experiment_key: str | None
    variant_key: str | None
    schedule_version: int


@dataclass(frozen=True, slots=True)
class AckView:
    action: str
    at: datetime
    comment: str | None


@dataclass(frozen=True, slots=True)
class NudgeView:
    """A nudge as its teen's parents see it, with its acks."""

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


def add_nudge(session: Session, record: NudgeRecord) -> None:
    session.add(
        Nudge(
            id=record.id,
            teen_id=record.teen_id,
            device_id=record.device_id,
            at=record.at,
            local_date=record.local_date,
            day_index=record.day_index,
            reason=record.reason,
            explanation=record.explanation,
            window_start=record.window_start,
            window_end=record.window_end,
            title=record.title,
            body=record.body,
            experiment_key=record.experiment_key,
            variant_key=record.variant_key,
            schedule_version=record.schedule_version,
        )
    )


def nudge_place(session: Session, teen_id: str, nudge_id: str) -> tuple[date, int] | None:
    """The teen's nudge's local date and index on it, or None if the teen has no such nudge."""
    row = session.execute(
        select(Nudge.local_date, Nudge.day_index).where(
            Nudge.id == nudge_id, Nudge.teen_id == teen_id
        )
    ).first()
    return None if row is None else (row[0], row[1])


def add_ack_once(
    session: Session, teen_id: str, nudge_id: str, action: str, at: datetime, comment: str | None
) -> bool:
    """Store the ack unless the nudge already has one with this action; True if stored."""
    inserted = session.execute(
        upsert(session, Ack)
        .values(nudge_id=nudge_id, teen_id=teen_id, action=action, at=at, comment=comment)
        .on_conflict_do_nothing(index_elements=[Ack.nudge_id, Ack.action])
        .returning(Ack.id)
    ).first()
    return inserted is not None


def load_history(
    session: Session, teen_id: str, limit: int | None, *, since: datetime | None = None
) -> list[NudgeView]:
    """The teen's latest nudges, newest first, each with its acks (two queries, no N+1): at
    most `limit` of them (None: all), and only those at or after `since` if given."""
    query = select(Nudge).where(Nudge.teen_id == teen_id)
    if since is not None:
        query = query.where(Nudge.at >= since)
    nudges = session.scalars(query.order_by(Nudge.at.desc(), Nudge.id.desc()).limit(limit)).all()
    return _with_acks(session, nudges)


def load_latest_for_teens(session: Session, teen_ids: Collection[str]) -> dict[str, NudgeView]:
    """Each teen's latest nudge (as `load_history(session, teen_id, 1)` finds it) with its
    acks, in two queries whatever the number of teens; a teen without any is left out."""
    if not teen_ids:
        return {}
    # The newest first by (at, id), numbered per teen: row 1 is the teen's latest. A window
    # function, which SQLite (3.25+) and PostgreSQL both have.
    ranked = (
        select(
            Nudge.id,
            func.row_number()
            .over(partition_by=Nudge.teen_id, order_by=(Nudge.at.desc(), Nudge.id.desc()))
            .label("rank"),
        )
        .where(Nudge.teen_id.in_(teen_ids))
        .subquery()
    )
    latest = session.scalars(
        select(Nudge).join(ranked, ranked.c.id == Nudge.id).where(ranked.c.rank == 1)
    ).all()
    return {n.teen_id: view for n, view in zip(latest, _with_acks(session, latest), strict=True)}


def _with_acks(session: Session, nudges: Sequence[Nudge]) -> list[NudgeView]:
    """The nudges as views, in their order, each with its acks (one query for them all)."""
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
