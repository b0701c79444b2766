"""Helpers for tests that pair a device and poll the check endpoint."""

from __future__ import annotations

from typing import Any

from tests.support import Api

SCHOOL_WEEK = {
    day: [{"start": "08:00", "end": "15:00"}] for day in ("mon", "tue", "wed", "thu", "fri")
}


def make_teen(parent: Api, timezone: str = "America/New_York", **extra: Any) -> str:
    response = parent.post("/v1/teens", {"nickname": "Sam", "timezone": timezone, **extra})
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def put_schedule(parent: Api, teen_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"weekly": SCHOOL_WEEK, "observe_public_holidays": False}
    body.update(overrides)
    response = parent.put(f"/v1/teens/{teen_id}/schedule", body)
    assert response.status_code == 200, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


def pair(parent: Api, teen_id: str, platform: str = "ios") -> Api:
    """A client holding a fresh device token for the teen."""
    code = parent.post(f"/v1/teens/{teen_id}/pairing-codes").get_json()["code"]
    paired = parent.as_(None).post("/v1/devices", {"pairing_code": code, "platform": platform})
    assert paired.status_code == 201, paired.get_json()
    return parent.as_(paired.get_json()["device_token"])


def check(device: Api, **body: Any) -> dict[str, Any]:
    response = device.post("/v1/check", body)
    assert response.status_code == 200, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result
