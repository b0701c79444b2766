"""The operator kill switch: set and read it, its audit trail, and that it holds for every
check answered after the change, whichever app instance made it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from alertsvc import create_app
from alertsvc.config import Settings
from alertsvc.db.models import ServiceFlag
from alertsvc.services import flags
from tests.api.checking import check, make_teen, pair, put_schedule
from tests.api.test_check import IN_SCHOOL
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


@pytest.fixture
def other_app(settings: Settings, clock: FakeClock) -> Iterator[Api]:
    """A second app instance on the same database, as another process would be, with its own
    connection pool and its own copies of everything a process keeps."""
    application = create_app(settings, clock=clock)
    application.testing = True
    yield Api(application.test_client())
    application.extensions["alertsvc"].engine.dispose()


def test_a_switch_set_through_another_app_holds_for_the_very_next_check(
    admin: Api, parent: Api, other_app: Api, clock: FakeClock
) -> None:
    """No wait and no clock movement between the change and the check: the check reads the
    switch in its own query, so no process answers from an older copy."""
    clock.set(IN_SCHOOL)
    teen = make_teen(parent)
    put_schedule(parent, teen, policy={"grace_minutes": 0, "min_interval_minutes": 5})
    device = pair(parent, teen)
    elsewhere = other_app.as_(admin.token)
    assert check(device)["reason"] == "in_school_hours"  # this app has read the switch
    for enabled, reason in ((True, "disabled"), (False, "in_school_hours")) * 3:
        switched = elsewhere.put("/v1/admin/kill-switch", {"enabled": enabled, "reason": "drill"})
        assert switched.status_code == 200
        assert check(device)["reason"] == reason
        if reason == "in_school_hours":
            clock.advance(minutes=5)  # past the frequency cap for the next nudge


def test_a_switch_written_straight_into_the_database_holds_at_once(
    app: Flask, parent: Api, clock: FakeClock
) -> None:
    clock.set(IN_SCHOOL)
    teen = make_teen(parent)
    put_schedule(parent, teen)
    device = pair(parent, teen)
    assert check(device)["reason"] == "in_school_hours"
    with app.extensions["alertsvc"].sessions() as session:
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
    assert check(device)["reason"] == "disabled"


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
