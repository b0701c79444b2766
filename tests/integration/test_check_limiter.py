"""The per-device check limit and its stores: limiters that share a store count together,
whether they live in one process, in two processes (the host-local SQLite file, the default)
or on two hosts (Redis); windows end; Retry-After is the rest of the window; a store that
fails lets checks through and says so once."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from limits import RateLimitItemPerMinute
from limits.strategies import FixedWindowRateLimiter

from alertsvc.clock import Clock, utc_now
from alertsvc.config import Settings
from alertsvc.services.limit_store import SQLiteStorage
from alertsvc.services.ratelimit import CheckLimiter
from tests.support import FakeClock

REDIS_URL = os.environ.get("ALERTSVC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
FAILED = "rate-limit store failed; checks are not limited until it recovers"
RECOVERED = "rate-limit store recovered"

MakeLimiter = Callable[[int], CheckLimiter]


def redis_unreachable() -> str | None:
    """Why the test Redis cannot be used, or None when it answers."""
    import redis

    try:
        redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture
def redis_namespace() -> Iterator[str]:
    """A key namespace of this test's own on the real Redis; its keys are deleted after."""
    import redis

    problem = redis_unreachable()
    if problem is not None:
        pytest.skip(f"Redis at {REDIS_URL} is unreachable ({problem}); set ALERTSVC_TEST_REDIS_URL")
    namespace = f"test-limits-{uuid.uuid4().hex[:12]}"
    yield namespace
    client = redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"*{namespace}*"):
        client.delete(key)


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(URL, namespace) of a store limiters can share: the host-local file, or Redis."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'instance' / 'rate-limits.sqlite3'}", "alertsvc-checks"
    return REDIS_URL, request.getfixturevalue("redis_namespace")


def _device() -> str:
    return f"dev_{uuid.uuid4().hex}"


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'rate-limits.sqlite3'}"


# --- limiters sharing one store -------------------------------------------------------------


def test_two_limiters_on_one_store_count_a_devices_checks_together(
    store: tuple[str, str],
) -> None:
    url, namespace = store
    first, second = (CheckLimiter(url, 5, namespace=namespace) for _ in range(2))
    device, now = _device(), utc_now()  # Redis keeps time itself: the real clock

    allowed = [first.retry_after(device, now) is None for _ in range(3)]
    allowed += [second.retry_after(device, now) is None for _ in range(3)]
    allowed.append(first.retry_after(device, now) is None)

    assert allowed == [True] * 5 + [False] * 2


def test_each_device_has_its_own_count(store: tuple[str, str]) -> None:
    url, namespace = store
    limiter = CheckLimiter(url, 2, namespace=namespace)
    busy, quiet, now = _device(), _device(), utc_now()
    for _ in range(2):
        assert limiter.retry_after(busy, now) is None
    assert limiter.retry_after(busy, now) is not None
    assert limiter.retry_after(quiet, now) is None


def _one_instant() -> datetime:
    """Both processes' clock: on the SQLite store a window cannot end while they race, however
    slowly a loaded machine runs them (Redis keeps time itself)."""
    return datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _hit_in_a_process(
    url: str, namespace: str, device: str, hits: int, start: Any, results: Any
) -> None:
    limiter = CheckLimiter(url, hits, namespace=namespace, clock=_one_instant)
    start.wait(30)
    allowed = sum(limiter.retry_after(device, _one_instant()) is None for _ in range(hits))
    results.put(allowed)


def test_two_processes_on_one_store_count_a_devices_checks_together(
    store: tuple[str, str],
) -> None:
    """Each process alone would allow `limit`; together, racing, they allow `limit` in all."""
    url, namespace = store
    limit, device = 60, _device()
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(2), context.Queue()
    processes = [
        context.Process(
            target=_hit_in_a_process, args=(url, namespace, device, limit, start, results)
        )
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    try:
        allowed = [results.get(timeout=60) for _ in processes]
    finally:
        for process in processes:
            process.join(10)
            if process.is_alive():
                process.kill()
    assert sum(allowed) == limit, allowed


# --- windows and Retry-After ----------------------------------------------------------------


def test_a_device_may_check_again_once_the_minute_from_its_first_check_is_over(
    tmp_path: Path,
) -> None:
    clock = FakeClock(datetime(2026, 11, 25, 13, 5, 40, tzinfo=UTC))  # mid-minute on purpose
    limiter = CheckLimiter(_sqlite_url(tmp_path), 3, clock=clock)
    device = _device()
    first = clock()

    assert limiter.retry_after(device, clock()) is None
    clock.advance(seconds=10)
    assert limiter.retry_after(device, clock()) is None
    assert limiter.retry_after(device, clock()) is None
    clock.advance(seconds=10)
    assert limiter.retry_after(device, clock()) == 40
    clock.set(first + timedelta(seconds=59.5))
    assert limiter.retry_after(device, clock()) == 1

    clock.set(first + timedelta(seconds=60))
    assert [limiter.retry_after(device, clock()) for _ in range(4)] == [None, None, None, 60]


def test_retry_after_on_redis_is_the_rest_of_the_minute(redis_namespace: str) -> None:
    limiter = CheckLimiter(REDIS_URL, 2, namespace=redis_namespace)
    device = _device()
    waits = [limiter.retry_after(device, utc_now()) for _ in range(3)]
    assert waits[:2] == [None, None]
    assert waits[2] is not None
    assert 58 <= waits[2] <= 60


def test_windows_that_ended_are_purged_so_the_file_stays_small(tmp_path: Path) -> None:
    clock = FakeClock()
    storage = SQLiteStorage(
        _sqlite_url(tmp_path), clock=lambda: clock().timestamp(), purge_every=10
    )
    for i in range(5):
        storage.incr(f"old-{i}", 60)
    clock.advance(seconds=61)
    for i in range(5):
        storage.incr(f"new-{i}", 60)  # the tenth hit purges

    with sqlite3.connect(tmp_path / "rate-limits.sqlite3") as connection:
        keys = {row[0] for row in connection.execute("SELECT key FROM hits")}
    assert keys == {f"new-{i}" for i in range(5)}


def test_the_sqlite_store_answers_limits_own_window_stats(tmp_path: Path) -> None:
    clock = FakeClock()
    storage = SQLiteStorage(_sqlite_url(tmp_path), clock=lambda: clock().timestamp())
    limiter = FixedWindowRateLimiter(storage)
    item = RateLimitItemPerMinute(2)
    assert limiter.hit(item, "a")
    clock.advance(seconds=15)
    stats = limiter.get_window_stats(item, "a")
    assert stats.remaining == 1
    assert stats.reset_time == (clock() + timedelta(seconds=45)).timestamp()
    assert limiter.test(item, "a")
    storage.clear(item.key_for("a"))
    assert limiter.get_window_stats(item, "a").remaining == 2
    assert storage.check()


# --- a store that fails lets checks through ---------------------------------------------------


def _messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "alertsvc.services.ratelimit"]


def test_a_store_locked_past_its_timeout_lets_checks_through_and_logs_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    limiter = CheckLimiter(_sqlite_url(tmp_path), 1, clock=clock)
    device = _device()
    assert limiter.retry_after(device, clock()) is None  # uses the device's one check
    holder = sqlite3.connect(tmp_path / "rate-limits.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        with caplog.at_level(logging.WARNING):
            assert limiter.retry_after(device, clock()) is None
            assert limiter.retry_after(device, clock()) is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with caplog.at_level(logging.WARNING):
        assert limiter.retry_after(device, clock()) == 60  # counting again

    assert _messages(caplog) == [FAILED, RECOVERED]
    failed = next(r for r in caplog.records if r.getMessage() == FAILED)
    assert "database is locked" in failed.__dict__["error"]
    assert failed.__dict__["store"] == _sqlite_url(tmp_path)


def test_a_damaged_store_file_lets_checks_through_until_it_is_replaced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "rate-limits.sqlite3"
    path.write_bytes(b"this is not a database " * 200)
    clock = FakeClock()
    limiter = CheckLimiter(_sqlite_url(tmp_path), 1, clock=clock)
    device = _device()
    with caplog.at_level(logging.WARNING):
        assert [limiter.retry_after(device, clock()) for _ in range(3)] == [None] * 3
        path.unlink()
        assert [limiter.retry_after(device, clock()) for _ in range(2)] == [None, 60]
    assert _messages(caplog) == [FAILED, RECOVERED]


def test_an_unreachable_redis_lets_checks_through(caplog: pytest.LogCaptureFixture) -> None:
    limiter = CheckLimiter("redis://:secret@127.0.0.1:1/0", 1)
    with caplog.at_level(logging.WARNING):
        assert [limiter.retry_after(_device(), utc_now()) for _ in range(3)] == [None] * 3
    assert _messages(caplog) == [FAILED]
    assert "secret" not in caplog.text
    assert caplog.records[0].__dict__["store"] == "redis://127.0.0.1:1/0"


# --- where the store lives ------------------------------------------------------------------


def test_the_default_store_is_a_file_in_the_instance_folder(tmp_path: Path) -> None:
    env = {"ALERTSVC_ENV": "production", "ALERTSVC_SECRET_KEY": "x" * 32}
    settings = Settings.from_env(env, instance_path=tmp_path)
    assert settings.rate_limit_storage_url == f"sqlite:///{tmp_path / 'rate-limits.sqlite3'}"

    shared = Settings.from_env({**env, "ALERTSVC_RATE_LIMIT_STORAGE_URL": REDIS_URL}, tmp_path)
    assert shared.rate_limit_storage_url == REDIS_URL


def test_limiters_built_from_the_default_settings_share_the_instance_file(
    tmp_path: Path,
) -> None:
    env = {"ALERTSVC_ENV": "production", "ALERTSVC_SECRET_KEY": "x" * 32}
    url = Settings.from_env(env, instance_path=tmp_path / "instance").rate_limit_storage_url
    clock: Clock = FakeClock()
    workers = [CheckLimiter(url, 2, clock=clock) for _ in range(2)]
    device = _device()
    assert [w.retry_after(device, clock()) for w in workers] == [None, None]
    assert [w.retry_after(device, clock()) for w in workers] == [60, 60]
    assert (tmp_path / "instance" / "rate-limits.sqlite3").exists()
