"""Servers, wrk (closed loop) and an open-loop generator, all on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import out_dir, percentile
from bench.seed import token

HOST = "127.0.0.1"
WRK = "/usr/bin/wrk"

# On a machine with two or more CPUs the server is pinned to CPU 0 and the load generators
# (wrk, the open-loop generator: this process and its children) to the others, so a
# generator never takes CPU time from the server it measures, and "80% of the maximum"
# means 80% of the server's own capacity. The database's processes are not pinned.
_CPUS = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
SERVER_CPUS = set(_CPUS[:1]) if len(_CPUS) >= 2 else set()
CLIENT_CPUS = set(_CPUS[1:]) if len(_CPUS) >= 2 else set()


def pin_clients() -> None:
    """Keep this process (and the wrk it starts) off the server's CPU."""
    if CLIENT_CPUS:
        os.sched_setaffinity(0, CLIENT_CPUS)


def _pin_server() -> None:
    if SERVER_CPUS:
        os.sched_setaffinity(0, SERVER_CPUS)


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log(self) -> Path:
        return out_dir() / f"server-{self.port}.log"

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def durations_ms(self, since: int, route: str) -> list[float]:
        """In-server times (the access log's duration_ms) of `route`'s requests logged after
        byte offset `since`: the app's own work, without the queue in front of it."""
        with self.log.open("rb") as f:
            f.seek(since)
            lines = f.read().splitlines()
        out = []
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("route") == route:
                out.append(float(entry["duration_ms"]))
        return sorted(out)

    def worker_pids(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def cpu_seconds(self) -> float:
        """CPU time (user + system, all threads) the server's processes have used so far: the
        main process and its workers. The difference over a run, divided into the requests it
        answered, is the server's cost per request whatever share of its CPU it got."""
        total = 0
        for pid in (self.process.pid, *self.worker_pids()):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
        return total / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@contextmanager
def running_server(
    db_url: str,
    *,
    kind: str = "service",
    port: int = 8765,
    workers: int = 2,
    threads: int = 4,
    server_name: str = "gunicorn",
    prefix: Sequence[str] = (),
    ready_seconds: float = 60,
) -> Iterator[Server]:
    """Start a bench app (`kind`: bench.app.KINDS) in its own process group, pinned to the
    server CPU; stop exactly that group.

    `gunicorn`: `python -m bench.serve`, i.e. `alertsvc.server.serve`'s options (production).
    `granian`: `granian --interface wsgi` with `threads` blocking threads (a comparison).
    `prefix` runs the command under another (valgrind, for `bench.served`)."""
    log = (out_dir() / f"server-{port}.log").open("wb")
    env = {**os.environ, "PYTHONHASHSEED": "0", "BENCH_DB_URL": db_url, "BENCH_KIND": kind}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if server_name == "granian":
        command = [sys.executable, "-m", "granian", "--interface", "wsgi", "--no-ws",
                   "--workers", str(workers), "--blocking-threads", str(threads),
                   "--runtime-threads", "1", "--host", HOST, "--port", str(port),
                   "bench.granian_app:app"]  # fmt: skip
    else:
        command = [sys.executable, "-m", "bench.serve", "--db-url", db_url, "--kind", kind,
                   "--bind", f"{HOST}:{port}", "--workers", str(workers),
                   "--threads", str(threads)]  # fmt: skip
    proc = subprocess.Popen(
        [*prefix, *command],
        stdout=subprocess.DEVNULL, stderr=log, start_new_session=True, env=env,
        preexec_fn=_pin_server,
    )  # fmt: skip
    server = Server(proc, port)
    try:
        _wait_ready(server, ready_seconds)
        yield server
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()


def _wait_ready(server: Server, seconds: float) -> None:
    """Both apps answer `GET /healthz` (the floor's is as bare as the floor)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited; see {out_dir()}/server-{server.port}.log")
        try:
            with urllib.request.urlopen(server.base + "/healthz", timeout=2) as r:  # noqa: S310
                if r.status == 200 and len(server.worker_pids()) > 0:
                    time.sleep(0.5)
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not become ready in {seconds:.0f} s")


# --- wrk ---------------------------------------------------------------------------------


def check_script(devices: list[int], name: str, path: str = "/v1/check") -> Path:
    """A wrk Lua script that POSTs a check (to `path`) rotating over the devices' tokens."""
    tokens = ",".join(f'"{token(i)}"' for i in devices)
    script = out_dir() / f"{name}.lua"
    script.write_text(
        f"local tokens = {{{tokens}}}\n"
        "local n = 0\n"
        "local body = '{}'\n"
        "request = function()\n"
        "  n = n + 1\n"
        "  local t = tokens[(n % #tokens) + 1]\n"
        f"  return wrk.format('POST', '{path}', {{['Authorization'] = 'Bearer ' .. t,"
        " ['Content-Type'] = 'application/json'}, body)\n"
        "end\n"
    )
    return script


@dataclass(frozen=True)
class WrkResult:
    rps: float
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


def wrk(
    url: str, seconds: float, *, script: Path | None = None, connections: int = 16
) -> WrkResult:
    cmd = [WRK, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run(
        [*cmd, url], capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    p50 = re.search(r"50%\s+(\S+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    return WrkResult(
        rps, requests, errors, _ms(p50.group(1)) if p50 else 0.0, _ms(p99.group(1)) if p99 else 0.0
    )


def warm_up(url: str, script: Path | None, requests: int, connections: int = 16) -> int:
    """Closed-loop runs until `requests` were answered (at most 20 runs of 3 s)."""
    done = 0
    for _ in range(20):
        done += wrk(url, 3, script=script, connections=connections).requests
        if done >= requests:
            break
    return done


# --- open loop -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenLoopResult:
    rate: float
    sent: int
    errors: int
    p50_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    achieved_rps: float


def _post_check(i: int, device: int) -> bytes:
    body = b"{}"
    return (
        f"POST /v1/check HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {token(device)}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def check_request(devices: list[int]) -> Callable[[int], bytes]:
    return lambda i: _post_check(i, devices[i % len(devices)])


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    m = re.search(rb"(?i)content-length:\s*(\d+)", head)
    if m:
        await reader.readexactly(int(m.group(1)))
    return status


async def _open_loop(
    port: int, rate: float, seconds: float, make: Callable[[int], bytes], connections: int
) -> OpenLoopResult:
    total = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    next_index = 0
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2

    async def worker() -> None:
        nonlocal next_index, errors
        reader, writer = await asyncio.open_connection(HOST, port)
        while next_index < total:
            i = next_index
            next_index += 1
            scheduled = start + i / rate  # latency counts from here: no coordinated omission
            delay = scheduled - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                writer.write(make(i))
                status = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError):
                errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, port)
                continue
            latencies.append(loop.time() - scheduled)
            if status != 200:
                errors += 1
        writer.close()

    await asyncio.wait_for(
        asyncio.gather(*(worker() for _ in range(connections))), timeout=seconds * 3 + 60
    )
    elapsed = loop.time() - start
    ordered = sorted(x * 1000 for x in latencies)
    return OpenLoopResult(
        rate, len(latencies), errors, percentile(ordered, 50), percentile(ordered, 99),
        percentile(ordered, 99.9), ordered[-1] if ordered else float("nan"),
        len(latencies) / elapsed if elapsed > 0 else 0.0,
    )  # fmt: skip


def open_loop(
    port: int, rate: float, seconds: float, make: Callable[[int], bytes], connections: int = 64
) -> OpenLoopResult:
    """Send `rate` requests a second on a fixed schedule; latency from each scheduled instant."""
    return asyncio.run(_open_loop(port, rate, seconds, make, connections))
