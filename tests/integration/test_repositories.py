"""Repositories and teen services against a real database: values in, values out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from alertsvc.db.models import ExceptionRow, Parent, ScheduleRow
from alertsvc.db.repositories import exceptions as exception_rows
from alertsvc.db.repositories import schedules as schedule_rows
from alertsvc.domain.schedule import (
    ExceptionKind,
    Place,
    Policy,
    Schedule,
    SchoolException,
    Term,
    Window,
    build_schedule,
)
from alertsvc.services import accounts, pairing, schedules, teens
from alertsvc.services.inputs.exceptions import ExceptionIn
from alertsvc.services.teens import TeenView
from tests.support import counted_statements

NOW = datetime(2026, 11, 25, 13, 5, tzinfo=UTC)


def parent_id(session: Session, email: str) -> str:
    return accounts.register_parent(session, email, "a long password", NOW).parent_id


@pytest.fixture
def teen(session: Session) -> TeenView:
    owner = parent_id(session, "owner@example.com")
    created = teens.create_teen(
        session,
        owner,
        nickname="Sam",
        timezone="America/New_York",
        country="US",
        subdivision="CA",
        now=NOW,
    )
    session.commit()
    return created


def schedule(**changes: Any) -> Schedule:
    base = build_schedule(
        {"mon": [("08:15", "11:45"), ("12:30", "15:05")], "fri": [("08:00", "24:00")]},
        (date(2026, 9, 2), date(2027, 6, 18)),
        True,
        {"max_per_day": 3},
    )
    return replace(base, **changes)


def test_teen_for_parent_is_one_query_and_hides_other_families(
    session: Session, teen: TeenView
) -> None:
    owner = session.scalar(select(Parent.id).where(Parent.email == "owner@example.com"))
    stranger = parent_id(session, "stranger@example.com")
    with counted_statements(session) as statements:
        found = teens.teen_for_parent(session, str(owner), teen.id)
    assert found == teen
    assert len(statements) == 1
    with pytest.raises(teens.TeenNotFoundError):
        teens.teen_for_parent(session, stranger, teen.id)
    with pytest.raises(teens.TeenNotFoundError):
        teens.teen_for_parent(session, str(owner), "teen_missing")


def test_place_is_the_teens_zone_and_holiday_region(session: Session, teen: TeenView) -> None:
    owner = str(session.scalar(select(Parent.id).where(Parent.email == "owner@example.com")))
    assert teen.place == Place("America/New_York", "US", "CA")
    assert teens.teen_for_parent(session, owner, teen.id).place == teen.place


def test_schedule_round_trips_and_versions_only_on_change(session: Session, teen: TeenView) -> None:
    assert schedule_rows.load_schedule(session, teen.id) is None
    first = schedule_rows.save_schedule(session, teen.id, schedule(), NOW)
    session.commit()
    assert first.version == 1
    loaded = schedule_rows.load_schedule(session, teen.id)
    assert loaded == first
    assert loaded is not None
    assert loaded.weekly[0] == (Window(495, 705), Window(750, 905))
    assert loaded.weekly[4] == (Window(480, 1440),)
    assert loaded.term == Term(date(2026, 9, 2), date(2027, 6, 18))
    assert loaded.policy == Policy(max_per_day=3)
    assert schedule_rows.save_schedule(session, teen.id, schedule(), NOW).version == 1
    changed = schedule_rows.save_schedule(session, teen.id, schedule(term=None), NOW)
    session.commit()
    assert changed.version == 2
    row = session.get(ScheduleRow, teen.id)
    assert row is not None
    assert schedule_rows.schedule_from_row(row) == changed
    assert row.weekly["mon"] == [["08:15", "11:45"], ["12:30", "15:05"]]
    assert row.weekly["sun"] == []


def test_exceptions_load_in_creation_order_even_with_one_timestamp(
    session: Session, teen: TeenView
) -> None:
    ids = []
    for index, day in enumerate((date(2026, 12, 3), date(2026, 12, 1), date(2026, 12, 2))):
        seq = exception_rows.next_exception_seq(session, teen.id)
        value = SchoolException(f"exc_{9 - index}", day, day, ExceptionKind.NO_SCHOOL)
        exception_rows.add_exception(session, teen.id, value, NOW, seq=seq)
        ids.append(value.id)
    session.commit()
    assert [e.id for e in exception_rows.load_exceptions(session, teen.id)] == ids
    seqs = [r.seq for r in exception_rows.load_exception_records(session, teen.id)]
    assert seqs == [1, 2, 3]


def test_updating_an_imported_exception_keeps_its_place_in_the_order(
    session: Session, teen: TeenView
) -> None:
    day = date(2026, 12, 1)
    imported = SchoolException("exc_a", day, day, ExceptionKind.NO_SCHOOL, note="Old")
    exception_rows.add_exception(session, teen.id, imported, NOW, seq=1, source_uid="uid-1")
    manual = SchoolException("exc_b", day, day, ExceptionKind.NO_SCHOOL)
    exception_rows.add_exception(session, teen.id, manual, NOW, seq=2)
    exception_rows.update_imported_exception(
        session, teen.id, "exc_a", date(2026, 12, 2), date(2026, 12, 4), "New"
    )
    session.commit()
    records = exception_rows.load_exception_records(session, teen.id)
    assert [(r.exception.id, r.source) for r in records] == [("exc_a", "ics"), ("exc_b", "manual")]
    assert records[0].exception.first_day == date(2026, 12, 2)
    assert records[0].exception.note == "New"
    assert set(exception_rows.load_exception_records_by_uid(session, teen.id)) == {"uid-1"}


def test_custom_hours_windows_round_trip(session: Session, teen: TeenView) -> None:
    value = ExceptionIn.model_validate(
        {
            "first_day": "2026-12-02",
            "last_day": "2026-12-02",
            "kind": "custom_hours",
            "windows": [{"start": "13:00", "end": "15:00"}, {"start": "09:00", "end": "11:00"}],
            "note": "Exams",
        }
    ).to_exception()
    record = schedules.add_exception(session, teen, value, NOW)
    session.commit()
    (loaded,) = exception_rows.load_exceptions(session, teen.id)
    assert loaded == record.exception
    assert loaded.windows == (Window(540, 660), Window(780, 900))
    assert loaded.created_at == NOW


def test_an_exception_is_deleted_only_through_its_own_teen(
    session: Session, teen: TeenView
) -> None:
    other = teens.create_teen(
        session,
        parent_id(session, "other@example.com"),
        nickname="Kim",
        timezone="UTC",
        country=None,
        subdivision=None,
        now=NOW,
    )
    day = date(2026, 12, 1)
    value = SchoolException("exc_x", day, day, ExceptionKind.NO_SCHOOL)
    exception_rows.add_exception(session, other.id, value, NOW, seq=1)
    assert exception_rows.delete_exception(session, teen.id, "exc_x") is False
    assert exception_rows.delete_exception(session, other.id, "exc_x") is True
    session.commit()
    assert session.scalar(select(ExceptionRow.id)) is None


def test_deleting_a_teen_leaves_no_rows_behind(session: Session, teen: TeenView) -> None:
    schedule_rows.save_schedule(session, teen.id, schedule(), NOW)
    value = SchoolException("exc_y", date(2026, 12, 1), date(2026, 12, 1), ExceptionKind.NO_SCHOOL)
    exception_rows.add_exception(session, teen.id, value, NOW, seq=1)
    session.commit()
    owner = str(session.scalar(select(Parent.id).where(Parent.email == "owner@example.com")))
    teens.delete_teen(session, teen)
    session.commit()
    assert schedule_rows.load_schedule(session, teen.id) is None
    assert exception_rows.load_exceptions(session, teen.id) == []
    assert teens.teens_of_parent(session, owner) == []


def test_a_pairing_codes_status_is_active_then_used_or_expired_and_only_for_its_teen(
    session: Session, teen: TeenView
) -> None:
    used = pairing.issue_code(session, teen.id, NOW)
    expiring = pairing.issue_code(session, teen.id, NOW)
    session.commit()
    status = pairing.CodeStatus
    assert pairing.code_status(session, teen.id, used.code, NOW) is status.ACTIVE
    assert pairing.code_status(session, "teen_other", used.code, NOW) is None
    pairing.pair_device(session, used.code.lower(), "ios", NOW)
    session.commit()
    assert pairing.code_status(session, teen.id, used.code, NOW) is status.USED
    after = NOW + pairing.CODE_TTL
    assert pairing.code_status(session, teen.id, expiring.code, after) is status.EXPIRED
    assert pairing.code_status(session, teen.id, "ZZZZ2222", NOW) is None
