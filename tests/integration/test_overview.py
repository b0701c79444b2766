"""A parent's teens at a glance (services/overview.py) against a real database: the same
overview as reading each teen on its own, in a number of queries that does not grow with the
number of teens."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from alertsvc.db.models import Ack, Device
from alertsvc.db.repositories import devices as device_rows
from alertsvc.db.repositories import nudges as nudge_rows
from alertsvc.db.repositories import schedules as schedule_rows
from alertsvc.db.repositories import teens as teen_rows
from alertsvc.db.teen_state import load_state, set_pause
from alertsvc.domain.schedule import build_schedule
from alertsvc.services import accounts, teens
from alertsvc.services.overview import TeenOverview, teen_overviews
from tests.support import counted_statements, experiment_nudge

NOW = datetime(2026, 11, 25, 13, 5, tzinfo=UTC)
SCHEDULE = build_schedule(
    {"mon": [("08:00", "15:00")]}, (date(2026, 9, 2), date(2027, 6, 18)), True, {}
)


def _parent(session: Session, email: str) -> str:
    return accounts.register_parent(session, email, "a long password", NOW).parent_id


def _teen(session: Session, parent_id: str, nickname: str, created: datetime = NOW) -> str:
    teen = teens.create_teen(
        session,
        parent_id,
        nickname=nickname,
        timezone="Europe/Berlin",
        country="DE",
        subdivision=None,
        now=created,
    )
    return teen.id


def _device(session: Session, teen_id: str, name: str, paired: datetime, seen: bool) -> None:
    session.add(
        Device(
            id=f"dev_{teen_id[-8:]}_{name}",
            teen_id=teen_id,
            token_hash=f"{teen_id}-{name}".ljust(64, "x")[:64],
            platform="ios" if name == "a" else "android",
            paired_at=paired,
            last_seen_at=paired + timedelta(hours=1) if seen else None,
        )
    )


def _nudge(session: Session, teen_id: str, name: str, at: datetime, acks: int = 0) -> None:
    nudge_id = f"ndg_{teen_id[-8:]}_{name}"
    session.add(experiment_nudge(nudge_id, teen_id, at, "copy", "control"))
    session.flush()
    for action in ("snooze", "report_wrong")[:acks]:
        session.add(Ack(nudge_id=nudge_id, teen_id=teen_id, action=action, at=at, comment=None))


def _everything(session: Session, teen_id: str) -> None:
    """A teen with a device, a nudge with an ack, a pause and a schedule: every read has rows."""
    _device(session, teen_id, "a", NOW - timedelta(days=3), seen=True)
    _nudge(session, teen_id, "n", NOW - timedelta(hours=1), acks=1)
    set_pause(session, teen_id, NOW + timedelta(hours=2))
    schedule_rows.save_schedule(session, teen_id, SCHEDULE, NOW)


def _one_by_one(session: Session, parent_id: str, now: datetime) -> list[TeenOverview]:
    """The overview as it was read before: each teen's state, latest nudge, devices and
    schedule, one teen at a time."""
    overviews = []
    for teen in teen_rows.load_teens_for_parent(session, parent_id):
        paused_until = load_state(session, teen.id)[0].paused_until
        latest = nudge_rows.load_history(session, teen.id, 1)
        overviews.append(
            TeenOverview(
                teen=teen,
                devices=tuple(device_rows.load_devices(session, teen.id)),
                paused_until=paused_until if paused_until and paused_until > now else None,
                last_nudge=latest[0] if latest else None,
                has_schedule=schedule_rows.load_schedule(session, teen.id) is not None,
            )
        )
    return overviews


def _statements(session: Session, parent_id: str) -> int:
    """How many SQL statements the overview of the parent's teens sends."""
    with counted_statements(session) as statements:
        teen_overviews(session, parent_id, NOW)
    return len(statements)


def test_the_overview_is_what_reading_each_teen_on_its_own_gives(session: Session) -> None:
    parent = _parent(session, "parent@example.com")
    other = _parent(session, "other@example.com")
    busy = _teen(session, parent, "Busy", NOW - timedelta(days=2))
    quiet = _teen(session, parent, "Quiet")  # nothing stored for it at all
    twin_a = _teen(session, parent, "Twin A")  # same created_at: ordered by id
    twin_b = _teen(session, parent, "Twin B")
    stranger = _teen(session, other, "Stranger")
    # Devices paired out of order; the latest nudges tie on `at` (the id decides).
    _device(session, busy, "b", NOW - timedelta(days=1), seen=True)
    _device(session, busy, "a", NOW - timedelta(days=5), seen=False)
    _device(session, twin_a, "a", NOW - timedelta(days=1), seen=False)
    _nudge(session, busy, "old", NOW - timedelta(days=1), acks=2)
    _nudge(session, busy, "x", NOW - timedelta(minutes=30), acks=2)
    _nudge(session, busy, "y", NOW - timedelta(minutes=30), acks=1)
    _nudge(session, twin_b, "only", NOW - timedelta(days=3))
    _nudge(session, stranger, "newest", NOW)  # another family's, newer than all of them
    set_pause(session, busy, NOW + timedelta(hours=3))  # still paused
    set_pause(session, twin_a, NOW - timedelta(minutes=1))  # the pause is over
    schedule_rows.save_schedule(session, busy, SCHEDULE, NOW)
    schedule_rows.save_schedule(session, twin_b, SCHEDULE, NOW)
    session.commit()

    overviews = teen_overviews(session, parent, NOW)

    assert overviews == _one_by_one(session, parent, NOW)
    # The oldest teen first; the three created together in the database's order of their ids.
    assert overviews[0].teen.id == busy
    assert {o.teen.id for o in overviews[1:]} == {quiet, twin_a, twin_b}
    by_name = {o.teen.nickname: o for o in overviews}
    first = overviews[0]
    assert [d.id[-1] for d in first.devices] == ["a", "b"]
    assert first.paused_until == NOW + timedelta(hours=3)
    assert first.last_nudge is not None
    assert first.last_nudge.id.endswith("_y")
    assert [ack.action for ack in first.last_nudge.acks] == ["snooze"]
    assert by_name["Quiet"] == TeenOverview(by_name["Quiet"].teen, (), None, None, False)
    assert by_name["Twin A"].paused_until is None
    assert teen_overviews(session, other, NOW) == _one_by_one(session, other, NOW)


def test_the_overview_reads_as_many_statements_for_four_teens_as_for_one(
    session: Session,
) -> None:
    one, four = _parent(session, "one@example.com"), _parent(session, "four@example.com")
    _everything(session, _teen(session, one, "Solo"))
    for number in range(4):
        _everything(session, _teen(session, four, f"Teen {number}"))
    session.commit()

    assert len(teen_overviews(session, four, NOW)) == 4
    assert _statements(session, one) == _statements(session, four) == 6
