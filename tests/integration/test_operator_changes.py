"""Operator changes hold at once across processes (two real `alertsvc serve` processes on one
PostgreSQL): once `PUT /v1/admin/kill-switch` or an experiment `PATCH` has answered 200 on
one process, the very next check on the other process sees the change, every time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import procs

pytestmark = [pytest.mark.slow, procs.needs_postgres]

ROUNDS = 100
ADMIN_EMAIL = "ops@example.com"
ADMIN_PASSWORD = "operator password 1"


@pytest.fixture
def database() -> Iterator[str]:
    with procs.fresh_database("operator") as url:
        yield url


def test_switch_and_experiment_changes_on_one_process_hold_for_the_next_check_on_the_other(
    database: str, tmp_path: Path
) -> None:
    servers = procs.start_servers(2, database, tmp_path, workers=1, threads=4)
    with procs.running(*servers):
        urls = [server.base_url for server in servers]
        procs.run_command(
            database, "create-admin", ADMIN_EMAIL, ALERTSVC_ADMIN_PASSWORD=ADMIN_PASSWORD
        )
        admin = procs.log_in(urls[0], ADMIN_EMAIL, ADMIN_PASSWORD)
        parent = procs.sign_up(urls[0])
        teen_id = procs.teen_in_school_now(parent, max_per_day=50, min_interval=5)
        _, token = procs.pair_device(parent, teen_id)
        device = procs.Client(urls[0], token)
        # Both processes have answered a check (and so loaded what they keep) before any change.
        for url in urls:
            assert device.at(url).ok("POST", "/v1/check", {})["reason"] != "disabled"

        # Kill switch: set on one process, checked at once on the other, on and off in turn.
        missed = []
        for i in range(ROUNDS):
            changer, checker = urls[i % 2], urls[(i + 1) % 2]
            enabled = i % 2 == 0
            admin.at(changer).ok(
                "PUT", "/v1/admin/kill-switch", {"enabled": enabled, "reason": f"drill {i}"}
            )
            reason = device.at(checker).ok("POST", "/v1/check", {})["reason"]
            if (reason == "disabled") is not enabled:
                missed.append((i, enabled, reason))
        assert missed == []

        # Experiment: started (then paused, resumed, ...) on one process, seen on the other.
        variants = [
            {"key": "plain", "weight": 1, "params": {"title": "Phone away?"}},
            {"key": "kind", "weight": 1, "params": {"title": "Back to class?"}},
        ]
        created = {"key": "copy-drill", "traffic_percent": 100, "variants": variants}
        admin.ok("POST", "/v1/admin/experiments", created, status=201)
        for i in range(ROUNDS):
            changer, checker = urls[i % 2], urls[(i + 1) % 2]
            status = "running" if i % 2 == 0 else "paused"
            admin.at(changer).ok("PATCH", "/v1/admin/experiments/copy-drill", {"status": status})
            experiment = device.at(checker).ok("POST", "/v1/check", {})["experiment"]
            if (experiment is not None) is not (status == "running"):
                missed.append((i, status, experiment))
        assert missed == []

        for server in servers:
            assert '"status": 500' not in server.log()
            assert "Traceback" not in server.log()
