"""Prometheus metrics. Labels never carry anything about a teen: reasons, actions, routes.

Under gunicorn every worker process counts for itself; `alertsvc serve` sets
PROMETHEUS_MULTIPROC_DIR so `/metrics` sums all of them.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import Engine, event

blueprint = Blueprint("metrics", __name__)

CHECKS = Counter("alertsvc_checks_total", "Checks answered, by reason", ["reason"])
CHECK_LATENCY = Histogram(
    "alertsvc_check_latency_seconds",
    "Time to answer POST /v1/check",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
NUDGES = Counter("alertsvc_nudges_total", "New nudges emitted (re-deliveries not counted)")
REDELIVERIES = Counter("alertsvc_nudge_redeliveries_total", "Unacknowledged nudges re-delivered")
ACKS = Counter("alertsvc_acks_total", "Acks recorded, by action", ["action"])
ERRORS = Counter("alertsvc_errors_total", "Error answers, by status", ["status"])
REQUESTS = Histogram(
    "alertsvc_request_duration_seconds",
    "HTTP request duration by route template",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
JOB_RUNS = Counter("alertsvc_job_runs_total", "Background job runs", ["job", "outcome"])
DB_POOL_CHECKED_OUT = Gauge(
    "alertsvc_db_pool_checked_out",
    "Database connections in use in this process",
    multiprocess_mode="livesum",
)


# Labelled children, memoised: prometheus_client's `labels()` validates and looks up its
# arguments under a lock on every call, and a label set's child never changes. Labels are
# route templates, statuses and reason codes, so the keys are few; the bound only stops odd
# methods from growing the memo.
_children: dict[tuple[object, ...], Any] = {}
_MAX_CHILDREN = 1024


def _child(metric: Any, *labels: str) -> Any:
    key = (metric, *labels)
    child = _children.get(key)
    if child is None:
        child = metric.labels(*labels)
        if len(_children) < _MAX_CHILDREN:
            _children[key] = child
    return child


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """One answered request: its duration by route template, and an error by status."""
    _child(REQUESTS, method, route, str(status)).observe(seconds)
    if status >= 400:
        _child(ERRORS, str(status)).inc()


def observe_check(reason: str, seconds: float, *, new_nudge: bool, redelivered: bool) -> None:
    """One answered check: its reason, its time, and a new or a re-delivered nudge."""
    _child(CHECKS, reason).inc()
    CHECK_LATENCY.observe(seconds)
    if new_nudge:
        NUDGES.inc()
    elif redelivered:
        REDELIVERIES.inc()


def watch_pool(engine: Engine) -> None:
    """Keep DB_POOL_CHECKED_OUT at the number of this process's connections in use."""

    def _checkout(*_args: Any) -> None:
        DB_POOL_CHECKED_OUT.inc()

    def _checkin(*_args: Any) -> None:
        DB_POOL_CHECKED_OUT.dec()

    event.listen(engine, "checkout", _checkout)
    event.listen(engine, "checkin", _checkin)


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


@blueprint.get("/metrics")
def metrics() -> Response:
    return Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST)
