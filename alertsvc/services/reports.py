"""The teen's "This is wrong" reports as the parents' pages show them: new until a guardian
has looked at the teen's activity."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from alertsvc.db.repositories import reports as report_rows


def new_reports_by_teen(session: Session, parent_id: str) -> dict[str, int]:
    """{teen id: reports no guardian has seen yet} for this parent's teens (absent: none)."""
    return report_rows.unseen_reports_by_teen(session, parent_id)


def new_report_count(session: Session, parent_id: str, teen_id: str) -> int:
    return new_reports_by_teen(session, parent_id).get(teen_id, 0)


def new_reported_nudges(session: Session, teen_id: str) -> set[str]:
    """The ids of the teen's reminders whose report no guardian has seen yet."""
    return report_rows.unseen_report_nudges(session, teen_id)


def mark_seen(session: Session, teen_id: str, now: datetime) -> int:
    """A guardian has seen the teen's reports: none of them is new any more."""
    return report_rows.mark_reports_seen(session, teen_id, now)
