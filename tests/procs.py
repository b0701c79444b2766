"""Real processes for slow tests: `alertsvc serve` / `alertsvc worker` on 127.0.0.1, and a
fresh PostgreSQL database per test.

Everything here is bounded: every wait has a deadline, every HTTP call a timeout, and every
process started is terminated (then killed, with its whole process group) on the way out.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

POSTGRES_URL = os.environ.get("ALERTSVC_TEST_POSTGRES_URL")
ALERTSVC = str(Path(sys.executable).with_name("alertsvc"))
SECRET_KEY = "procs-test-secret-key-0123456789"

needs_postgres = pytest.mark.skipif(
    POSTGRES_URL is None,
    reason="needs ALERTSVC_TEST_POSTGRES_URL (a PostgreSQL server to create databases on)",
)


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll `predicate` until it holds or `timeout` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


# --- PostgreSQL ---------------------------------------------------------------------------


def _libpq(url: str) -> str:
    """psycopg wants a plain `postgresql://` URL, without SQLAlchemy's `+driver`."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgresql") else url


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(_libpq(url))
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def base_database_name() -> str:
    assert POSTGRES_URL is not None
    return urlsplit(_libpq(POSTGRES_URL)).path.lstrip("/") or "postgres"


def admin_connect(autocommit: bool = True) -> Any:
    """A psycopg connection to the CI server's maintenance database."""
    import psycopg

    assert POSTGRES_URL is not None
    return psycopg.connect(
        _with_database(POSTGRES_URL, "postgres"), autocommit=autocommit, connect_timeout=5
    )


def connect(url: str, autocommit: bool = True) -> Any:
    import psycopg

    return psycopg.connect(_libpq(url), autocommit=autocommit, connect_timeout=5)


@contextlib.contextmanager
def fresh_database(suffix: str, *, migrate: bool = True) -> Iterator[str]:
    """`<dbname>_<suffix>_<random>` on the CI server, migrated; dropped WITH (FORCE) after."""
    name = f"{base_database_name()}_{suffix}_{uuid.uuid4().hex[:6]}"
    assert POSTGRES_URL is not None
    url = _with_database(POSTGRES_URL, name)
    with admin_connect() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        if migrate:
            subprocess.run(
                [ALERTSVC, "db", "upgrade"],
                env=service_env(url),
                check=True,
                capture_output=True,
                timeout=60,
            )
        yield url
    finally:
        with admin_connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- processes ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def service_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ALERTSVC_", "PROMETHEUS_"))
    }
    env.update(
        ALERTSVC_ENV="test",
        ALERTSVC_SECRET_KEY=SECRET_KEY,
        ALERTSVC_DATABASE_URL=database_url,
        ALERTSVC_RATE_LIMITS="off",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@dataclass
class Proc:
    """One `alertsvc` process in its own process group; stderr goes to a file (no pipe to
    fill up and block it)."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    base_url: str = ""
    _log: Any = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def json_logs(self) -> list[dict[str, Any]]:
        entries = []
        for line in self.log().splitlines():
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if isinstance(entry, dict):
                    entries.append(entry)
        return entries

    def logged(self, message: str) -> bool:
        return any(entry.get("msg") == message for entry in self.json_logs())

    def signal(self, signum: int) -> None:
        if self.alive():
            os.kill(self.pid, signum)

    def stop(self, timeout: float = 25.0) -> int | None:
        """SIGTERM, wait, then SIGKILL the whole group; the exit code of the main process."""
        code: int | None = None
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self.popen.wait(timeout)
        else:
            code = self.popen.returncode
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)  # stragglers (gunicorn workers) of this group
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None
        return code


def _spawn(name: str, args: list[str], env: dict[str, str], log_dir: Path) -> Proc:
    log_path = log_dir / f"{name}-{uuid.uuid4().hex[:6]}.log"
    log_file = log_path.open("wb")
    popen = subprocess.Popen(
        [ALERTSVC, *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return Proc(name, popen, log_path, _log=log_file)


def start_server(
    database_url: str, log_dir: Path, *, workers: int = 1, threads: int = 4, **env: str
) -> Proc:
    """`alertsvc serve` on a free port, returned once /healthz answers."""
    port = free_port()
    proc = _spawn(
        "serve",
        [
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ],
        service_env(database_url, **env),
        log_dir,
    )
    proc.base_url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if not proc.alive():
            raise RuntimeError(f"alertsvc serve exited early:\n{proc.log()[-3000:]}")
        return request("GET", proc.base_url + "/healthz", timeout=1).status == 200

    if not wait_until(healthy, timeout=30, interval=0.2):
        proc.stop()
        raise RuntimeError(f"alertsvc serve never became healthy:\n{proc.log()[-3000:]}")
    return proc


def start_worker(database_url: str, log_dir: Path, **env: str) -> Proc:
    return _spawn("worker", ["worker"], service_env(database_url, **env), log_dir)


def run_command(database_url: str, *args: str, **env: str) -> str:
    done = subprocess.run(
        [ALERTSVC, *args],
        env=service_env(database_url, **env),
        check=True,
        capture_output=True,
        timeout=60,
    )
    return done.stdout.decode()


def start_servers(count: int, database_url: str, log_dir: Path, **options: Any) -> list[Proc]:
    """`count` servers started side by side (each start is mostly import time)."""
    with ThreadPoolExecutor(count) as pool:
        futures = [
            pool.submit(start_server, database_url, log_dir, **options) for _ in range(count)
        ]
        started, failed = [], None
        for future in futures:
            try:
                started.append(future.result(timeout=60))
            except Exception as exc:  # stop the others, then re-raise
                failed = exc
        if failed is not None:
            stop_all(*started)
            raise failed
    return started


def stop_all(*procs: Proc | None) -> None:
    """SIGTERM everything at once, then wait for each (graceful stops overlap)."""
    live = [proc for proc in procs if proc is not None]
    for proc in live:
        proc.signal(signal.SIGTERM)
    for proc in live:
        proc.stop()


@contextlib.contextmanager
def running(*procs: Proc) -> Iterator[None]:
    try:
        yield
    finally:
        stop_all(*procs)


# --- HTTP ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int  # 0: no answer at all (refused, reset, timed out)
    headers: dict[str, str]
    body: Any
    seconds: float
    error: str = ""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def request(
    method: str,
    url: str,
    body: Any = None,
    *,
    token: str | None = None,
    timeout: float = 10.0,
) -> Reply:
    """One HTTP call to 127.0.0.1; never raises for an HTTP status or a network error."""
    assert url.startswith("http://127.0.0.1:"), url
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    started = time.monotonic()
    req = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310
            status, raw, got = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        status, raw, got = exc.code, exc.read(), dict(exc.headers)
    except (OSError, urllib.error.URLError) as exc:
        return Reply(0, {}, None, time.monotonic() - started, f"{type(exc).__name__}: {exc}")
    parsed: Any = None
    if raw:
        with contextlib.suppress(ValueError):
            parsed = json.loads(raw)
    return Reply(status, {k.lower(): v for k, v in got.items()}, parsed, time.monotonic() - started)


@dataclass
class Client:
    """A base URL and an optional bearer token."""

    base_url: str
    token: str | None = None

    def call(self, method: str, path: str, body: Any = None, timeout: float = 10.0) -> Reply:
        return request(method, self.base_url + path, body, token=self.token, timeout=timeout)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        reply = self.call(method, path, body)
        assert reply.status == status, (method, path, reply)
        return reply.body

    def at(self, base_url: str) -> Client:
        return Client(base_url, self.token)

    def as_(self, token: str | None) -> Client:
        return Client(self.base_url, token)


def sign_up(
    server: str, email: str | None = None, password: str = "correct horse battery"
) -> Client:
    email = email or f"parent-{uuid.uuid4().hex[:8]}@example.com"
    anon = Client(server)
    anon.ok("POST", "/v1/parents", {"email": email, "password": password}, status=201)
    return log_in(server, email, password)


def log_in(server: str, email: str, password: str) -> Client:
    token = Client(server).ok("POST", "/v1/auth/token", {"email": email, "password": password})
    return Client(server, token["token"])


def pair_device(parent: Client, teen_id: str) -> tuple[str, str]:
    """(device_id, device_token) for a freshly paired device."""
    code = parent.ok("POST", f"/v1/teens/{teen_id}/pairing-codes", status=201)["code"]
    paired = parent.as_(None).ok(
        "POST", "/v1/devices", {"pairing_code": code, "platform": "android"}, status=201
    )
    return paired["device_id"], paired["device_token"]


def teen_in_school_now(parent: Client, *, max_per_day: int = 2, min_interval: int = 5) -> str:
    """A teen whose school is in session at the real current time, every day of the week."""
    from alertsvc.clock import utc_now
    from alertsvc.services.demo import school_zone_now

    zone = school_zone_now(utc_now())
    teen = parent.ok("POST", "/v1/teens", {"nickname": "Procs", "timezone": zone}, status=201)
    week = {
        day: [{"start": "08:00", "end": "15:00"}]
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    }
    parent.ok(
        "PUT",
        f"/v1/teens/{teen['id']}/schedule",
        {
            "weekly": week,
            "observe_public_holidays": False,
            "policy": {
                "grace_minutes": 0,
                "min_interval_minutes": min_interval,
                "max_per_day": max_per_day,
            },
        },
    )
    return str(teen["id"])
