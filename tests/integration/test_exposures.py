"""Sticky exposure: one row per teen and experiment, race-safe, cheap on every check."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from alertsvc import create_app
from alertsvc.config import Settings
from alertsvc.db.models import Exposure, Teen
from alertsvc.db.repositories import subject as subject_store
from alertsvc.db.repositories.experiments import insert_exposures
from alertsvc.domain.copy import plain
from alertsvc.domain.decision import Arm, VariantParams
from alertsvc.domain.experiments import Experiment, Status, Targeting, Variant, assign
from alertsvc.services import experiments
from alertsvc.services.experiments import ExperimentChanges
from tests.api.checking import check, make_teen, pair, put_schedule
from tests.api.test_check import IN_SCHOOL
from tests.support import Api, FakeClock, counted_statements

NOW = datetime(2026, 11, 25, 13, 5, tzinfo=UTC)


def add_teens(
    session: Session, count: int, country: str | None = "US", zone: str = "UTC"
) -> list[str]:
    ids = [f"teen_{country or 'xx'}_{zone[:3]}_{i:04d}".lower() for i in range(count)]
    session.add_all(
        Teen(id=i, nickname="Sam", timezone=zone, country=country, created_at=NOW) for i in ids
    )
    session.commit()
    return ids


def start(
    session: Session,
    key: str,
    params: tuple[VariantParams, ...] = (
        VariantParams(title=plain("A")),
        VariantParams(title=plain("B")),
    ),
    weights: tuple[float, ...] = (1, 1),
    traffic: int = 100,
    targeting: Targeting | None = None,
) -> Experiment:
    variants = tuple(
        Variant(f"v{i}", w, p) for i, (w, p) in enumerate(zip(weights, params, strict=True))
    )
    definition = Experiment(key, Status.DRAFT, traffic, variants, targeting or Targeting())
    experiments.create_experiment(session, definition, "admin@example.com", NOW)
    stored = experiments.update_experiment(
        session, key, ExperimentChanges(status=Status.RUNNING), "admin@example.com", NOW
    )
    session.commit()
    return stored.experiment


def exposures(session: Session, key: str) -> dict[str, str]:
    rows = session.execute(
        select(Exposure.teen_id, Exposure.variant_key).where(Exposure.experiment_key == key)
    )
    return dict(rows.all())


def test_first_check_records_one_exposure_and_later_checks_reuse_it(session: Session) -> None:
    [teen] = add_teens(session, 1)
    exp = start(session, "copy")
    arm = experiments.arm_for_teen(session, teen, "US", "UTC", NOW)
    session.commit()
    expected = assign(exp, teen, "US", "UTC")
    assert arm is not None
    assert (arm.experiment_key, arm.variant_key) == ("copy", expected)
    assert arm.params == exp.variant(arm.variant_key).params  # type: ignore[union-attr]
    for minutes in range(1, 5):
        again = experiments.arm_for_teen(
            session, teen, "US", "UTC", NOW + timedelta(minutes=minutes)
        )
        assert again == arm
    session.commit()
    assert session.scalar(select(func.count()).select_from(Exposure)) == 1
    row = session.scalar(select(Exposure))
    assert row is not None
    assert row.exposed_at == NOW


def test_an_exposed_teen_costs_no_query_when_the_check_brought_its_exposures(
    session: Session,
) -> None:
    [teen] = add_teens(session, 1)
    start(session, "copy")
    version = experiments.read_definitions_version(session)
    arm = experiments.arm_for_teen(session, teen, "US", "UTC", NOW, version=version)
    session.commit()
    assert arm is not None
    with counted_statements(session) as statements:
        again = experiments.arm_for_teen(session, teen, "US", "UTC", NOW, version=version)
    assert again == arm
    assert len(statements) == 1  # without the check's exposures: one read of its own
    assert "exposures" in statements[0]
    with counted_statements(session) as statements:
        exposures = {"copy": arm.variant_key, "stopped-long-ago": "v9"}
        brought = experiments.arm_for_teen(
            session, teen, "US", "UTC", NOW, version=version, exposures=exposures
        )
    assert brought == arm
    assert statements == []


def test_no_running_experiment_costs_no_query_while_the_version_holds(session: Session) -> None:
    [teen] = add_teens(session, 1)
    version = experiments.read_definitions_version(session)
    assert experiments.arm_for_teen(session, teen, "US", "UTC", NOW, version=version) is None
    with counted_statements(session) as statements:
        assert experiments.arm_for_teen(session, teen, "US", "UTC", NOW, version=version) is None
    assert statements == []


def test_every_experiment_change_moves_the_definitions_version(session: Session) -> None:
    seen = [experiments.read_definitions_version(session)]

    def changed() -> bool:
        session.commit()
        seen.append(experiments.read_definitions_version(session))
        return seen[-1] > seen[-2]

    start(session, "copy")  # create, then start
    assert changed()
    for change in (
        ExperimentChanges(traffic_percent=20),
        ExperimentChanges(status=Status.PAUSED),
        ExperimentChanges(status=Status.RUNNING),
    ):
        experiments.update_experiment(session, "copy", change, "admin@example.com", NOW)
        assert changed()
    assert experiments.pause_running(session, "copy", NOW)  # the guardrails' pause
    assert changed()


def test_a_change_made_elsewhere_holds_for_the_next_check_without_any_wait(
    app: Flask, settings: Settings, clock: FakeClock, session: Session
) -> None:
    """Two apps on one database, as two processes would be: what one starts, pauses or
    re-weights, the other's next arm lookup sees, with no clock moving in between."""
    [teen] = add_teens(session, 1)
    other = create_app(settings, clock=clock).extensions["alertsvc"]
    here = app.extensions["alertsvc"]
    try:

        def arm_here() -> Arm | None:
            with here.read_engine.connect() as reader:
                version = experiments.read_definitions_version(reader)
                return experiments.arm_for_teen(reader, teen, "US", "UTC", NOW, version=version)

        assert arm_here() is None  # cached: nothing running
        with other.sessions() as elsewhere:
            start(elsewhere, "copy")
        arm = arm_here()
        assert arm is not None
        assert arm.experiment_key == "copy"
        with other.sessions() as elsewhere:
            experiments.update_experiment(
                elsewhere,
                "copy",
                ExperimentChanges(status=Status.PAUSED),
                "admin@example.com",
                NOW,
            )
            elsewhere.commit()
        assert arm_here() is None
    finally:
        other.engine.dispose()


def test_changing_weights_never_moves_an_exposed_teen(session: Session) -> None:
    teens = add_teens(session, 400)
    exp = start(session, "copy", weights=(1, 1))
    exposed = teens[:200]
    for teen in exposed:
        experiments.arm_for_teen(session, teen, "US", "UTC", NOW)
    session.commit()
    before = exposures(session, "copy")
    # Almost everyone would now hash into v1.
    heavier = tuple(replace_weight(v, 1 if v.key == "v0" else 99) for v in exp.variants)
    changed = experiments.update_experiment(
        session, "copy", ExperimentChanges(variants=heavier), "admin@example.com", NOW
    )
    session.commit()
    for teen in exposed:
        arm = experiments.arm_for_teen(session, teen, "US", "UTC", NOW + timedelta(hours=1))
        assert arm is not None
        assert arm.variant_key == before[teen]
    moved = [t for t in exposed if assign(changed.experiment, t, "US", "UTC") != before[t]]
    assert len(moved) > 50  # the hash alone would have moved these teens
    # Unexposed teens follow the new weights.
    for teen in teens[200:]:
        arm = experiments.arm_for_teen(session, teen, "US", "UTC", NOW + timedelta(hours=1))
        assert arm is not None
        assert arm.variant_key == assign(changed.experiment, teen, "US", "UTC")


def replace_weight(variant: Variant, weight: float) -> Variant:
    return Variant(variant.key, weight, variant.params)


def test_lowering_traffic_keeps_exposed_teens_in_their_variant(session: Session) -> None:
    teens = add_teens(session, 100)
    start(session, "copy", traffic=100)
    for teen in teens:
        experiments.arm_for_teen(session, teen, "US", "UTC", NOW)
    experiments.update_experiment(
        session, "copy", ExperimentChanges(traffic_percent=0), "admin@example.com", NOW
    )
    session.commit()
    before = exposures(session, "copy")
    for teen in teens:
        arm = experiments.arm_for_teen(session, teen, "US", "UTC", NOW)
        assert arm is not None
        assert arm.variant_key == before[teen]
    [newcomer] = add_teens(session, 1, country="CA")
    assert experiments.arm_for_teen(session, newcomer, "CA", "UTC", NOW) is None


def test_teens_outside_targeting_or_coverage_get_no_exposure(session: Session) -> None:
    us = add_teens(session, 20, country="US")
    fr = add_teens(session, 20, country="FR", zone="Europe/Paris")
    start(session, "us-only", targeting=Targeting(countries=frozenset({"US"})))
    start(
        session,
        "nobody",
        params=(VariantParams(max_per_day=2), VariantParams(max_per_day=3)),
        traffic=0,
    )
    for teen in fr:
        assert experiments.arm_for_teen(session, teen, "FR", "Europe/Paris", NOW) is None
    for teen in us:
        arm = experiments.arm_for_teen(session, teen, "US", "UTC", NOW)
        assert arm is not None
        assert arm.experiment_key == "us-only"
    session.commit()
    assert set(exposures(session, "us-only")) == set(us)
    assert exposures(session, "nobody") == {}


def test_paused_experiments_give_no_arm_and_resume_with_the_same_variant(session: Session) -> None:
    [teen] = add_teens(session, 1)
    start(session, "copy")
    first = experiments.arm_for_teen(session, teen, "US", "UTC", NOW)
    for status in (Status.PAUSED, Status.RUNNING):
        experiments.update_experiment(
            session, "copy", ExperimentChanges(status=status), "admin@example.com", NOW
        )
        session.commit()
        arm = experiments.arm_for_teen(session, teen, "US", "UTC", NOW)
        assert arm == (None if status is Status.PAUSED else first)


def test_a_teen_in_two_experiments_gets_one_merged_arm(session: Session) -> None:
    [teen] = add_teens(session, 1)
    start(session, "b-cadence", params=(VariantParams(max_per_day=2), VariantParams(max_per_day=3)))
    start(
        session, "a-copy", params=(VariantParams(title=plain("A")), VariantParams(title=plain("B")))
    )
    arms = experiments.arms_for_teen(session, teen, "US", "UTC", NOW)
    assert [a.experiment_key for a in arms] == ["a-copy", "b-cadence"]
    merged = experiments.arm_for_teen(session, teen, "US", "UTC", NOW)
    assert merged == Arm(
        "a-copy",
        arms[0].variant_key,
        VariantParams(title=arms[0].params.title, max_per_day=arms[1].params.max_per_day),
    )
    session.commit()
    assert len(exposures(session, "a-copy")) == len(exposures(session, "b-cadence")) == 1


def test_insert_if_absent_keeps_the_first_writers_variant(session: Session) -> None:
    [teen] = add_teens(session, 1)
    start(session, "copy")
    session.add(Exposure(experiment_key="copy", teen_id=teen, variant_key="v1", exposed_at=NOW))
    session.commit()
    inserted = insert_exposures(session, teen, {"copy": ("v0", 0)}, NOW)
    assert inserted == set()
    session.commit()
    assert exposures(session, "copy") == {teen: "v1"}


def test_concurrent_first_checks_agree_and_write_one_row(app: Flask, session: Session) -> None:
    [teen] = add_teens(session, 1)
    start(session, "copy")
    sessions = app.extensions["alertsvc"].sessions
    barrier = threading.Barrier(6)
    answers: list[str | None] = []
    errors: list[BaseException] = []

    def check() -> None:
        try:
            with sessions() as db:
                barrier.wait(timeout=10)
                arm = experiments.arm_for_teen(db, teen, "US", "UTC", NOW)
                db.commit()
                answers.append(arm.variant_key if arm else None)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=check) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(set(answers)) == 1
    assert answers[0] is not None
    session.expire_all()
    assert exposures(session, "copy") == {teen: answers[0]}


@pytest.mark.parametrize("ramped", [(1, 0), (1, 9)], ids=["ramp-down-to-0", "one-to-nine"])
def test_a_weight_change_raises_no_false_sample_ratio_alarm_and_a_real_skew_still_does(
    session: Session, ramped: tuple[int, int]
) -> None:
    """Exposures under 1:1, then the weights change, then more exposures: each teen is
    compared with the weights in force when exposed, so honest assignment passes."""
    teens = add_teens(session, 1200)
    exp = start(session, "copy", weights=(1, 1))
    for teen in teens[:600]:
        experiments.arm_for_teen(session, teen, "US", "UTC", NOW)
    new_weights = tuple(replace_weight(v, w) for v, w in zip(exp.variants, ramped, strict=True))
    experiments.update_experiment(
        session, "copy", ExperimentChanges(variants=new_weights), "admin@example.com", NOW
    )
    session.commit()
    for teen in teens[600:]:
        experiments.arm_for_teen(session, teen, "US", "UTC", NOW + timedelta(hours=1))
    session.commit()
    versions = session.execute(
        select(Exposure.weights_version, func.count()).group_by(Exposure.weights_version)
    )
    assert dict(versions.all()) == {0: 600, 1: 600}

    honest = experiments.experiment_results(session, "copy", NOW + timedelta(hours=2)).srm
    assert not honest.mismatch
    assert honest.p_value > 0.01

    # 100 more teens exposed under the new weights, every one of them in the variant with the
    # smaller new weight: a broken split.
    rare = "v1" if ramped[1] < ramped[0] else "v0"
    skewed = add_teens(session, 100, country="CA")
    session.add_all(
        Exposure(
            experiment_key="copy",
            teen_id=teen,
            variant_key=rare,
            weights_version=1,
            exposed_at=NOW + timedelta(hours=1),
        )
        for teen in skewed
    )
    session.commit()
    broken = experiments.experiment_results(session, "copy", NOW + timedelta(hours=2)).srm
    assert broken.mismatch


def test_a_check_of_an_exposed_teen_that_gets_no_nudge_is_one_statement(
    app: Flask, admin: Api, parent: Api, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The switch, the experiments' version and the teen's exposures come with the subject:
    with two experiments running, a repeated check is still one round trip."""
    clock.set(IN_SCHOOL)
    teen = make_teen(parent)
    put_schedule(parent, teen)
    device = pair(parent, teen)
    for key, params in (("one", {"max_per_day": 2}), ("two", {"title": "Hi"})):
        variants = [{"key": "a", "weight": 1, "params": params}, {"key": "b", "weight": 1}]
        body = {"key": key, "traffic_percent": 100, "variants": variants}
        assert admin.post("/v1/admin/experiments", body).status_code == 201
        assert admin.patch(f"/v1/admin/experiments/{key}", {"status": "running"}).status_code == 200
    first = check(device)  # nudges, and records both exposures
    assert first["experiment"]["key"] == "one"
    statements: list[str] = []
    driver_first = subject_store._DriverQuery.first

    def subject_query(query: Any, reader: Any, token_hash: str) -> Any:
        statements.append("the subject query, on the driver's cursor")
        return driver_first(query, reader, token_hash)

    def note(*args: Any) -> None:
        statements.append(str(args[2]))

    monkeypatch.setattr(subject_store._DriverQuery, "first", subject_query)
    engine = app.extensions["alertsvc"].engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        clock.advance(seconds=30)
        again = check(device)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert again["nudge"]["id"] == first["nudge"]["id"]  # re-delivered: no new nudge
    assert again["experiment"] == first["experiment"]
    assert statements == ["the subject query, on the driver's cursor"]
