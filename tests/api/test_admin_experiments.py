"""Admin experiments API: lifecycle, validation, conflicts, results, audit, authorization."""

from __future__ import annotations

import json
import math
import threading
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from alertsvc.db.models import Ack, Exposure, Teen
from alertsvc.domain.stats import difference_interval, wilson_interval
from alertsvc.services import experiments
from tests.conftest import ADMIN_EMAIL, sign_up
from tests.support import Api, FakeClock, experiment_nudge


def definition(key: str = "copy-2026-11", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "key": key,
        "description": "Friendlier copy",
        "traffic_percent": 50,
        "variants": [
            {"key": "control", "weight": 1, "params": {}},
            {"key": "friendly", "weight": 1, "params": {"title": "Hey there", "body": "Later?"}},
        ],
    }
    body.update(overrides)
    return body


def create(admin: Api, key: str = "copy-2026-11", **overrides: Any) -> dict[str, Any]:
    response = admin.post("/v1/admin/experiments", definition(key, **overrides))
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def set_status(admin: Api, key: str, status: str) -> Any:
    return admin.patch(f"/v1/admin/experiments/{key}", {"status": status})


def audit_actions(admin: Api) -> list[tuple[str, str]]:
    entries = admin.get("/v1/admin/audit?limit=100").get_json()
    return [(e["action"], e["target"]) for e in reversed(entries)]


def test_create_starts_as_draft_and_echoes_the_definition(admin: Api) -> None:
    body = create(admin, targeting={"countries": ["US", "CA"], "timezones": None})
    assert body["status"] == "draft"
    assert body["key"] == "copy-2026-11"
    assert body["traffic_percent"] == 50
    assert body["variants"][1] == {
        "key": "friendly",
        "weight": 1.0,
        "params": {"title": "Hey there", "body": "Later?"},
    }
    assert body["targeting"] == {"countries": ["CA", "US"], "timezones": None, "languages": None}
    assert body["created_at"] == "2026-11-25T13:05:00Z"
    assert admin.get("/v1/admin/experiments/copy-2026-11").get_json() == body
    assert [e["key"] for e in admin.get("/v1/admin/experiments").get_json()] == ["copy-2026-11"]
    assert audit_actions(admin) == [("experiment.create", "copy-2026-11")]


def test_duplicate_key_is_a_409(admin: Api) -> None:
    create(admin)
    again = admin.post("/v1/admin/experiments", definition())
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"


def test_unknown_experiment_is_a_404(admin: Api) -> None:
    for response in (
        admin.get("/v1/admin/experiments/nope"),
        admin.patch("/v1/admin/experiments/nope", {"status": "running"}),
        admin.get("/v1/admin/experiments/nope/results"),
    ):
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"


def test_lifecycle_draft_running_paused_running_stopped_is_audited(
    admin: Api, clock: FakeClock
) -> None:
    create(admin)
    for status in ("running", "paused", "running", "stopped"):
        clock.advance(minutes=1)
        response = set_status(admin, "copy-2026-11", status)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == status
        assert response.get_json()["updated_at"] == clock.now.isoformat().replace("+00:00", "Z")
    assert audit_actions(admin) == [
        ("experiment.create", "copy-2026-11"),
        ("experiment.start", "copy-2026-11"),
        ("experiment.pause", "copy-2026-11"),
        ("experiment.resume", "copy-2026-11"),
        ("experiment.stop", "copy-2026-11"),
    ]
    entry = admin.get("/v1/admin/audit?limit=1").get_json()[0]
    assert entry["actor"] == ADMIN_EMAIL
    assert entry["before"] == {"status": "running"}
    assert entry["after"] == {"status": "stopped"}


def test_running_may_stop_directly(admin: Api) -> None:
    create(admin)
    assert set_status(admin, "copy-2026-11", "running").status_code == 200
    assert set_status(admin, "copy-2026-11", "stopped").status_code == 200


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ((), "paused"),
        ((), "stopped"),
        (("running",), "draft"),
        (("running", "paused"), "draft"),
        (("running", "stopped"), "running"),
        (("running", "stopped"), "paused"),
        (("running", "stopped"), "draft"),
    ],
)
def test_illegal_transitions_are_409(admin: Api, path: tuple[str, ...], target: str) -> None:
    create(admin)
    for status in path:
        assert set_status(admin, "copy-2026-11", status).status_code == 200
    response = set_status(admin, "copy-2026-11", target)
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"


def test_same_status_is_an_idempotent_no_op(admin: Api) -> None:
    create(admin)
    set_status(admin, "copy-2026-11", "running")
    assert set_status(admin, "copy-2026-11", "running").status_code == 200
    assert audit_actions(admin)[-1] == ("experiment.start", "copy-2026-11")


def test_a_stopped_experiment_is_read_only(admin: Api) -> None:
    create(admin)
    set_status(admin, "copy-2026-11", "running")
    set_status(admin, "copy-2026-11", "stopped")
    response = admin.patch("/v1/admin/experiments/copy-2026-11", {"description": "again"})
    assert response.status_code == 409


def test_weights_params_and_traffic_are_editable_while_running(admin: Api) -> None:
    create(admin)
    set_status(admin, "copy-2026-11", "running")
    response = admin.patch(
        "/v1/admin/experiments/copy-2026-11",
        {
            "traffic_percent": 80,
            "variants": [
                {"key": "control", "weight": 3, "params": {}},
                {"key": "friendly", "weight": 1, "params": {"title": "Phone down?"}},
            ],
        },
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["traffic_percent"] == 80
    assert [v["weight"] for v in body["variants"]] == [3.0, 1.0]
    assert body["variants"][1]["params"] == {"title": "Phone down?"}
    entry = admin.get("/v1/admin/audit?limit=1").get_json()[0]
    assert entry["action"] == "experiment.update"
    assert set(entry["before"]) == set(entry["after"]) == {"traffic_percent", "variants"}


@pytest.mark.parametrize(
    "variants",
    [
        [{"key": "control", "weight": 1}, {"key": "renamed", "weight": 1}],
        [{"key": "friendly", "weight": 1}, {"key": "control", "weight": 1}],
        [
            {"key": "control", "weight": 1},
            {"key": "friendly", "weight": 1},
            {"key": "extra", "weight": 1},
        ],
    ],
)
def test_variant_keys_are_fixed_once_started(admin: Api, variants: list[dict[str, Any]]) -> None:
    create(admin)
    set_status(admin, "copy-2026-11", "running")
    set_status(admin, "copy-2026-11", "paused")
    response = admin.patch("/v1/admin/experiments/copy-2026-11", {"variants": variants})
    assert response.status_code == 409


def test_a_draft_may_replace_its_variants_and_clear_targeting(admin: Api) -> None:
    create(admin, targeting={"timezones": ["Europe/Paris"]})
    response = admin.patch(
        "/v1/admin/experiments/copy-2026-11",
        {
            "variants": [
                {"key": "a", "weight": 1, "params": {"max_per_day": 2}},
                {"key": "b", "weight": 1, "params": {"max_per_day": 3}},
                {"key": "c", "weight": 2, "params": {"holdout": True}},
            ],
            "targeting": None,
        },
    )
    assert response.status_code == 200
    assert [v["key"] for v in response.get_json()["variants"]] == ["a", "b", "c"]
    assert response.get_json()["targeting"] is None


def test_starting_a_conflicting_experiment_is_a_409_naming_the_other(admin: Api) -> None:
    create(admin, "copy-a")
    create(admin, "copy-b")
    assert set_status(admin, "copy-a", "running").status_code == 200
    response = set_status(admin, "copy-b", "running")
    assert response.status_code == 409
    assert "copy-a" in response.get_json()["detail"]
    assert "title" in response.get_json()["detail"]
    # Pausing the first frees the parameter; resuming the first then conflicts in turn.
    assert set_status(admin, "copy-a", "paused").status_code == 200
    assert set_status(admin, "copy-b", "running").status_code == 200
    assert set_status(admin, "copy-a", "running").status_code == 409


def test_experiments_on_different_params_or_disjoint_teens_run_together(admin: Api) -> None:
    create(admin, "copy-us", targeting={"countries": ["US"]})
    create(admin, "copy-fr", targeting={"countries": ["FR"]})
    create(
        admin,
        "cadence",
        variants=[
            {"key": "two", "weight": 1, "params": {"max_per_day": 2}},
            {"key": "four", "weight": 1, "params": {"max_per_day": 4}},
        ],
    )
    for key in ("copy-us", "copy-fr", "cadence"):
        assert set_status(admin, key, "running").status_code == 200, key
    # Widening copy-fr to everyone would reach copy-us's teens.
    widen = admin.patch("/v1/admin/experiments/copy-fr", {"targeting": None})
    assert widen.status_code == 409
    # A holdout touches every parameter, so it cannot run next to cadence.
    create(
        admin,
        "holdout",
        variants=[
            {"key": "holdout", "weight": 1, "params": {"holdout": True}},
            {"key": "normal", "weight": 9, "params": {}},
        ],
        targeting={"countries": ["DE"]},
    )
    assert set_status(admin, "holdout", "running").status_code == 409


def test_editing_a_running_experiment_cannot_create_a_conflict(admin: Api) -> None:
    create(admin, "copy")
    create(
        admin,
        "cadence",
        variants=[
            {"key": "two", "weight": 1, "params": {"max_per_day": 2}},
            {"key": "four", "weight": 1, "params": {"max_per_day": 4}},
        ],
    )
    set_status(admin, "copy", "running")
    set_status(admin, "cadence", "running")
    response = admin.patch(
        "/v1/admin/experiments/cadence",
        {
            "variants": [
                {"key": "two", "weight": 1, "params": {"max_per_day": 2, "title": "Hi"}},
                {"key": "four", "weight": 1, "params": {"max_per_day": 4}},
            ]
        },
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"key": "Has Spaces"}, "key"),
        ({"key": ""}, "key"),
        ({"key": "k" * 65}, "key"),
        ({"traffic_percent": 101}, "traffic_percent"),
        ({"traffic_percent": -1}, "traffic_percent"),
        ({"traffic_percent": "50"}, "traffic_percent"),
        ({"description": "d" * 501}, "description"),
        ({"variants": [{"key": "only", "weight": 1}]}, "variants"),
        ({"variants": [{"key": f"v{i}", "weight": 1} for i in range(11)]}, "variants"),
        (
            {"variants": [{"key": "same", "weight": 1}, {"key": "same", "weight": 1}]},
            "variants[1].key",
        ),
        (
            {"variants": [{"key": "a", "weight": 0}, {"key": "b", "weight": 0}]},
            "variants[1].weight",
        ),
        (
            {"variants": [{"key": "a", "weight": -2}, {"key": "b", "weight": 1}]},
            "variants[0].weight",
        ),
        (
            {"variants": [{"key": "a", "weight": 1e308}, {"key": "b", "weight": 1}]},
            "variants[0].weight",
        ),
        (
            {"variants": [{"key": "a", "weight": 1000.5}, {"key": "b", "weight": 1}]},
            "variants[0].weight",
        ),
        (
            {"variants": [{"key": "a", "weight": 1}, {"key": "b", "weight": 1e-300}]},
            "variants[1].weight",
        ),
        (
            {"variants": [{"key": "a", "weight": "1"}, {"key": "b", "weight": 1}]},
            "variants[0].weight",
        ),
        ({"variants": [{"key": "a"}, {"key": "b", "weight": 1}]}, "variants[0].weight"),
        (
            {
                "variants": [
                    {"key": "a", "weight": 1, "params": {"colour": "red"}},
                    {"key": "b", "weight": 1},
                ]
            },
            "variants[0].params.colour",
        ),
        (
            {
                "variants": [
                    {"key": "a", "weight": 1, "params": {"title": "t" * 81}},
                    {"key": "b", "weight": 1},
                ]
            },
            "variants[0].params.title",
        ),
        (
            {
                "variants": [
                    {"key": "a", "weight": 1, "params": {"title": "  "}},
                    {"key": "b", "weight": 1},
                ]
            },
            "variants[0].params.title",
        ),
        (
            {
                "variants": [
                    {"key": "a", "weight": 1},
                    {"key": "b", "weight": 1, "params": {"body": "b" * 241}},
                ]
            },
            "variants[1].params.body",
        ),
        (
            {
                "variants": [
                    {"key": "a", "weight": 1, "params": {"grace_minutes": 121}},
                    {"key": "b", "weight": 1},
                ]
            },
            "variants[0].params.grace_minutes",
        ),
        (
            {
                "variants": [
                    {"key": "a", "weight": 1, "params": {"min_interval_minutes": 4}},
                    {"key": "b", "weight": 1},
                ]
            },
            "variants[0].params.min_interval_minutes",
        ),
        (
            {
                "variants": [
                    {"key": "a", "weight": 1, "params": {"max_per_day": 51}},
                    {"key": "b", "weight": 1},
                ]
            },
            "variants[0].params.max_per_day",
        ),
        (
            {
                "variants": [
                    {"key": "a", "weight": 1, "params": {"holdout": "yes"}},
                    {"key": "b", "weight": 1},
                ]
            },
            "variants[0].params.holdout",
        ),
        (
            {"variants": [{"key": "a", "weight": 1, "colour": "red"}, {"key": "b", "weight": 1}]},
            "variants[0].colour",
        ),
        ({"targeting": {"countries": ["usa"]}}, "targeting.countries[0]"),
        ({"targeting": {"countries": []}}, "targeting.countries"),
        ({"targeting": {"timezones": ["Mars/Olympus_Mons"]}}, "targeting.timezones"),
        ({"targeting": {"planets": ["Mars"]}}, "targeting.planets"),
        ({"owner": "me"}, "owner"),
    ],
)
def test_invalid_definitions_are_422_naming_the_field(
    admin: Api, change: dict[str, Any], field: str
) -> None:
    response = admin.post("/v1/admin/experiments", definition(**change))
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in [e["field"] for e in response.get_json()["errors"]]


def test_weights_that_overflow_a_float_are_422_not_infinity(admin: Api) -> None:
    body = definition()
    raw = json.dumps(body).replace('"weight": 1,', '"weight": 1e999,', 1)  # JSON says: infinity
    response = admin.post("/v1/admin/experiments", data=raw, content_type="application/json")
    assert response.status_code == 422
    assert "variants[0].weight" in [e["field"] for e in response.get_json()["errors"]]
    assert admin.get("/v1/admin/experiments").get_json() == []


def test_a_weight_of_0_stops_new_assignments_and_keeps_the_results_answering(
    admin: Api,
) -> None:
    zero_first = [{"key": "control", "weight": -0.0}, {"key": "friendly", "weight": 1}]
    stored_weight = create(admin, variants=zero_first)["variants"][0]["weight"]
    assert (stored_weight, math.copysign(1, stored_weight)) == (0.0, 1)  # -0.0 is kept as 0
    set_status(admin, "copy-2026-11", "running")
    ramp_down = [{"key": "control", "weight": 1}, {"key": "friendly", "weight": 0}]
    changed = admin.patch("/v1/admin/experiments/copy-2026-11", {"variants": ramp_down})
    assert changed.status_code == 200, changed.get_json()
    assert [v["weight"] for v in changed.get_json()["variants"]] == [1.0, 0.0]
    results = admin.get("/v1/admin/experiments/copy-2026-11/results")
    assert results.status_code == 200
    assert [v["weight"] for v in results.get_json()["variants"]] == [1.0, 0.0]
    both_zero = [{"key": "control", "weight": 0}, {"key": "friendly", "weight": 0}]
    refused = admin.patch("/v1/admin/experiments/copy-2026-11", {"variants": both_zero})
    assert refused.status_code == 422
    assert {e["field"] for e in refused.get_json()["errors"]} == {
        "variants[0].weight",
        "variants[1].weight",
    }


def test_missing_required_fields_are_422(admin: Api) -> None:
    response = admin.post("/v1/admin/experiments", {"description": "no key"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert {"key", "traffic_percent", "variants"} <= fields


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "archived"}, "status"),
        ({"traffic_percent": 101}, "traffic_percent"),
        ({"key": "renamed"}, "key"),
        ({"variants": [{"key": "control", "weight": 1}]}, "variants"),
    ],
)
def test_invalid_patches_are_422(admin: Api, change: dict[str, Any], field: str) -> None:
    create(admin)
    response = admin.patch("/v1/admin/experiments/copy-2026-11", change)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.get_json()["errors"]]


def test_malformed_json_is_a_400(admin: Api) -> None:
    response = admin.client.post(
        "/v1/admin/experiments",
        data=b"{nope",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {admin.token}"},
    )
    assert response.status_code == 400


def test_results_of_a_fresh_experiment_are_empty_but_well_formed(admin: Api) -> None:
    create(admin)
    body = admin.get("/v1/admin/experiments/copy-2026-11/results").get_json()
    assert body["control"] == "control"
    assert body["srm"] == {"chi_square": 0.0, "p_value": 1.0, "mismatch": False}
    friendly = body["variants"][1]
    assert friendly["exposed_teens"] == 0
    assert friendly["nudges"] == 0
    assert friendly["acks"] == dict.fromkeys(
        ["shown", "dismissed", "closed_app", "school_use", "report_wrong"], 0
    )
    assert friendly["rates"]["closed_app"] is None
    assert friendly["vs_control"]["closed_app"] is None


def seed_outcomes(app: Flask, clock: FakeClock) -> None:
    """Exposures, nudges and acks for copy-2026-11: control 4 teens / 10 nudges / 2 closed_app;
    friendly 6 teens / 20 nudges / 8 closed_app, 1 report_wrong."""
    now = clock.now
    plan = {"control": (4, 10, 2, 0), "friendly": (6, 20, 8, 1)}
    with app.extensions["alertsvc"].sessions() as session:
        for variant, (teens, nudges, closed, wrong) in plan.items():
            ids = [f"teen_{variant}_{i}" for i in range(teens)]
            for teen_id in ids:
                session.add(
                    Teen(id=teen_id, nickname="Sam", timezone="UTC", country=None, created_at=now)
                )
            session.flush()
            for teen_id in ids:
                session.add(
                    Exposure(
                        experiment_key="copy-2026-11",
                        teen_id=teen_id,
                        variant_key=variant,
                        exposed_at=now - timedelta(days=1),
                    )
                )
            for n in range(nudges):
                nudge_id = f"nud_{variant}_{n}"
                at = now - timedelta(hours=1, minutes=n)
                session.add(experiment_nudge(nudge_id, ids[n % teens], at, "copy-2026-11", variant))
                session.flush()
                session.add(Ack(nudge_id=nudge_id, teen_id=ids[n % teens], action="shown", at=at))
                if n < closed:
                    session.add(
                        Ack(nudge_id=nudge_id, teen_id=ids[n % teens], action="closed_app", at=at)
                    )
                if n >= nudges - wrong:
                    session.add(
                        Ack(nudge_id=nudge_id, teen_id=ids[n % teens], action="report_wrong", at=at)
                    )
        session.commit()


def test_results_count_per_variant_with_intervals_and_srm(
    admin: Api, app: Flask, clock: FakeClock
) -> None:
    create(admin)
    set_status(admin, "copy-2026-11", "running")
    seed_outcomes(app, clock)
    body = admin.get("/v1/admin/experiments/copy-2026-11/results").get_json()
    assert body["source"] == "live"
    control, friendly = body["variants"]
    assert (control["exposed_teens"], control["nudges"]) == (4, 10)
    assert (friendly["exposed_teens"], friendly["nudges"]) == (6, 20)
    assert friendly["acks"] == {
        "shown": 20,
        "dismissed": 0,
        "closed_app": 8,
        "school_use": 0,
        "report_wrong": 1,
    }
    wilson = wilson_interval(8, 20)
    assert wilson is not None
    assert friendly["rates"]["closed_app"] == {
        "estimate": 0.4,
        "low": pytest.approx(wilson.low),
        "high": pytest.approx(wilson.high),
    }
    diff = difference_interval(8, 20, 2, 10)
    assert diff is not None
    assert friendly["vs_control"]["closed_app"]["estimate"] == pytest.approx(0.2)
    assert friendly["vs_control"]["closed_app"]["low"] == pytest.approx(diff.low)
    assert control["vs_control"]["closed_app"] is None
    assert friendly["weight"] == 0.5
    # 4 vs 6 at 50/50: chi² = 2 * 1² / 5 = 0.4; p = erfc(sqrt(0.2)) = 0.5271
    assert body["srm"]["chi_square"] == pytest.approx(0.4)
    assert body["srm"]["p_value"] == pytest.approx(0.527089, abs=1e-6)
    assert body["srm"]["mismatch"] is False


def test_results_read_fresh_rollups_and_recompute_stale_ones(
    admin: Api, app: Flask, clock: FakeClock
) -> None:
    create(admin)
    set_status(admin, "copy-2026-11", "running")
    seed_outcomes(app, clock)
    with app.extensions["alertsvc"].sessions() as session:
        assert experiments.rollup_experiment_metrics(session, clock.now) == 1
        session.commit()
    rolled = admin.get("/v1/admin/experiments/copy-2026-11/results").get_json()
    assert rolled["source"] == "rollup"
    clock.advance(minutes=10)
    live = admin.get("/v1/admin/experiments/copy-2026-11/results").get_json()
    assert live["source"] == "live"
    assert rolled["variants"] == live["variants"]


def test_a_stopped_experiment_keeps_its_final_rollup(
    admin: Api, app: Flask, clock: FakeClock
) -> None:
    create(admin)
    set_status(admin, "copy-2026-11", "running")
    seed_outcomes(app, clock)
    set_status(admin, "copy-2026-11", "stopped")
    with app.extensions["alertsvc"].sessions() as session:
        experiments.rollup_experiment_metrics(session, clock.now)
        session.commit()
        clock.advance(days=30)
        assert experiments.rollup_experiment_metrics(session, clock.now) == 0  # final
    body = admin.get("/v1/admin/experiments/copy-2026-11/results").get_json()
    assert body["source"] == "rollup"
    assert body["variants"][1]["nudges"] == 20


def test_audit_is_newest_first_and_limited(admin: Api, clock: FakeClock) -> None:
    for i in range(3):
        clock.advance(minutes=1)
        create(admin, f"exp-{i}")
    entries = admin.get("/v1/admin/audit?limit=2").get_json()
    assert [e["target"] for e in entries] == ["exp-2", "exp-1"]
    assert set(entries[0]) == {"id", "at", "actor", "action", "target", "before", "after"}
    assert entries[0]["before"] is None
    assert entries[0]["after"]["key"] == "exp-2"


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "limit=many", "since=yesterday"])
def test_bad_audit_queries_are_422(admin: Api, query: str) -> None:
    assert admin.get(f"/v1/admin/audit?{query}").status_code == 422


ADMIN_ROUTES = [
    ("GET", "/v1/admin/experiments", None),
    ("POST", "/v1/admin/experiments", definition()),
    ("GET", "/v1/admin/experiments/copy-2026-11", None),
    ("PATCH", "/v1/admin/experiments/copy-2026-11", {"status": "running"}),
    ("GET", "/v1/admin/experiments/copy-2026-11/results", None),
    ("GET", "/v1/admin/kill-switch", None),
    ("PUT", "/v1/admin/kill-switch", {"enabled": True, "reason": "test"}),
    ("GET", "/v1/admin/audit", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_every_admin_route_needs_an_admin(
    api: Api, admin: Api, method: str, path: str, body: Any
) -> None:
    create(admin)
    parent = api.as_(sign_up(api))
    forbidden = parent.request(method, path, body)
    assert forbidden.status_code == 403, (method, path)
    assert forbidden.mimetype == "application/problem+json"
    anonymous = api.as_(None).request(method, path, body)
    assert anonymous.status_code == 401, (method, path)
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    bad_token = api.as_("not-a-token").request(method, path, body)
    assert bad_token.status_code == 401


def test_every_admin_route_is_documented_with_admin_security(api: Api) -> None:
    doc = api.get("/v1/openapi.json").get_json()
    for method, path, _body in ADMIN_ROUTES:
        templated = path.replace("copy-2026-11", "{key}")
        operation = doc["paths"][templated][method.lower()]
        assert operation["security"] == [{"adminToken": []}], (method, path)
        assert "200" in operation["responses"] or "201" in operation["responses"]
    assert "ExperimentCreate" in doc["components"]["schemas"]


def test_two_admins_starting_conflicting_experiments_at_once_get_one_409(
    admin: Api, app: Flask
) -> None:
    create(admin, "copy-a")
    create(admin, "copy-b")
    barrier = threading.Barrier(2)
    statuses: dict[str, int] = {}

    def start(key: str) -> None:
        client = Api(app.test_client(), admin.token)
        barrier.wait(timeout=10)
        statuses[key] = set_status(client, key, "running").status_code

    threads = [threading.Thread(target=start, args=(key,)) for key in ("copy-a", "copy-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses.values()) == [200, 409]
    running = [e for e in admin.get("/v1/admin/experiments").get_json() if e["status"] == "running"]
    assert len(running) == 1
