"""Background jobs at explicit instants, on SQLite and PostgreSQL, and how the worker
schedules them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alertsvc import jobs, metrics
from alertsvc.config import Settings
from alertsvc.db.models import Ack, Exposure, Nudge, PairingCode, ParentToken, RateCounter
from alertsvc.db.session import make_engine, make_session_factory
from alertsvc.domain.copy import plain
from alertsvc.domain.decision import VariantParams
from alertsvc.domain.experiments import Experiment, Status, Variant
from alertsvc.runtime import Runtime
from alertsvc.services import accounts, experiments, pairing, teens
from alertsvc.services.experiments import ExperimentChanges
from alertsvc.worker import build_scheduler
from tests.support import FakeClock, experiment_nudge

pytestmark = pytest.mark.slow


@pytest.fixture
def runtime(settings: Settings, clock: FakeClock) -> Iterator[Runtime]:
    engine = make_engine(settings.with_(retention_days=90))
    yield Runtime(settings, engine, make_session_factory(engine), clock, None)
    engine.dispose()


def _family(session: Session, now: datetime) -> tuple[str, str]:
    parent = accounts.register_parent(session, "jobs@example.com", "0123456789", now)
    teen = teens.create_teen(
        session, parent.parent_id, nickname="J", timezone="UTC", country=None,
        subdivision=None, now=now,
    )  # fmt: skip
    return parent.parent_id, teen.id


def _nudge(session: Session, teen_id: str, nudge_id: str, at: datetime) -> None:
    session.add(
        Nudge(
            id=nudge_id, teen_id=teen_id, device_id=None, at=at, local_date=at.date(),
            day_index=0, reason="in_school_hours", explanation="x", window_start=at,
            window_end=at + timedelta(hours=1), title="t", body="b", experiment_key=None,
            variant_key=None, schedule_version=1,
        )
    )  # fmt: skip
    session.flush()
    session.add(Ack(nudge_id=nudge_id, teen_id=teen_id, action="shown", at=at))


def _count(runtime: Runtime, model: type[object]) -> int:
    with runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _remaining_nudges(runtime: Runtime) -> set[str]:
    with runtime.sessions() as session:
        return set(session.scalars(select(Nudge.id)))


def test_retention_deletes_old_nudges_and_expired_credentials_and_keeps_the_rest(
    runtime: Runtime, clock: FakeClock
) -> None:
    now = clock.now
    with runtime.sessions() as session:
        parent_id, teen_id = _family(session, now - timedelta(days=200))
        for i in range(7):
            _nudge(session, teen_id, f"nud_old{i}", now - timedelta(days=91, minutes=i))
        _nudge(session, teen_id, "nud_edge", now - timedelta(days=89, hours=23))
        _nudge(session, teen_id, "nud_new", now - timedelta(hours=1))
        pairing.issue_code(session, teen_id, now - timedelta(minutes=20))  # expired at -5 min
        pairing.issue_code(session, teen_id, now - timedelta(minutes=5))  # valid until +10 min
        accounts.issue_token(session, parent_id, "session", now - timedelta(days=8))
        accounts.issue_token(session, parent_id, "api", now - timedelta(days=8))
        session.add(RateCounter(key="k", window_start=now - timedelta(minutes=5), count=3))
        session.add(RateCounter(key="k", window_start=now - timedelta(seconds=30), count=1))
        session.commit()

    purged = jobs.purge_retention(runtime, batch=3)

    assert purged == {
        "nudges": 7, "acks": 7, "pairing_codes": 1, "tokens": 1, "rate_counters": 1,
    }  # fmt: skip
    assert _remaining_nudges(runtime) == {"nud_edge", "nud_new"}
    assert _count(runtime, Ack) == 2
    assert _count(runtime, PairingCode) == 1
    assert _count(runtime, ParentToken) == 1
    assert _count(runtime, RateCounter) == 1


def test_retention_works_in_bounded_batches_and_finishes_on_later_runs(
    runtime: Runtime, clock: FakeClock
) -> None:
    with runtime.sessions() as session:
        _, teen_id = _family(session, clock.now)
        for i in range(10):
            _nudge(session, teen_id, f"nud_old{i:02}", clock.now - timedelta(days=100, minutes=i))
        session.commit()

    first = jobs.purge_retention(runtime, max_batches=2, batch=3)
    assert (first["nudges"], first["acks"]) == (6, 6)
    # Oldest first: the batches take the longest-expired rows.
    assert _remaining_nudges(runtime) == {f"nud_old{i:02}" for i in range(4)}

    second = jobs.purge_retention(runtime, max_batches=2, batch=3)
    assert (second["nudges"], second["acks"]) == (4, 4)
    assert _remaining_nudges(runtime) == set()


def test_jobs_are_idempotent_a_second_run_changes_nothing(
    runtime: Runtime, clock: FakeClock
) -> None:
    with runtime.sessions() as session:
        _, teen_id = _family(session, clock.now)
        _nudge(session, teen_id, "nud_old", clock.now - timedelta(days=120))
        _nudge(session, teen_id, "nud_new", clock.now - timedelta(days=1))
        pairing.issue_code(session, teen_id, clock.now - timedelta(hours=1))
        session.commit()

    assert jobs.purge_retention(runtime)["nudges"] == 1
    assert set(jobs.purge_retention(runtime).values()) == {0}
    assert jobs.roll_up_experiments(runtime) == jobs.roll_up_experiments(runtime)
    assert jobs.enforce_guardrails(runtime) == []
    assert jobs.enforce_guardrails(runtime) == []
    assert _remaining_nudges(runtime) == {"nud_new"}


def _experiment(
    session: Session, key: str, params: VariantParams, now: datetime, stop_at: datetime | None
) -> None:
    variants = (Variant("a", 1, VariantParams()), Variant("b", 3, params))
    experiments.create_experiment(
        session, Experiment(key, Status.DRAFT, 100, variants), "admin@example.com", now
    )
    start = ExperimentChanges(status=Status.RUNNING)
    experiments.update_experiment(session, key, start, "admin@example.com", now)
    if stop_at is not None:
        stop = ExperimentChanges(status=Status.STOPPED)
        experiments.update_experiment(session, key, stop, "admin@example.com", stop_at)


def _results(runtime: Runtime, key: str) -> tuple[str, list[object]]:
    with runtime.sessions() as session:
        results = experiments.experiment_results(session, key, runtime.clock())
    return results.source, [results.srm, *results.variants]


def test_retention_keeps_every_experiments_results_whole(
    runtime: Runtime, clock: FakeClock
) -> None:
    """Old nudges and acks go; the results they made stay exactly as they were: for a running
    experiment, and for one stopped between the old nudges (its later nudges never counted)."""
    now = clock.now
    long_ago = now - timedelta(days=200)
    keys = ("running", "stopped")
    with runtime.sessions() as session:
        parent_id, first = _family(session, long_ago)
        teen_ids = [first] + [
            teens.create_teen(
                session, parent_id, nickname="J", timezone="UTC", country=None,
                subdivision=None, now=long_ago,
            ).id
            for _ in range(5)
        ]  # fmt: skip
        _experiment(session, "running", VariantParams(title=plain("Hi")), long_ago, None)
        _experiment(
            session, "stopped", VariantParams(max_per_day=2), long_ago, now - timedelta(150)
        )
        for i, teen_id in enumerate(teen_ids):
            for key, variant in zip(keys, ("ab"[i % 2], "ab"[i // 3]), strict=True):
                exposed_at = long_ago + timedelta(days=12 * i)
                session.add(Exposure(experiment_key=key, teen_id=teen_id, variant_key=variant,
                                     exposed_at=exposed_at))  # fmt: skip
        session.flush()
        for n in range(60):
            teen_id = teen_ids[n % len(teen_ids)]
            at = now - timedelta(days=190 - n * 3, minutes=n)  # the first few before an exposure
            nudge_id = f"nud_{n:03}"
            session.add(experiment_nudge(nudge_id, teen_id, at, "running", "a"))
            session.flush()
            for action in ("shown", "dismissed", "closed_app", "report_wrong")[: n % 5]:
                session.add(Ack(nudge_id=nudge_id, teen_id=teen_id, action=action, at=at))
        session.commit()
    before = {key: _results(runtime, key) for key in keys}
    assert {source for source, _ in before.values()} == {"live"}

    purged = jobs.purge_retention(runtime, batch=7)

    assert purged["nudges"] > 30
    assert _count(runtime, Nudge) == 60 - purged["nudges"]
    assert {key: _results(runtime, key) for key in keys} == before
    # The worker's rollups, which the results then read, add up the same way.
    assert jobs.roll_up_experiments(runtime) == 2
    rolled = {key: _results(runtime, key) for key in keys}
    assert rolled == {key: ("rollup", values) for key, (_, values) in before.items()}
    assert set(jobs.purge_retention(runtime).values()) == {0}


def _job_runs(name: str, outcome: str) -> float:
    value = metrics.JOB_RUNS.labels(name, outcome)._value.get()
    return float(value)


def test_run_job_counts_a_failure_and_does_not_raise(runtime: Runtime) -> None:
    def broken(_runtime: Runtime) -> int:
        raise RuntimeError("boom")

    failed_before = _job_runs("broken-test-job", "failed")
    ok_before = _job_runs("broken-test-job", "ok")
    assert jobs.run_job("broken-test-job", broken, runtime) is None
    assert _job_runs("broken-test-job", "failed") == failed_before + 1
    assert jobs.run_job("broken-test-job", lambda _r: 42, runtime) == 42
    assert _job_runs("broken-test-job", "ok") == ok_before + 1


def test_the_scheduler_registers_every_job_once_with_fixed_ids_and_runs_it_at_once(
    runtime: Runtime, clock: FakeClock
) -> None:
    scheduler = build_scheduler(runtime)
    registered = {job.id: job for job in scheduler.get_jobs()}
    assert set(registered) == {"retention", "experiment-rollups", "guardrails"}
    for job_id, function, seconds in jobs.SCHEDULE:
        job = registered[job_id]
        assert job.func is jobs.run_job
        assert job.args == (job_id, function, runtime)
        assert job.coalesce is True
        assert job.max_instances == 1
        assert 0 < job.misfire_grace_time <= seconds
        assert job.trigger.interval == timedelta(seconds=seconds)
        # Activation runs every job once right away instead of after a whole interval.
        assert job.next_run_time == clock.now
