"""The operator kill switch: set and read it, its audit trail, and its short cache."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from alertsvc import edge
from alertsvc.db.models import ServiceFlag
from alertsvc.services import flags
from tests.conftest import ADMIN_EMAIL
from tests.support import Api, FakeClock


def test_the_switch_is_off_until_someone_sets_it(admin: Api) -> None:
    assert admin.get("/v1/admin/kill-switch").get_json() == {
        "enabled": False,
        "reason": "",
        "updated_at": None,
        "updated_by": None,
    }


def test_turning_it_on_and_off_is_answered_read_back_and_audited(
    admin: Api, clock: FakeClock
) -> None:
    on = admin.put("/v1/admin/kill-switch", {"enabled": True, "reason": "bad release"})
    assert on.status_code == 200
    assert on.get_json() == {
        "enabled": True,
        "reason": "bad release",
        "updated_at": "2026-11-25T13:05:00Z",
        "updated_by": ADMIN_EMAIL,
    }
    assert admin.get("/v1/admin/kill-switch").get_json() == on.get_json()

    clock.advance(minutes=30)
    off = admin.put("/v1/admin/kill-switch", {"enabled": False, "reason": "fixed"})
    assert off.get_json()["enabled"] is False
    assert off.get_json()["updated_at"] == "2026-11-25T13:35:00Z"

    entries = admin.get("/v1/admin/audit").get_json()
    assert [(e["action"], e["actor"], e["target"]) for e in entries] == [
        ("kill_switch.disable", ADMIN_EMAIL, "kill_switch"),
        ("kill_switch.enable", ADMIN_EMAIL, "kill_switch"),
    ]
    assert entries[0]["before"] == {"enabled": True, "reason": "bad release"}
    assert entries[0]["after"] == {"enabled": False, "reason": "fixed"}
    assert entries[1]["at"] == "2026-11-25T13:05:00Z"


def test_the_switch_is_seen_at_once_by_the_process_that_set_it(admin: Api, app: Flask) -> None:
    with app.app_context():
        assert flags.kill_switch_enabled(edge.db(), 60) is False
    admin.put("/v1/admin/kill-switch", {"enabled": True, "reason": "incident"})
    with app.app_context():
        assert flags.kill_switch_enabled(edge.db(), 60) is True


def test_other_processes_see_a_change_within_the_cache_age(app: Flask, clock: FakeClock) -> None:
    sessions = app.extensions["alertsvc"].sessions
    with sessions() as session:
        assert flags.kill_switch_enabled(session, max_age=60) is False
        # Another process flips the flag behind this one's back.
        session.add(
            ServiceFlag(
                key=flags.KILL_SWITCH,
                enabled=True,
                reason="from elsewhere",
                updated_at=clock.now,
                updated_by="ops@example.com",
            )
        )
        session.commit()
        assert flags.kill_switch_enabled(session, max_age=60) is False  # still cached
        assert flags.kill_switch_enabled(session, max_age=0) is True  # re-read
        assert flags.get_kill_switch(session).reason == "from elsewhere"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"enabled": True}, "reason"),
        ({"reason": "x"}, "enabled"),
        ({"enabled": "yes", "reason": "x"}, "enabled"),
        ({"enabled": True, "reason": ""}, "reason"),
        ({"enabled": True, "reason": "r" * 501}, "reason"),
        ({"enabled": True, "reason": "x", "until": "tomorrow"}, "until"),
    ],
)
def test_invalid_changes_are_422(admin: Api, body: dict[str, Any], field: str) -> None:
    response = admin.put("/v1/admin/kill-switch", body)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.get_json()["errors"]]
    assert admin.get("/v1/admin/kill-switch").get_json()["enabled"] is False


def test_parents_cannot_touch_the_switch(parent: Api) -> None:
    assert parent.put("/v1/admin/kill-switch", {"enabled": True, "reason": "x"}).status_code == 403
    assert parent.get("/v1/admin/kill-switch").status_code == 403
