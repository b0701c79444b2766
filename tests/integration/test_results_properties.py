"""Results answer for every experiment that can be stored (hypothesis): whatever the weights
(0, tiny, 1e308, from before today's bounds), the number of variants, the weight history,
the exposures, nudges, acks, retention tallies and rollups, the results API answers 200 with
finite numbers only and the admin page renders."""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alertsvc.db.models import Ack, ExperimentRollup, ExperimentTally, Exposure, Teen
from alertsvc.db.models import Experiment as ExperimentRow
from alertsvc.domain.experiments import Status
from alertsvc.services.experiments import ACK_ACTIONS, NUDGES
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support import Api, FakeClock, experiment_nudge
from tests.web.conftest import Pages

TEENS = [f"teen_prop_{i:02}" for i in range(12)]

WEIGHTS = st.one_of(
    st.floats(min_value=0, max_value=1e308),
    st.sampled_from([0.0, 5e-324, 1e-300, 0.001, 1.0, 1000.0, 1e308, -1.0]),
)
COUNTS = st.integers(min_value=0, max_value=10**12)
NOT_A_NUMBER = re.compile(r"\b(nan|inf|infinity)\b", re.IGNORECASE)


@dataclass(frozen=True)
class StoredCase:
    status: Status
    traffic: int
    variants: list[tuple[float, bool]]  # weight, holdout
    history: list[dict[int, float]]  # by variant index
    exposures: list[tuple[int, int, int, list[str]]]  # variant, weights version, nudges, acks
    tallies: dict[tuple[int, str], int]
    rollup: list[tuple[int, int, int]] | None  # exposed, nudges, closed_app per variant


@st.composite
def stored_cases(draw: st.DrawFn) -> StoredCase:
    count = draw(st.integers(1, 10))
    variants = draw(st.lists(st.tuples(WEIGHTS, st.booleans()), min_size=count, max_size=count))
    history = draw(
        st.lists(st.dictionaries(st.integers(0, count - 1), WEIGHTS, max_size=count), max_size=3)
    )
    exposures = draw(
        st.lists(
            st.tuples(
                st.integers(0, count - 1),
                st.integers(-1, 4),
                st.integers(0, 3),
                st.lists(st.sampled_from(ACK_ACTIONS), unique=True),
            ),
            max_size=len(TEENS),
        )
    )
    metrics = st.sampled_from((NUDGES, *ACK_ACTIONS))
    tallies = draw(
        st.dictionaries(st.tuples(st.integers(0, count - 1), metrics), COUNTS, max_size=6)
    )
    rollup = draw(
        st.none() | st.lists(st.tuples(COUNTS, COUNTS, COUNTS), min_size=count, max_size=count)
    )
    return StoredCase(
        status=draw(st.sampled_from(Status)),
        traffic=draw(st.integers(0, 100)),
        variants=variants,
        history=history,
        exposures=exposures,
        tallies=tallies,
        rollup=rollup,
    )


@pytest.fixture
def admin_pages(app: Flask, admin: Api, settings: Any) -> Pages:
    pages = Pages(app.test_client(), settings.session_cookie_name)
    assert pages.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 302
    return pages


@pytest.fixture
def teens(app: Flask, clock: FakeClock) -> list[str]:
    with app.extensions["alertsvc"].sessions() as session:
        session.add_all(
            Teen(id=t, nickname="Sam", timezone="UTC", country=None, created_at=clock.now)
            for t in TEENS
        )
        session.commit()
    return TEENS


def _store(app: Flask, case: StoredCase, clock: FakeClock) -> str:
    """Rows as they could be in a database, written past every rule of today's API."""
    key = f"prop-{uuid.uuid4().hex[:12]}"
    names = [f"v{i}" for i in range(len(case.variants))]
    now = clock.now
    with app.extensions["alertsvc"].sessions() as session:
        session.add(
            ExperimentRow(
                key=key,
                description="",
                status=case.status.value,
                traffic_percent=case.traffic,
                variants=[
                    {"key": name, "weight": weight, "params": {"holdout": True} if holdout else {}}
                    for name, (weight, holdout) in zip(names, case.variants, strict=True)
                ],
                targeting=None,
                weight_history=[{names[i]: w for i, w in entry.items()} for entry in case.history],
                created_at=now - timedelta(days=3),
                updated_at=now - timedelta(days=1),
            )
        )
        session.flush()
        for teen, (variant, version, nudges, acks) in zip(TEENS, case.exposures, strict=False):
            exposed_at = now - timedelta(days=2)
            session.add(
                Exposure(experiment_key=key, teen_id=teen, variant_key=names[variant],
                         weights_version=version, exposed_at=exposed_at)
            )  # fmt: skip
            for n in range(nudges):
                nudge_id = f"nud_{uuid.uuid4().hex[:20]}"
                at = exposed_at + timedelta(hours=n + 1)
                session.add(experiment_nudge(nudge_id, teen, at, key, names[variant]))
                session.flush()
                session.add_all(Ack(nudge_id=nudge_id, teen_id=teen, action=a, at=at) for a in acks)
        session.add_all(
            ExperimentTally(experiment_key=key, variant_key=names[v], metric=metric, count=n)
            for (v, metric), n in case.tallies.items()
        )
        for name, counts in zip(names, case.rollup or (), strict=False):
            exposed, nudges, closed = counts
            acks = {action: closed if action == "closed_app" else 0 for action in ACK_ACTIONS}
            metrics = {"exposed": exposed, "nudges": nudges, "acks": acks}  # stored before versions
            session.add(
                ExperimentRollup(experiment_key=key, variant_key=name, metrics=metrics,
                                 computed_at=now)
            )  # fmt: skip
        session.commit()
    return key


def _finite_json(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in a JSON answer")

    return json.loads(text, parse_constant=refuse)


def _assert_interval(value: Any) -> None:
    assert set(value) == {"estimate", "low", "high"}
    assert all(isinstance(v, float) and math.isfinite(v) for v in value.values()), value
    assert value["low"] <= value["estimate"] <= value["high"]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=stored_cases())
def test_results_of_any_stored_experiment_are_finite_and_the_page_renders(
    app: Flask,
    admin: Api,
    admin_pages: Pages,
    teens: list[str],
    clock: FakeClock,
    case: StoredCase,
) -> None:
    key = _store(app, case, clock)

    response = admin.get(f"/v1/admin/experiments/{key}/results")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = _finite_json(response.get_data(as_text=True))
    srm = body["srm"]
    assert isinstance(srm["chi_square"], float)
    assert math.isfinite(srm["chi_square"])
    assert 0.0 <= srm["p_value"] <= 1.0
    for variant in body["variants"]:
        assert isinstance(variant["weight"], float)
        assert 0.0 <= variant["weight"] <= 1.0
        for action, rate in variant["rates"].items():
            if variant["nudges"] == 0:
                assert rate is None, action
            else:
                _assert_interval(rate)  # a NaN would have been written as null
        for versus in variant["vs_control"].values():
            if versus is not None:
                _assert_interval(versus)

    page = admin_pages.client.get(f"/admin/experiments/{key}")
    assert page.status_code == 200
    assert not NOT_A_NUMBER.search(page.get_data(as_text=True))
