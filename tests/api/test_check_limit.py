"""POST /v1/check's per-device limit over HTTP, with the host-local store: two apps (two
workers of one host) share a device's minute, the minute runs on the app's clock, and a
store that fails never turns a check into an error."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from alertsvc import create_app
from alertsvc.config import Settings
from tests.api.checking import make_teen, pair, put_schedule
from tests.support import Api, FakeClock

IN_SCHOOL = datetime(2026, 11, 25, 13, 20, 30, tzinfo=UTC)


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The suite's settings with the check counts in a host-local file, as `serve` has them."""
    return settings.with_(rate_limit_storage_url=f"sqlite:///{tmp_path / 'rate-limits.sqlite3'}")


@pytest.fixture
def device(parent: Api, clock: FakeClock) -> Api:
    teen = make_teen(parent)
    put_schedule(parent, teen)
    clock.set(IN_SCHOOL)
    return pair(parent, teen)


def _statuses(device: Api, count: int) -> list[int]:
    return [device.post("/v1/check", {}).status_code for _ in range(count)]


def test_two_workers_of_one_host_share_a_devices_120_checks_a_minute(
    device: Api, settings: Settings, clock: FakeClock
) -> None:
    other_worker = create_app(settings, clock=clock)
    try:
        on_other = Api(other_worker.test_client(), device.token)
        assert _statuses(device, 60) == [200] * 60
        assert _statuses(on_other, 60) == [200] * 60

        for worker in (device, on_other):
            limited = worker.post("/v1/check", {})
            assert limited.status_code == 429
            assert limited.headers["Retry-After"] == "60"
            assert limited.content_type == "application/problem+json"
    finally:
        other_worker.extensions["alertsvc"].engine.dispose()


def test_retry_after_is_the_rest_of_the_devices_minute_and_then_checks_resume(
    device: Api, clock: FakeClock
) -> None:
    assert _statuses(device, 100) == [200] * 100
    clock.advance(seconds=25)
    assert _statuses(device, 20) == [200] * 20

    limited = device.post("/v1/check", {})
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "35"

    clock.advance(seconds=35)
    assert _statuses(device, 120) == [200] * 120
    assert device.post("/v1/check", {}).status_code == 429


def test_a_damaged_store_never_turns_a_check_into_an_error(device: Api, tmp_path: Path) -> None:
    (tmp_path / "rate-limits.sqlite3").write_bytes(b"\0damaged\0" * 512)
    assert _statuses(device, 130) == [200] * 130
