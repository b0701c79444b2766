"""Request logs and Prometheus metrics: one line per request, and nothing personal in either."""

from __future__ import annotations

import json
import logging
import re

import pytest
from flask import Flask

from alertsvc import jobs
from alertsvc.logs import JsonFormatter
from tests.api.checking import check, make_teen, pair, put_schedule
from tests.conftest import sign_up
from tests.support import Api, FakeClock

EMAIL = "dana.logcheck@example.com"
NICKNAME = "Zephyrine"
COMMENT = "revising for the chemistry quiz"


def access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "alertsvc.access"]


def test_each_request_logs_one_line_with_method_route_status_duration_and_id(
    parent: Api, caplog: pytest.LogCaptureFixture
) -> None:
    teen_id = make_teen(parent)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="alertsvc"):
        ok = parent.get(f"/v1/teens/{teen_id}")
        missing = parent.get("/v1/teens/nope")
        unmatched = parent.get("/v1/no-such-route")
    records = access_records(caplog)
    assert len(records) == 3
    answers = [ok, missing, unmatched]
    expected = [
        ("GET", "/v1/teens/<teen_id>", 200),
        ("GET", "/v1/teens/<teen_id>", 404),
        ("GET", "<unmatched>", 404),
    ]
    for record, response, (method, route, status) in zip(records, answers, expected, strict=True):
        fields = record.__dict__
        assert (fields["method"], fields["route"], fields["status"]) == (method, route, status)
        assert isinstance(fields["duration_ms"], float)
        assert fields["duration_ms"] >= 0
        assert fields["request_id"] == response.headers["X-Request-ID"]
        line = JsonFormatter().format(record)
        written = json.loads(line)
        assert (written["logger"], written["msg"], written["route"]) == (
            "alertsvc.access",
            "request",
            route,
        )
        assert written["request_id"] == fields["request_id"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", written["ts"])
        assert teen_id not in line  # the template, never the id


def test_a_valid_request_id_is_kept_and_junk_is_replaced(api: Api) -> None:
    kept = api.get("/healthz", headers={"X-Request-ID": "abc-123.DEF_4"})
    assert kept.headers["X-Request-ID"] == "abc-123.DEF_4"
    for junk in ("has spaces", "x" * 65, "semi;colon", "<script>", ""):
        replaced = api.get("/healthz", headers={"X-Request-ID": junk})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-ID"]), junk
    first = api.get("/healthz").headers["X-Request-ID"]
    assert first != api.get("/healthz").headers["X-Request-ID"]


def test_logs_and_metrics_never_carry_tokens_emails_nicknames_or_comments(
    app: Flask, api: Api, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    password = "correct horse battery"
    with caplog.at_level(logging.DEBUG, logger="alertsvc"):
        token = sign_up(api, EMAIL, password)
        parent = api.as_(token)
        created = parent.post("/v1/teens", {"nickname": NICKNAME, "timezone": "America/New_York"})
        teen_id = created.get_json()["id"]
        put_schedule(parent, teen_id)
        device = pair(parent, teen_id)
        clock.set(clock.now.replace(hour=14))  # 09:00 in New York: a nudge is due
        nudge = check(device)["nudge"]
        assert nudge is not None
        device.post(f"/v1/nudges/{nudge['id']}/ack", {"action": "school_use", "comment": COMMENT})
        # failures log too: a wrong password, a bad token, a malformed body
        api.post("/v1/auth/token", {"email": EMAIL, "password": "wrong password!"})
        api.as_("not-a-real-token").get("/v1/teens")
        parent.post("/v1/teens", {"nickname": NICKNAME, "timezone": "Not/AZone"})
        parent.get(f"/v1/teens/{teen_id}/export")
        metrics_text = api.get("/metrics").get_data(as_text=True)
    assert device.token is not None
    secrets = {
        "parent token": token,
        "device token": device.token,
        "email": EMAIL,
        "email local part": "dana.logcheck",
        "password": password,
        "nickname": NICKNAME,
        "ack comment": COMMENT,
    }
    formatter = JsonFormatter()
    logged = "\n".join(formatter.format(r) for r in caplog.records) + caplog.text
    assert len(access_records(caplog)) >= 10
    for what, value in secrets.items():
        assert value not in logged, f"the logs carry the {what}"
        assert value not in metrics_text, f"/metrics carries the {what}"


def test_metrics_expose_checks_latency_nudges_acks_errors_durations_and_jobs(
    app: Flask, parent: Api, clock: FakeClock
) -> None:
    teen_id = make_teen(parent)
    put_schedule(parent, teen_id)
    device = pair(parent, teen_id)
    check(device)  # 08:05 in New York: still in the grace period
    clock.set(clock.now.replace(hour=14))
    nudge = check(device)["nudge"]
    assert nudge is not None
    device.post(f"/v1/nudges/{nudge['id']}/ack", {"action": "dismissed"})
    parent.get("/v1/teens/nope")
    jobs.run_job("retention", jobs.purge_retention, app.extensions["alertsvc"])

    response = parent.as_(None).get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    samples = [
        'alertsvc_checks_total{reason="grace_period"}',
        'alertsvc_checks_total{reason="in_school_hours"}',
        "alertsvc_check_latency_seconds_bucket{le=",
        "alertsvc_check_latency_seconds_count",
        "alertsvc_nudges_total",
        'alertsvc_acks_total{action="dismissed"}',
        'alertsvc_errors_total{status="404"}',
        'alertsvc_request_duration_seconds_bucket{le="0.005",method="GET",'
        'route="/v1/teens/<teen_id>",status="404"}',
        'alertsvc_request_duration_seconds_count{method="POST",route="/v1/check",status="200"}',
        'alertsvc_job_runs_total{job="retention",outcome="ok"}',
        "alertsvc_db_pool_checked_out",
    ]
    for sample in samples:
        assert sample in text, sample
    assert teen_id not in text


def test_the_pool_gauge_counts_connections_in_use(app: Flask) -> None:
    from prometheus_client import REGISTRY

    def in_use() -> float:
        value = REGISTRY.get_sample_value("alertsvc_db_pool_checked_out")
        assert value is not None
        return value

    before = in_use()
    with app.extensions["alertsvc"].engine.connect():
        assert in_use() == before + 1
    assert in_use() == before
