"""Two real `alertsvc worker` processes on one PostgreSQL: one leads, the other stays a standby
through its retries, and takes over when the leader is killed without a chance to clean up."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from alertsvc.leader import ADVISORY_LOCK_KEY
from alertsvc.worker import STANDBY_RETRY_SECONDS
from tests import procs

pytestmark = [pytest.mark.slow, procs.needs_postgres]

ACTIVE = "worker is active"
STANDBY = "another worker is active; waiting as a standby"

# Each worker names its database sessions, so PostgreSQL shows which one holds the lock and
# when each last talked to the database.
NAMES = ("worker-a", "worker-b")


@pytest.fixture
def database() -> Iterator[str]:
    with procs.fresh_database("workers") as url:
        yield url


def _named(url: str, name: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


def _lock_holders(url: str) -> list[str]:
    """The workers whose sessions hold the leader's advisory lock."""
    with procs.connect(url) as connection:
        rows = connection.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.database ="
            " (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND ((l.classid::bigint << 32) | l.objid::bigint) = %s",
            [ADVISORY_LOCK_KEY],
        ).fetchall()
    return sorted(row[0] for row in rows)


def _last_exchange(url: str, name: str) -> datetime | None:
    """When `name`'s sessions last finished a statement (a standby's only statements are its
    attempts at the lock), or None while it has none."""
    with procs.connect(url) as connection:
        row = connection.execute(
            "SELECT max(state_change) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s AND state = 'idle'",
            [name],
        ).fetchone()
    return None if row is None else row[0]


def _next_exchange(url: str, name: str, after: datetime) -> datetime | None:
    """When `name` next finished a statement after `after`; None if it did not within three
    retry cycles (one, with room for a busy machine)."""
    seen: list[datetime] = []

    def newer() -> bool:
        last = _last_exchange(url, name)
        if last is not None and last > after:
            seen.append(last)
        return bool(seen)

    happened = procs.wait_until(newer, timeout=3 * STANDBY_RETRY_SECONDS, interval=0.2)
    return seen[0] if happened else None


def test_one_worker_leads_and_a_standby_takes_over_after_kill_9(
    database: str, tmp_path: Path
) -> None:
    first = procs.start_worker(_named(database, NAMES[0]), tmp_path)
    second = procs.start_worker(_named(database, NAMES[1]), tmp_path)
    with procs.running(first, second):
        workers = (first, second)
        assert procs.wait_until(
            lambda: (
                any(w.logged(ACTIVE) for w in workers) and any(w.logged(STANDBY) for w in workers)
            ),
            timeout=20,
        ), [w.log()[-2000:] for w in workers]
        active = [w for w in workers if w.logged(ACTIVE)]
        assert len(active) == 1, [w.log()[-2000:] for w in workers]
        leader = active[0]
        standby = second if leader is first else first
        leader_name, standby_name = (NAMES[0], NAMES[1]) if leader is first else NAMES[::-1]

        # The standby tries the lock again every STANDBY_RETRY_SECONDS. Watch two more attempts
        # finish: had the first taken the lock, the worker would have said so a whole cycle
        # before the second, so the logs below can show it.
        seen = _last_exchange(database, standby_name)
        assert seen is not None, standby.log()[-2000:]
        retried = _next_exchange(database, standby_name, after=seen)
        assert retried is not None, f"the standby never tried again:\n{standby.log()[-2000:]}"
        again = _next_exchange(database, standby_name, after=retried)
        assert again is not None, f"the standby stopped trying:\n{standby.log()[-2000:]}"
        assert _lock_holders(database) == [leader_name]
        assert not standby.logged(ACTIVE), standby.log()[-2000:]
        assert [w for w in workers if w.logged(ACTIVE)] == [leader]

        # Activation runs each job once at once, not after its first interval.
        assert procs.wait_until(
            lambda: all(
                any(e.get("msg", "").startswith(f"job {job} done") for e in leader.json_logs())
                for job in ("retention", "experiment-rollups", "guardrails")
            ),
            timeout=10,
        ), leader.log()[-2000:]

        leader.signal(signal.SIGKILL)
        killed_at = time.monotonic()
        assert procs.wait_until(lambda: standby.logged(ACTIVE), timeout=30), standby.log()[-2000:]
        takeover = time.monotonic() - killed_at
        print(f"standby took over {takeover:.1f} s after kill -9")
        assert takeover < 30
        assert standby.alive()
        assert _lock_holders(database) == [standby_name]

        # A clean stop releases the lock and exits 0.
        assert standby.stop() == 0
        assert standby.logged("worker stopping on signal 15")
