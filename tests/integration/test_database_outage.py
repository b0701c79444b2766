"""Faults under real processes: PostgreSQL stops, or restarts, under load, and a SIGTERM
arrives while checks are in flight.

The outage and restart tests stop the whole PostgreSQL cluster that serves
ALERTSVC_TEST_POSTGRES_URL (found by its port with `pg_lsclusters`), so they run only where
that cluster is local and ours to stop (127.0.0.1 and `pg_ctlcluster`), keep the outage
short and always start the cluster again.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests import procs

pytestmark = [pytest.mark.slow, procs.needs_postgres]

OUTAGE_SECONDS = 6.0
ANSWER_WITHIN = 5.0  # seconds; db timeouts are 3 s


@pytest.fixture
def database() -> Iterator[str]:
    with procs.fresh_database("outage") as url:
        yield url


def _port() -> int:
    assert procs.POSTGRES_URL is not None
    return urlsplit(procs.POSTGRES_URL).port or 5432


def _cluster() -> list[str]:
    tools = ("pg_ctlcluster", "pg_isready", "pg_lsclusters")
    if any(shutil.which(tool) is None for tool in tools):
        pytest.skip("needs a local Debian PostgreSQL cluster (pg_ctlcluster) to stop and start")
    assert procs.POSTGRES_URL is not None
    if "127.0.0.1" not in procs.POSTGRES_URL and "localhost" not in procs.POSTGRES_URL:
        pytest.skip("the outage test only stops a PostgreSQL on this host")
    listed = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, timeout=10, check=True
    )
    for line in listed.stdout.splitlines():
        version, name, port = line.split()[:3]
        if int(port) == _port():
            return ["pg_ctlcluster", "--skip-systemctl-redirect", version, name]
    pytest.skip(f"no local cluster listens on port {_port()}")


def _pg_ready() -> bool:
    done = subprocess.run(
        ["pg_isready", "-h", "127.0.0.1", "-p", str(_port()), "-t", "1"],
        capture_output=True,
        timeout=10,
        check=False,
    )
    return done.returncode == 0


@dataclass(frozen=True)
class Sample:
    at: float
    reply: procs.Reply
    teen: int


class Load:
    """A few devices (one per teen) polling in a loop, as apps in the foreground would."""

    def __init__(self, base_url: str, tokens: list[str], pause: float = 0.1) -> None:
        self.base_url = base_url
        self.tokens = tokens
        self.pause = pause
        self.samples: list[Sample] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._started: set[int] = set()
        self._threads: list[threading.Thread] = []

    def start(self, teen: int) -> None:
        thread = threading.Thread(target=self._poll, args=(teen,), daemon=True)
        self._threads.append(thread)
        thread.start()

    def _poll(self, teen: int) -> None:
        self.run(teen, lambda: procs.request(
            "POST", self.base_url + "/v1/check", {}, token=self.tokens[teen], timeout=15
        ))  # fmt: skip

    def start_calls(self, label: int, call: Callable[[], procs.Reply]) -> None:
        """Another client in the loop, making `call` (a parent's page of the API, say)."""
        thread = threading.Thread(target=self.run, args=(label, call), daemon=True)
        self._threads.append(thread)
        thread.start()

    def run(self, label: int, call: Callable[[], procs.Reply]) -> None:
        while not self._stop.is_set():
            reply = call()
            with self._lock:
                self.samples.append(Sample(time.monotonic(), reply, label))
            self._stop.wait(self.pause)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def between(self, start: float, end: float) -> list[Sample]:
        with self._lock:
            return [s for s in self.samples if start <= s.at - s.reply.seconds and s.at <= end]


def _nudges_by_teen(database: str, teen_ids: list[str]) -> dict[str, set[str]]:
    with procs.connect(database) as connection:
        rows = connection.execute(
            "SELECT teen_id, id FROM nudges WHERE teen_id = ANY(%s)", (teen_ids,)
        ).fetchall()
    found: dict[str, set[str]] = {teen: set() for teen in teen_ids}
    for teen_id, nudge_id in rows:
        found[teen_id].add(nudge_id)
    return found


def test_a_database_outage_answers_503_fast_and_recovers_without_losing_or_doubling_nudges(
    database: str, tmp_path: Path
) -> None:
    cluster = _cluster()
    server = procs.start_server(database, tmp_path, workers=1, threads=4)
    worker = procs.start_worker(database, tmp_path)
    load = None
    try:
        assert procs.wait_until(lambda: worker.logged("worker is active"), timeout=20)
        parent = procs.sign_up(server.base_url)
        teen_ids = [
            procs.teen_in_school_now(parent, max_per_day=2, min_interval=5) for _ in range(4)
        ]
        tokens = [procs.pair_device(parent, teen)[1] for teen in teen_ids]
        load = Load(server.base_url, tokens)
        load.start(0)
        load.start(1)
        assert procs.wait_until(lambda: len(load.samples) >= 10, timeout=10)

        outage_start = time.monotonic()
        try:
            subprocess.run([*cluster, "stop", "-m", "fast"], check=True, timeout=30)
            stopped = time.monotonic()
            # Teens 2 and 3 poll for the first time while the database is down.
            load.start(2)
            load.start(3)
            ready = procs.request("GET", server.base_url + "/readyz", timeout=10)
            time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))
            restarting = time.monotonic()
        finally:
            subprocess.run([*cluster, "start"], check=True, timeout=60)
            assert procs.wait_until(_pg_ready, timeout=30, interval=0.5)
        recovered_db = time.monotonic()

        # The service recovers by itself: no restart, checks answer 200 again for everyone.
        def everyone_answered() -> bool:
            fresh = load.between(recovered_db, time.monotonic())
            return {s.teen for s in fresh if s.reply.status == 200} == {0, 1, 2, 3}

        assert procs.wait_until(everyone_answered, timeout=20), load.samples[-5:]
        recovery = time.monotonic() - recovered_db
        time.sleep(1)
        load.stop()

        during = load.between(stopped, restarting)
        statuses = [s.reply.status for s in load.samples]
        print(
            f"outage {restarting - outage_start:.1f} s: {len(during)} checks answered during it, "
            f"max {max(s.reply.seconds for s in during):.2f} s each; back {recovery:.1f} s "
            f"after PostgreSQL was ready; {len(statuses)} checks in all"
        )
        assert 500 not in statuses
        assert set(statuses) <= {200, 503}, sorted(set(statuses))
        assert len(during) >= 5
        for sample in during:
            reply = sample.reply
            assert reply.status == 503, reply
            assert reply.content_type.startswith("application/problem+json"), reply
            assert int(reply.headers["retry-after"]) > 0
            assert reply.body["status"] == 503
            assert reply.seconds < ANSWER_WITHIN, reply
        assert ready.status == 503
        assert ready.headers.get("retry-after")
        assert procs.request("GET", server.base_url + "/readyz").status == 200

        # Nothing lost, nothing doubled: stored nudges are exactly those clients received,
        # one per teen (re-deliveries share the id), within the daily cap.
        received: dict[str, set[str]] = {teen: set() for teen in teen_ids}
        for sample in load.samples:
            body = sample.reply.body
            if sample.reply.status == 200 and body["nudge"]:
                received[teen_ids[sample.teen]].add(body["nudge"]["id"])
        assert _nudges_by_teen(database, teen_ids) == received
        assert all(len(ids) == 1 for ids in received.values()), received
        assert server.alive()
        assert "Traceback" not in server.log()

        # The worker lost its advisory lock with its connection, and took it back by itself.
        def led_again() -> bool:
            messages = [entry.get("msg") for entry in worker.json_logs()]
            return messages.count("worker is active") == 2

        assert procs.wait_until(led_again, timeout=20), worker.log()[-3000:]
        assert worker.logged("worker lost its lock; going back to standby")
    finally:
        if load is not None:
            load.stop()
        procs.stop_all(server, worker)
        if not _pg_ready():  # never leave the cluster down for everyone else
            subprocess.run([*cluster, "start"], check=False, timeout=60)


def _steady_load(
    server: procs.Proc, parent: procs.Client, teen_ids: list[str], tokens: list[str]
) -> Load:
    """Each teen's device checking, and the parent reading each teen, in a loop."""
    load = Load(server.base_url, tokens, pause=0.02)
    for teen in range(len(tokens)):
        load.start(teen)
    for label, teen_id in enumerate(teen_ids, start=100):
        load.start_calls(label, lambda t=teen_id: parent.call("GET", f"/v1/teens/{t}"))
    return load


def test_a_database_restart_costs_no_503_once_the_database_is_back(
    database: str, tmp_path: Path
) -> None:
    """With the default pool (5 connections, and as many again in overflow, per process),
    every pooled connection dies with a restart. Requests that start once PostgreSQL accepts
    connections again meet those dead connections; each is answered again on a fresh one.
    Before, each process answered 503 once per dead connection it met (up to its pool)."""
    cluster = _cluster()
    server = procs.start_server(database, tmp_path, workers=2, threads=4)
    loads: list[Load] = []
    try:
        parent = procs.sign_up(server.base_url)
        teen_ids = [procs.teen_in_school_now(parent) for _ in range(6)]
        tokens = [procs.pair_device(parent, teen)[1] for teen in teen_ids]
        warm = _steady_load(server, parent, teen_ids, tokens)
        loads.append(warm)
        # Every thread of both processes has had a connection in its pool.
        assert procs.wait_until(lambda: len(warm.samples) >= 400, timeout=30)
        warm.stop()  # a quiet moment: the restart happens between requests

        try:
            subprocess.run([*cluster, "restart", "-m", "fast"], check=True, timeout=60)
        finally:
            assert procs.wait_until(_pg_ready, timeout=30, interval=0.2)
        after = _steady_load(server, parent, teen_ids, tokens)
        loads.append(after)
        assert procs.wait_until(lambda: len(after.samples) >= 300, timeout=30)
        after.stop()

        statuses = [s.reply.status for s in after.samples]
        print(
            f"after the restart: {len(statuses)} requests, {statuses.count(503)} answered 503, "
            f"{server.log().count('database connection was lost')} answered again"
        )
        assert {s.teen for s in after.samples} == set(range(6)) | set(range(100, 106))
        assert set(statuses) == {200}, sorted(set(statuses))
        # The dead connections were met and answered again: the test saw the restart's cost.
        assert server.log().count("database connection was lost") >= 2
        assert "Traceback" not in server.log()
    finally:
        for load in loads:
            load.stop()
        server.stop()
        if not _pg_ready():  # never leave the cluster down for everyone else
            subprocess.run([*cluster, "start"], check=False, timeout=60)


def test_sigterm_lets_checks_in_flight_finish(database: str, tmp_path: Path) -> None:
    server = procs.start_server(database, tmp_path, workers=1, threads=4)
    try:
        parent = procs.sign_up(server.base_url)
        teen_id = procs.teen_in_school_now(parent)
        tokens = [procs.pair_device(parent, teen_id)[1] for _ in range(4)]
        replies: list[procs.Reply] = []

        def check(token: str) -> None:
            replies.append(
                procs.request("POST", server.base_url + "/v1/check", {}, token=token, timeout=20)
            )

        # Hold the devices' rows so each check blocks on its first write (last_seen_at).
        with procs.connect(database, autocommit=False) as holder:
            holder.execute("SELECT id FROM devices WHERE teen_id = %s FOR UPDATE", (teen_id,))
            threads = [threading.Thread(target=check, args=(t,), daemon=True) for t in tokens]
            for thread in threads:
                thread.start()
            with procs.connect(database) as watcher:
                assert procs.wait_until(
                    lambda: (
                        watcher.execute(
                            "SELECT count(*) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                        ).fetchone()[0]
                        == len(tokens)
                    ),
                    timeout=2.5,
                    interval=0.05,
                )
            server.signal(signal.SIGTERM)
            time.sleep(0.5)
            holder.rollback()  # release the rows: the blocked checks carry on
        for thread in threads:
            thread.join(30)

        assert [r.status for r in replies] == [200] * len(tokens), replies
        nudges = {r.body["nudge"]["id"] for r in replies if r.body["nudge"]}
        assert len(nudges) == 1
        assert server.popen.wait(25) == 0
        assert procs.request("GET", server.base_url + "/healthz", timeout=2).status == 0
    finally:
        server.stop()
