"""The plan memos (books by value, timelines, zone readings) never change an answer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alertsvc.domain import plan
from alertsvc.domain.calendar import Interval, Occurrence
from alertsvc.domain.decision import CheckInput, decide
from alertsvc.domain.schedule import Place, Schedule, Window
from alertsvc.domain.state import NudgeState
from tests.unit.test_decision_properties import ZONES, instants, teens

BASE = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)
# A few instants, minutes apart, so candidates tie and days run backwards now and then.
CANDIDATE_INSTANTS = st.integers(0, 12).map(lambda m: BASE + timedelta(minutes=10 * m))


@st.composite
def candidate_days(draw: st.DrawFn) -> tuple[tuple[tuple[datetime, Occurrence], ...], ...]:
    days = []
    for index in range(draw(st.integers(1, 9))):
        day = date(2026, 3, 7) + timedelta(days=index)
        instants_of_day = draw(st.lists(CANDIDATE_INSTANTS, max_size=4))
        days.append(
            tuple(
                (instant, Occurrence(day, Window(k, k + 1), Interval(instant, instant)))
                for k, instant in enumerate(instants_of_day)
            )
        )
    return tuple(days)


@settings(max_examples=500)
@given(
    days=candidate_days(),
    now=CANDIDATE_INSTANTS,
    nudge=st.sampled_from((timedelta(0), timedelta(microseconds=1), -timedelta(microseconds=1))),
)
def test_timeline_answers_as_the_scan_for_every_now(
    days: tuple[tuple[tuple[datetime, Occurrence], ...], ...], now: datetime, nudge: timedelta
) -> None:
    at = now + nudge
    assert plan.Timeline(days).at(at) == plan.scan(days, at)


def test_equal_inputs_share_one_plan_book_whatever_objects_carry_them() -> None:
    week = (*((Window(8 * 60 + day, 15 * 60),) for day in range(5)), (), ())
    place = Place("Europe/Berlin", "DE")
    book = plan.plan_book(Schedule(weekly=week), (), place)
    rebuilt = Schedule(weekly=tuple(tuple(Window(w.start, w.end) for w in d) for d in week))
    assert plan.plan_book(rebuilt, (), Place("Europe/Berlin", "DE")) is book
    assert plan.plan_book(Schedule(weekly=week, version=2), (), place) is not book
    assert plan.plan_book(Schedule(weekly=week), (), Place("Europe/Paris", "FR")) is not book


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), zone=st.sampled_from(ZONES))
def test_memoised_decisions_equal_decisions_from_scratch(data: st.DataObject, zone: str) -> None:
    around = data.draw(instants(zone), label="around")
    teen = data.draw(teens(around, zone), label="teen")
    offsets = data.draw(st.lists(st.integers(-3 * 86400, 3 * 86400), min_size=1, max_size=8))
    state = data.draw(
        st.sampled_from(
            (
                NudgeState(),
                NudgeState(last_nudge_id="nud_1", last_nudge_at=around - timedelta(minutes=1)),
                NudgeState(snoozed_until=around + timedelta(minutes=20)),
            )
        )
    )
    checks = [
        CheckInput(
            now=around + timedelta(seconds=offset),
            device_id=teen.device_id,
            place=teen.place,
            schedule=teen.schedule,
            exceptions=teen.exceptions,
            state=state,
            arm=teen.arm,
            device_offset_minutes=teen.device_offset_minutes,
        )
        for offset in offsets
    ]
    # The same objects poll after poll, as the service passes them: a first round fills the
    # memos, the second answers from them.
    for check in checks:
        decide(check)
    warm = [decide(check) for check in checks]
    for check, answer in zip(checks, warm, strict=True):
        plan.forget_plans()
        assert repr(decide(check)) == repr(answer)
