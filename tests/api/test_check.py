"""POST /v1/check and acks over HTTP: the decision order as a client sees it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from alertsvc import create_app
from alertsvc.config import RateLimits, Settings
from alertsvc.services import check as check_service
from tests.api.checking import check, make_teen, pair, put_schedule
from tests.conftest import sign_up
from tests.support import Api, FakeClock

# 2026-11-25 is a Wednesday; 13:20Z is 08:20 in New York, inside 08:00–15:00 past the grace.
IN_SCHOOL = datetime(2026, 11, 25, 13, 20, tzinfo=UTC)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def device(parent: Api, clock: FakeClock) -> Api:
    teen = make_teen(parent)
    put_schedule(parent, teen)
    clock.set(IN_SCHOOL)
    return pair(parent, teen)


def test_check_in_school_hours_nudges_with_window_and_explanation(
    device: Api, clock: FakeClock
) -> None:
    body = check(device)
    assert body["reason"] == "in_school_hours"
    assert body["nudge"]["id"].startswith("nud_")
    assert body["nudge"]["title"]
    assert body["nudge"]["body"]
    assert body["window"] == {"start": "2026-11-25T13:00:00Z", "end": "2026-11-25T20:00:00Z"}
    assert body["schedule_version"] == 1
    assert body["experiment"] is None
    assert "8:00 AM – 3:00 PM" in body["explanation"]  # English without a region: CLDR's en
    assert "America/New_York" in body["explanation"]
    next_check = _instant(body["next_check_at"])
    assert clock.now + timedelta(seconds=60) <= next_check <= clock.now + timedelta(hours=1)


def test_an_unacked_nudge_is_redelivered_for_120_seconds(device: Api, clock: FakeClock) -> None:
    first = check(device)["nudge"]["id"]
    clock.advance(seconds=119)
    again = check(device)
    assert again["nudge"]["id"] == first
    clock.advance(seconds=2)
    later = check(device)
    assert later["nudge"] is None
    assert later["reason"] == "frequency_cap"


def test_an_acked_nudge_is_not_redelivered(device: Api, clock: FakeClock) -> None:
    first = check(device)["nudge"]["id"]
    assert device.post(f"/v1/nudges/{first}/ack", {"action": "shown"}).status_code == 204
    assert device.post(f"/v1/nudges/{first}/ack", {"action": "shown"}).status_code == 204
    clock.advance(seconds=10)
    body = check(device)
    assert body["nudge"] is None
    assert body["reason"] == "frequency_cap"


def test_a_new_nudge_after_the_interval(device: Api, clock: FakeClock) -> None:
    first = check(device)["nudge"]["id"]
    device.post(f"/v1/nudges/{first}/ack", {"action": "shown"})
    clock.advance(minutes=30)
    second = check(device)
    assert second["nudge"] is not None
    assert second["nudge"]["id"] != first


def test_dismissals_double_the_interval(device: Api, clock: FakeClock) -> None:
    first = check(device)["nudge"]["id"]
    device.post(f"/v1/nudges/{first}/ack", {"action": "dismissed"})
    clock.advance(minutes=31)
    assert check(device)["reason"] == "frequency_cap"
    clock.advance(minutes=30)
    assert check(device)["reason"] == "in_school_hours"


def test_school_use_snoozes(device: Api, clock: FakeClock) -> None:
    first = check(device)["nudge"]["id"]
    device.post(f"/v1/nudges/{first}/ack", {"action": "school_use"})
    clock.advance(minutes=29)
    assert check(device)["reason"] == "snoozed"


def test_far_away_device_is_not_nudged(device: Api) -> None:
    body = check(device, utc_offset_minutes=60)
    assert body["reason"] == "away"
    assert body["nudge"] is None
    assert check(device, utc_offset_minutes=-300)["reason"] == "in_school_hours"


def test_grace_period_then_outside_hours(device: Api, clock: FakeClock) -> None:
    clock.set(datetime(2026, 11, 25, 13, 5, tzinfo=UTC))
    assert check(device)["reason"] == "grace_period"
    clock.set(datetime(2026, 11, 25, 21, 0, tzinfo=UTC))
    body = check(device)
    assert body["reason"] == "outside_school_hours"
    assert body["window"]["start"] == "2026-11-26T13:00:00Z"


def test_pause_and_resume(parent: Api, device: Api) -> None:
    teen = parent.get("/v1/teens").get_json()[0]["id"]
    until = (IN_SCHOOL + timedelta(hours=2)).isoformat()
    paused = parent.post(f"/v1/teens/{teen}/pause", {"until": until})
    assert paused.status_code == 200
    assert check(device)["reason"] == "paused"
    assert parent.delete(f"/v1/teens/{teen}/pause").status_code == 204
    assert check(device)["reason"] == "in_school_hours"


def test_pause_in_the_past_is_422(parent: Api, device: Api) -> None:
    teen = parent.get("/v1/teens").get_json()[0]["id"]
    response = parent.post(f"/v1/teens/{teen}/pause", {"until": "2020-01-01T00:00:00Z"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "until"
    naive = parent.post(f"/v1/teens/{teen}/pause", {"until": "2030-01-01T00:00:00"})
    assert naive.status_code == 422


def test_no_schedule_answers_no_schedule(parent: Api) -> None:
    device = pair(parent, make_teen(parent))
    body = check(device)
    assert body["reason"] == "no_schedule"
    assert body["window"] is None
    assert body["schedule_version"] is None


def test_check_needs_a_device_token(api: Api, parent: Api) -> None:
    assert api.post("/v1/check", {}).status_code == 401
    refused = parent.post("/v1/check", {})
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert refused.content_type == "application/problem+json"


def test_ack_needs_a_device_token(api: Api, parent: Api, device: Api) -> None:
    nudge = check(device)["nudge"]["id"]
    assert api.post(f"/v1/nudges/{nudge}/ack", {"action": "shown"}).status_code == 401
    refused = parent.post(f"/v1/nudges/{nudge}/ack", {"action": "shown"})
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == "Bearer"


def test_a_check_that_keeps_losing_the_compare_and_set_is_503_and_writes_nothing(
    parent: Api, device: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Other checks for the teen won every time: the client asks again in a moment."""

    def always_lost(*_args: object) -> bool:
        return False

    monkeypatch.setattr(check_service, "save_state", always_lost)
    busy = device.post("/v1/check", {})
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "1"
    assert busy.get_json()["detail"] == "Too many checks for this teen at once; try again shortly."
    monkeypatch.undo()
    teen = parent.get("/v1/teens").get_json()[0]["id"]
    assert parent.get(f"/v1/teens/{teen}/nudges").get_json() == []


def test_check_accepts_an_empty_body(device: Api) -> None:
    response = device.client.post(
        "/v1/check", headers={"Authorization": device._headers(None)["Authorization"]}
    )
    assert response.status_code == 200


def test_bad_offset_is_422(device: Api) -> None:
    response = device.post("/v1/check", {"utc_offset_minutes": "sixty"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "utc_offset_minutes"


def test_checks_are_limited_per_device(device: Api, clock: FakeClock) -> None:
    for _ in range(120):
        assert device.post("/v1/check", {}).status_code == 200
    limited = device.post("/v1/check", {})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1


def test_ack_of_another_teens_nudge_is_404(parent: Api, device: Api) -> None:
    nudge = check(device)["nudge"]["id"]
    other_teen = make_teen(parent)
    other_device = pair(parent, other_teen)
    assert other_device.post(f"/v1/nudges/{nudge}/ack", {"action": "shown"}).status_code == 404
    assert device.post("/v1/nudges/nud_nope/ack", {"action": "shown"}).status_code == 404


def test_report_wrong_comment_is_limited_to_500_chars(device: Api) -> None:
    nudge = check(device)["nudge"]["id"]
    too_long = device.post(
        f"/v1/nudges/{nudge}/ack", {"action": "report_wrong", "comment": "x" * 501}
    )
    assert too_long.status_code == 422
    ok = device.post(
        f"/v1/nudges/{nudge}/ack", {"action": "report_wrong", "comment": "I'm home sick"}
    )
    assert ok.status_code == 204


def test_history_lists_nudges_newest_first_with_acks(
    parent: Api, device: Api, clock: FakeClock
) -> None:
    teen = parent.get("/v1/teens").get_json()[0]["id"]
    first = check(device)["nudge"]["id"]
    device.post(f"/v1/nudges/{first}/ack", {"action": "dismissed"})
    clock.advance(hours=1, minutes=1)
    second = check(device)["nudge"]["id"]
    history = parent.get(f"/v1/teens/{teen}/nudges?limit=10").get_json()
    assert [n["id"] for n in history] == [second, first]
    assert history[1]["acks"][0]["action"] == "dismissed"
    assert history[1]["reason"] == "in_school_hours"
    assert history[1]["explanation"]
    assert history[1]["window"]["start"] == "2026-11-25T13:00:00Z"
    assert parent.get(f"/v1/teens/{teen}/nudges?limit=1").get_json()[0]["id"] == second
    assert parent.get(f"/v1/teens/{teen}/nudges?limit=0").status_code == 422


def test_export_has_everything_but_secrets(parent: Api, device: Api) -> None:
    teen = parent.get("/v1/teens").get_json()[0]["id"]
    nudge = check(device)["nudge"]["id"]
    device.post(f"/v1/nudges/{nudge}/ack", {"action": "report_wrong", "comment": "sick"})
    export = parent.get(f"/v1/teens/{teen}/export").get_json()
    assert export["teen"][0]["id"] == teen
    assert export["nudges"][0]["id"] == nudge
    assert export["acks"][0]["comment"] == "sick"
    assert export["devices"][0]["platform"] == "ios"
    assert "token_hash" not in export["devices"][0]
    assert export["schedules"][0]["version"] == 1


def test_deleting_the_teen_kills_its_devices(parent: Api, device: Api) -> None:
    teen = parent.get("/v1/teens").get_json()[0]["id"]
    check(device)
    assert parent.delete(f"/v1/teens/{teen}").status_code == 204
    assert device.post("/v1/check", {}).status_code == 401
    assert parent.get(f"/v1/teens/{teen}/export").status_code == 404


def test_the_real_clock_drives_the_check_under_freezegun(settings: Settings) -> None:
    # The default clock (alertsvc.clock.utc_now), and no check limiter: its in-memory store
    # expires counts on a timer thread that reads time.time() 10 ms after each check, and
    # freezegun, which patches every thread, can raise in that thread while it stops.
    app = create_app(settings.with_(rate_limits=RateLimits(enabled=False)))
    api = Api(app.test_client())
    parent = api.as_(sign_up(api))
    teen = make_teen(parent)
    put_schedule(parent, teen)
    device = pair(parent, teen)
    with freeze_time("2026-11-25T13:20:00Z"):
        assert check(device)["reason"] == "in_school_hours"
    with freeze_time("2026-11-28T15:00:00Z"):  # Saturday
        assert check(device)["reason"] == "no_school_today"
    app.extensions["alertsvc"].engine.dispose()
