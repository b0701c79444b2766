"""The worker's leader lock: PostgreSQL advisory lock on real connections, SQLite lease."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from alertsvc.db.base import Base
from alertsvc.leader import AdvisoryLock, LeaseLock, leader_lock
from tests import procs
from tests.support import FakeClock

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_url() -> Iterator[str]:
    if procs.POSTGRES_URL is None:
        pytest.skip("needs ALERTSVC_TEST_POSTGRES_URL (a PostgreSQL server to create databases on)")
    with procs.fresh_database("leader", migrate=False) as url:
        yield url


def _pg_engine(url: str) -> Engine:
    return create_engine("postgresql+psycopg://" + url.split("://", 1)[1])


def test_only_one_advisory_lock_holder_and_a_dead_connection_frees_it(pg_url: str) -> None:
    first, second = _pg_engine(pg_url), _pg_engine(pg_url)
    try:
        a, b = leader_lock(first, FakeClock()), leader_lock(second, FakeClock())
        assert isinstance(a, AdvisoryLock)
        assert isinstance(b, AdvisoryLock)
        assert a.acquire() is True
        assert b.acquire() is False
        assert a.held() is True
        assert b.held() is False

        # The server ends A's session, as when its host dies or the network drops it.
        with procs.connect(pg_url) as admin:
            pid = admin.execute(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            ).fetchone()[0]
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

        assert procs.wait_until(lambda: a.held() is False, timeout=5)
        assert b.acquire() is True
        assert a.acquire() is False
        b.release()
    finally:
        first.dispose()
        second.dispose()


def test_an_invalidated_connection_releases_the_advisory_lock(pg_url: str) -> None:
    first, second = _pg_engine(pg_url), _pg_engine(pg_url)
    try:
        a, b = AdvisoryLock(first), AdvisoryLock(second)
        assert a.acquire() is True
        assert b.acquire() is False
        a._drop()  # the holder's connection is closed without unlocking
        assert procs.wait_until(b.acquire, timeout=5)
        b.release()
        assert a.acquire() is True
        a.release()
    finally:
        first.dispose()
        second.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'lease.db'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def test_the_lease_holder_renews_and_a_standby_takes_over_after_it_runs_out(
    sqlite_engine: Engine,
) -> None:
    clock = FakeClock()
    a = LeaseLock(sqlite_engine, clock, ttl=timedelta(seconds=20))
    b = LeaseLock(sqlite_engine, clock, ttl=timedelta(seconds=20))
    assert isinstance(leader_lock(sqlite_engine, clock), LeaseLock)

    assert a.acquire() is True
    assert b.acquire() is False
    for _ in range(5):  # renewals keep it well past one TTL
        clock.advance(seconds=15)
        assert a.held() is True
        assert b.acquire() is False

    clock.advance(seconds=19)
    assert b.acquire() is False
    clock.advance(seconds=2)  # 21 s since the last renewal: the holder is presumed dead
    assert b.acquire() is True
    assert a.held() is False
    assert a.acquire() is False


def test_a_released_lease_is_free_at_once(sqlite_engine: Engine) -> None:
    clock = FakeClock()
    a, b = LeaseLock(sqlite_engine, clock), LeaseLock(sqlite_engine, clock)
    assert a.acquire() is True
    a.release()
    assert b.acquire() is True
