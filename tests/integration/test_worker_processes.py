"""Two real `alertsvc worker` processes on one PostgreSQL: one leads, the other takes over
when the leader is killed without a chance to clean up."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import procs

pytestmark = [pytest.mark.slow, procs.needs_postgres]

ACTIVE = "worker is active"
STANDBY = "another worker is active; waiting as a standby"


@pytest.fixture
def database() -> Iterator[str]:
    with procs.fresh_database("workers") as url:
        yield url


def test_one_worker_leads_and_a_standby_takes_over_after_kill_9(
    database: str, tmp_path: Path
) -> None:
    first = procs.start_worker(database, tmp_path)
    second = procs.start_worker(database, tmp_path)
    with procs.running(first, second):
        workers = (first, second)
        assert procs.wait_until(
            lambda: (
                any(w.logged(ACTIVE) for w in workers) and any(w.logged(STANDBY) for w in workers)
            ),
            timeout=20,
        ), [w.log()[-2000:] for w in workers]
        time.sleep(2)  # a second leader would have shown up by now (standbys retry every 5 s)
        active = [w for w in workers if w.logged(ACTIVE)]
        assert len(active) == 1, [w.log()[-2000:] for w in workers]
        leader = active[0]
        standby = second if leader is first else first
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

        # A clean stop releases the lock and exits 0.
        assert standby.stop() == 0
        assert standby.logged("worker stopping on signal 15")
