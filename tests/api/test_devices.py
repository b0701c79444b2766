"""Pairing codes, device tokens, listing and revoking devices."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from tests.api.checking import check, make_teen, pair
from tests.support import Api, FakeClock


def test_pairing_code_is_eight_unambiguous_characters_valid_fifteen_minutes(
    parent: Api, clock: FakeClock
) -> None:
    teen = make_teen(parent)
    response = parent.post(f"/v1/teens/{teen}/pairing-codes")
    assert response.status_code == 201
    body = response.get_json()
    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}", body["code"])
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires - clock.now == timedelta(minutes=15)


def test_a_code_pairs_once_and_the_device_is_listed(parent: Api, clock: FakeClock) -> None:
    teen = make_teen(parent)
    code = parent.post(f"/v1/teens/{teen}/pairing-codes").get_json()["code"]
    anyone = parent.as_(None)
    first = anyone.post("/v1/devices", {"pairing_code": code.lower(), "platform": "android"})
    assert first.status_code == 201
    assert set(first.get_json()) == {"device_id", "device_token"}
    again = anyone.post("/v1/devices", {"pairing_code": code, "platform": "ios"})
    assert again.status_code == 400
    assert again.mimetype == "application/problem+json"
    devices = parent.get(f"/v1/teens/{teen}/devices").get_json()
    assert [(d["id"], d["platform"]) for d in devices] == [
        (first.get_json()["device_id"], "android")
    ]
    assert devices[0]["last_seen_at"] is None


def test_an_expired_code_is_refused(parent: Api, clock: FakeClock) -> None:
    teen = make_teen(parent)
    code = parent.post(f"/v1/teens/{teen}/pairing-codes").get_json()["code"]
    clock.advance(minutes=15)
    refused = parent.as_(None).post("/v1/devices", {"pairing_code": code, "platform": "ios"})
    assert refused.status_code == 400


def test_bad_platform_is_a_422_naming_the_field(api: Api) -> None:
    response = api.post("/v1/devices", {"pairing_code": "ABCDEFGH", "platform": "symbian"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "platform"


def test_failed_pairings_are_limited_per_address(api: Api, clock: FakeClock) -> None:
    for _ in range(10):
        assert (
            api.post("/v1/devices", {"pairing_code": "WRONGONE", "platform": "ios"}).status_code
            == 400
        )
    blocked = api.post("/v1/devices", {"pairing_code": "WRONGONE", "platform": "ios"})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1


def test_revoked_device_token_stops_working_at_once(parent: Api) -> None:
    teen = make_teen(parent)
    device = pair(parent, teen)
    assert check(device)["reason"] == "no_schedule"
    device_id = parent.get(f"/v1/teens/{teen}/devices").get_json()[0]["id"]
    assert parent.delete(f"/v1/teens/{teen}/devices/{device_id}").status_code == 204
    assert device.post("/v1/check", {}).status_code == 401
    assert parent.delete(f"/v1/teens/{teen}/devices/{device_id}").status_code == 404


def test_another_familys_devices_are_404(parent: Api, other_parent: Api) -> None:
    teen = make_teen(parent)
    pair(parent, teen)
    device_id = parent.get(f"/v1/teens/{teen}/devices").get_json()[0]["id"]
    assert other_parent.post(f"/v1/teens/{teen}/pairing-codes").status_code == 404
    assert other_parent.get(f"/v1/teens/{teen}/devices").status_code == 404
    assert other_parent.delete(f"/v1/teens/{teen}/devices/{device_id}").status_code == 404
    assert parent.get(f"/v1/teens/{teen}/devices").get_json()[0]["id"] == device_id


def test_checking_updates_last_seen(parent: Api, clock: FakeClock) -> None:
    teen = make_teen(parent)
    device = pair(parent, teen)
    check(device)
    seen = parent.get(f"/v1/teens/{teen}/devices").get_json()[0]["last_seen_at"]
    assert datetime.fromisoformat(seen) == clock.now
