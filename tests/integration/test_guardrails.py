"""Guardrails pause a misbehaving running experiment, with an audit entry and an error log."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from alertsvc.config import Settings
from alertsvc.db.models import Ack, AuditEntry, Exposure, Nudge, Teen
from alertsvc.db.repositories.experiments import load_experiment
from alertsvc.domain.copy import plain
from alertsvc.domain.decision import VariantParams
from alertsvc.domain.experiments import Experiment, Status, Targeting, Variant
from alertsvc.services import audit, experiments, guardrails
from alertsvc.services.experiments import ExperimentChanges

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
WINDOW_START = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
WINDOW_END = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
_ids = count(1)


def start(session: Session, key: str, params: tuple[VariantParams, ...]) -> None:
    variants = tuple(Variant(f"v{i}", 1, p) for i, p in enumerate(params))
    experiments.create_experiment(
        session, Experiment(key, Status.DRAFT, 100, variants, Targeting()), "admin@x.org", NOW
    )
    experiments.update_experiment(
        session, key, ExperimentChanges(status=Status.RUNNING), "admin@x.org", NOW
    )
    session.commit()


def exposed_teen(session: Session, key: str, variant: str = "v0") -> str:
    teen_id = f"teen_{next(_ids):05d}"
    session.add(Teen(id=teen_id, nickname="Sam", timezone="UTC", country="US", created_at=NOW))
    session.flush()
    session.add(
        Exposure(
            experiment_key=key,
            teen_id=teen_id,
            variant_key=variant,
            exposed_at=NOW - timedelta(days=3),
        )
    )
    session.flush()
    return teen_id


def nudge(
    session: Session,
    teen_id: str,
    at: datetime,
    key: str = "copy",
    window: tuple[datetime, datetime] = (WINDOW_START, WINDOW_END),
    acks: tuple[str, ...] = (),
) -> str:
    nudge_id = f"nud_{next(_ids):08d}"
    session.add(
        Nudge(
            id=nudge_id,
            teen_id=teen_id,
            device_id=None,
            at=at,
            local_date=at.date(),
            day_index=0,
            reason="in_school_hours",
            explanation="School hours today are 13:00–20:00 (UTC).",
            window_start=window[0],
            window_end=window[1],
            title="School time",
            body="It can wait.",
            experiment_key=key,
            variant_key="v0",
            schedule_version=1,
        )
    )
    session.flush()
    for action in acks:
        session.add(Ack(nudge_id=nudge_id, teen_id=teen_id, action=action, at=at))
    session.flush()
    return nudge_id


def status_of(session: Session, key: str) -> str | None:
    stored = load_experiment(session, key)
    return stored.experiment.status.value if stored else None


def guardrail_entries(session: Session) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(select(AuditEntry).where(AuditEntry.actor == audit.GUARDRAIL_ACTOR))
    )


TITLES = (VariantParams(title=plain("A")), VariantParams(title=plain("B")))


def test_a_nudge_outside_its_window_pauses_the_experiment_with_evidence(
    session: Session, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    start(session, "copy", TITLES)
    start(session, "healthy", (VariantParams(max_per_day=2), VariantParams(max_per_day=3)))
    teen = exposed_teen(session, "copy")
    nudge(session, teen, WINDOW_START + timedelta(hours=1))
    bad = nudge(session, teen, WINDOW_END)  # end is exclusive: [start, end)
    calm = exposed_teen(session, "healthy")
    nudge(session, calm, WINDOW_START + timedelta(hours=2), key="healthy")
    session.commit()

    with caplog.at_level(logging.ERROR, logger="alertsvc.guardrails"):
        paused = guardrails.run_guardrails(session, settings, NOW)
    session.commit()

    assert paused == ["copy"]
    assert status_of(session, "copy") == "paused"
    assert status_of(session, "healthy") == "running"
    [entry] = guardrail_entries(session)
    assert (entry.action, entry.target, entry.at) == ("experiment.guardrail_pause", "copy", NOW)
    assert entry.before == {"status": "running"}
    assert entry.after is not None
    [evidence] = entry.after["evidence"]
    assert evidence["rule"] == "nudge_outside_window"
    assert evidence["nudges"] == 1
    assert evidence["examples"][0]["nudge_id"] == bad
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    assert "copy" in caplog.records[0].getMessage()


def test_an_out_of_window_nudge_keeps_pausing_after_a_resume(
    session: Session, settings: Settings
) -> None:
    start(session, "copy", TITLES)
    teen = exposed_teen(session, "copy")
    nudge(session, teen, WINDOW_START - timedelta(minutes=1))
    session.commit()
    assert guardrails.run_guardrails(session, settings, NOW) == ["copy"]
    experiments.update_experiment(
        session, "copy", ExperimentChanges(status=Status.RUNNING), "admin@x.org", NOW
    )
    session.commit()
    # "Ever": the evidence stays, so the next run pauses it again.
    assert guardrails.run_guardrails(session, settings, NOW + timedelta(minutes=5)) == ["copy"]
    session.commit()
    assert len(guardrail_entries(session)) == 2


def test_nudges_before_the_exposure_do_not_count(session: Session, settings: Settings) -> None:
    start(session, "copy", TITLES)
    teen = exposed_teen(session, "copy")
    nudge(session, teen, NOW - timedelta(days=4), window=(NOW, NOW + timedelta(hours=1)))
    session.commit()
    assert guardrails.run_guardrails(session, settings, NOW) == []


def test_report_wrong_rate_above_the_ceiling_pauses_once_there_are_enough_acks(
    session: Session, settings: Settings
) -> None:
    settings = settings.with_(guardrail_min_acks=10, guardrail_max_report_wrong_rate=0.2)
    start(session, "copy", TITLES)
    teens = [exposed_teen(session, "copy", "v1") for _ in range(3)]
    at = WINDOW_START + timedelta(minutes=30)
    # 10 nudges with 7 acks, 3 of them report_wrong: rate 0.3, but fewer than 10 acks.
    for i in range(9):
        acks = ("shown", "report_wrong") if i < 3 else ()
        nudge(session, teens[i % 3], at + timedelta(minutes=i), acks=acks)
    nudge(session, teens[0], at + timedelta(minutes=20), acks=("shown",))
    session.commit()
    assert guardrails.run_guardrails(session, settings, NOW) == []

    nudge(session, teens[1], at + timedelta(minutes=40), acks=("shown", "dismissed", "closed_app"))
    session.commit()  # 11 nudges, 10 acks, 3 report_wrong: rate 3/11 = 0.27 > 0.2
    assert guardrails.run_guardrails(session, settings, NOW) == ["copy"]
    session.commit()
    [entry] = guardrail_entries(session)
    assert entry.after is not None
    [evidence] = entry.after["evidence"]
    assert evidence["rule"] == "report_wrong_rate"
    assert evidence["variants"]["v1"]["report_wrong"] == 3
    assert evidence["variants"]["v1"]["nudges"] == 11
    assert evidence["variants"]["v1"]["rate"] == pytest.approx(3 / 11)


def test_report_wrong_rate_at_the_ceiling_is_allowed(session: Session, settings: Settings) -> None:
    settings = settings.with_(
        guardrail_min_acks=5,
        guardrail_max_report_wrong_rate=0.2,
        guardrail_max_nudges_per_teen_day=50.0,
    )
    start(session, "copy", TITLES)
    teen = exposed_teen(session, "copy")
    for i in range(10):
        nudge(session, teen, WINDOW_START + timedelta(minutes=10 * i), acks=("shown",))
    nudge(session, teen, WINDOW_START, acks=("report_wrong",))
    nudge(session, teen, WINDOW_START, acks=("report_wrong",))
    nudge(session, teen, WINDOW_START, acks=())
    session.commit()  # 13 nudges, 2 report_wrong: 0.15 <= 0.2
    assert guardrails.run_guardrails(session, settings, NOW) == []


def test_too_many_nudges_per_teen_and_day_pauses(session: Session, settings: Settings) -> None:
    settings = settings.with_(guardrail_max_nudges_per_teen_day=6.0)
    start(session, "copy", TITLES)
    runaway = exposed_teen(session, "copy", "v1")
    for i in range(8):
        nudge(session, runaway, WINDOW_START + timedelta(minutes=10 * i))
    session.commit()  # 8 nudges on one teen-day: mean 8 > 6
    assert guardrails.run_guardrails(session, settings, NOW) == ["copy"]
    session.commit()
    [entry] = guardrail_entries(session)
    assert entry.after is not None
    [evidence] = entry.after["evidence"]
    assert evidence["rule"] == "nudges_per_teen_day"
    assert evidence["variants"] == {"v1": {"nudges": 8, "teen_days": 1, "mean": 8.0}}


def test_nudges_per_teen_day_is_a_mean_over_nudged_teen_days(
    session: Session, settings: Settings
) -> None:
    settings = settings.with_(guardrail_max_nudges_per_teen_day=6.0)
    start(session, "copy", TITLES)
    generous = exposed_teen(session, "copy")  # a parent allowed 10 a day
    for i in range(10):
        nudge(session, generous, WINDOW_START + timedelta(minutes=10 * i))
    for _ in range(3):
        teen = exposed_teen(session, "copy")
        for i in range(3):
            nudge(session, teen, WINDOW_START + timedelta(minutes=30 * i))
    # Older than a day: not counted in this guardrail.
    earlier = WINDOW_START - timedelta(days=2)
    for i in range(20):
        at = earlier + timedelta(minutes=i)
        nudge(session, generous, at, window=(earlier, earlier + timedelta(hours=7)))
    session.commit()  # (10 + 3*3) / 4 teen-days = 4.75 <= 6
    assert guardrails.run_guardrails(session, settings, NOW) == []


def test_only_running_experiments_are_checked(session: Session, settings: Settings) -> None:
    start(session, "copy", TITLES)
    teen = exposed_teen(session, "copy")
    nudge(session, teen, WINDOW_END + timedelta(hours=1))
    experiments.update_experiment(
        session, "copy", ExperimentChanges(status=Status.PAUSED), "admin@x.org", NOW
    )
    session.commit()
    assert guardrails.run_guardrails(session, settings, NOW) == []
    assert guardrail_entries(session) == []
