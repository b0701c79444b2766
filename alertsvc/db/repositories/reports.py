"""The teen's `report_wrong` acks as the parents' pages track them: unseen until a guardian
has looked at the teen's activity (`acks.seen_at`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from alertsvc.db.models import Ack, Guardianship
from alertsvc.domain.state import AckAction

_REPORT = AckAction.REPORT_WRONG.value


def unseen_reports_by_teen(session: Session, parent_id: str) -> dict[str, int]:
    """{teen id: reports no guardian has seen yet}, for the teens of this parent."""
    rows = session.execute(
        select(Ack.teen_id, func.count())
        .join(Guardianship, Guardianship.teen_id == Ack.teen_id)
        .where(
            Guardianship.parent_id == parent_id,
            Ack.action == _REPORT,
            Ack.seen_at.is_(None),
        )
        .group_by(Ack.teen_id)
    )
    return {row[0]: int(row[1]) for row in rows}


def unseen_report_nudges(session: Session, teen_id: str) -> set[str]:
    """The ids of the teen's reminders whose `report_wrong` no guardian has seen yet."""
    return set(
        session.scalars(
            select(Ack.nudge_id).where(
                Ack.teen_id == teen_id, Ack.action == _REPORT, Ack.seen_at.is_(None)
            )
        )
    )


def mark_reports_seen(session: Session, teen_id: str, now: datetime) -> int:
    """Stamp every unseen report of the teen as seen now; how many there were."""
    result = session.execute(
        update(Ack)
        .where(Ack.teen_id == teen_id, Ack.action == _REPORT, Ack.seen_at.is_(None))
        .values(seen_at=now)
    )
    return int(getattr(result, "rowcount", 0))
