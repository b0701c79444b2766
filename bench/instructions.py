"""Instructions per request, in-process, counted by callgrind: the floor, the service's
healthz and check (in four languages), and the parts every request pays, with no server, no
socket and no clock in the figure.

Wall-clock figures on a shared 2-vCPU VM move by 10-20% between runs, which hides a 5%
change. callgrind counts the instructions the process executes: the same for the same code
and inputs, whatever else the machine is doing. Each step runs in a child Python under
`valgrind --tool=callgrind`, twice, with FEW and then MANY requests (or calls) after the same
warm-up, each time on a fresh copy of the same seeded SQLite database and at the same fixed
instant, with one hash seed. The difference divided by MANY - FEW is one request's cost:
start-up, imports and warm-up cancel out.

The request steps (REQUEST_STEPS) are WSGI calls of an app from bench.app: `floor` is the
floor app's `POST /v1/check` with the check's own environs (bearer token, JSON body). Every
child logs and counts as `alertsvc serve` does (`_as_the_server`: JSON lines to stderr, here
/dev/null; Prometheus multiprocess files), so a request's figure includes its access-log line
and its metrics. The parts steps (PART_STEPS) count, with no Flask at all, what every request
pays: one JSON access-log line written, one request observed in the multiprocess files and
one fresh request id.

What it does not count: gunicorn and the socket, cache misses and GIL handoffs (the reasons a
step costs more in the server than in a loop), and PostgreSQL's own work (another process),
so it runs on SQLite only. The kill switch, the experiments' definitions version and the
teen's exposures come with the subject query, so no step's count depends on time.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import load_note, out_dir, save_result
from bench.seed import ensure_database, token

# The request steps: (app, method, path), the app one of bench.app.KINDS.
REQUEST_STEPS = {
    "floor": ("floor", "POST", "/v1/check"),
    "healthz": ("service", "GET", "/healthz"),
    "check": ("service", "POST", "/v1/check"),
}
# The check again in other languages (SPEC §10): its cost in German, Japanese and Arabic must
# stay within 5% of English's (catalog lookups and CLDR formats are cached per language).
LANGUAGE_STEPS = {"check_de": "de", "check_ja": "ja", "check_ar": "ar"}
REQUEST_STEPS.update(dict.fromkeys(LANGUAGE_STEPS, REQUEST_STEPS["check"]))
# What every request pays in the server, one call each (`_part`).
PART_STEPS = ("log_line", "metrics", "request_id")
STEPS = (*REQUEST_STEPS, *PART_STEPS)
PART_CALLS = 10  # a part step makes this many times a request step's FEW and MANY calls
TEENS = 2_000
BODY = b'{"utc_offset_minutes": null}'
_COLLECTED = re.compile(r"Collected : (\d+)")


def _environs(step: str, devices: int) -> list[dict[str, Any]]:
    from werkzeug.test import EnvironBuilder

    _, method, path = REQUEST_STEPS[step]
    out = []
    for i in range(devices):
        if method == "GET":
            builder = EnvironBuilder(path=path, method="GET")
        else:
            headers = {"Authorization": f"Bearer {token(i)}"}
            if step in LANGUAGE_STEPS:
                headers["Accept-Language"] = LANGUAGE_STEPS[step]
            builder = EnvironBuilder(
                path=path,
                method="POST",
                data=BODY,
                content_type="application/json",
                headers=headers,
            )
        out.append(builder.get_environ())
    return out


Answer = tuple[str, bytes]  # status line, body


def serve_in_process(db_url: str, at: datetime, devices: int) -> Callable[[str, int], list[Answer]]:
    """The bench apps, the service at the fixed instant `at`; returns `send(step, n)`, which
    makes n requests of that request step over the first `devices` devices and returns their
    answers. Each app is built when a step first needs it."""
    from bench.app import make_app
    from bench.common import bench_settings

    apps: dict[str, Any] = {}
    environs: dict[str, list[dict[str, Any]]] = {}

    def send(step: str, n: int) -> list[Answer]:
        kind, method, _ = REQUEST_STEPS[step]
        if kind not in apps:
            apps[kind] = make_app(kind, bench_settings(db_url), clock=lambda: at)
        app = apps[kind]
        if step not in environs:
            environs[step] = _environs(step, devices)
        answers: list[Answer] = []
        status = ""

        def start_response(line: str, _headers: Any, _exc: Any = None) -> None:
            nonlocal status
            status = line

        for k in range(n):
            environ = dict(environs[step][k % devices])
            environ["wsgi.input"] = io.BytesIO(BODY if method == "POST" else b"")
            body: Iterable[bytes] = app(environ, start_response)
            answers.append((status, b"".join(body)))
            getattr(body, "close", lambda: None)()
        return answers

    return send


def _child(step: str, n: int, devices: int, db_url: str, at: str) -> None:
    """Runs under valgrind: warm up (on the service, every device checked twice; the step once
    per device), settle the heap as the server does, then n requests of the step."""
    _as_the_server()
    from alertsvc.server import settle_heap

    if step in PART_STEPS:
        call = _part(step)
        for _ in range(devices):
            call()
        settle_heap()
        for _ in range(n):
            call()
        return
    send = serve_in_process(db_url, datetime.fromisoformat(at), devices)
    if REQUEST_STEPS[step][0] == "service":
        send("check", 2 * devices)
    send(step, devices)
    settle_heap()
    bad = [answer for answer in send(step, n) if not answer[0].startswith("200")]
    if bad:
        raise SystemExit(f"{step}: {len(bad)} answers were not 200, e.g. {bad[0]!r}")


def _as_the_server() -> None:
    """Log and count as `alertsvc.server.serve` does: JSON lines to stderr (here /dev/null; valgrind
    keeps its own copy of the descriptor for its summary) and Prometheus multiprocess files in
    a directory set before anything imports prometheus_client."""
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="bench-prom-")
    parent = os.fdopen(os.dup(2), "w")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    from alertsvc.logs import configure_logging

    configure_logging()  # its handler writes to fd 2: /dev/null
    sys.stderr = parent  # a failure's message still reaches the parent


def _part(step: str) -> Callable[[], object]:
    """One call of a part every request pays, set up as the server sets it up."""
    if step == "log_line":
        import logging

        access_log = logging.getLogger("alertsvc.access")
        assert access_log.isEnabledFor(logging.INFO), "the line would be dropped unwritten"
        extra = {"method": "POST", "route": "/v1/check", "status": 200, "duration_ms": 1.23,
                 "request_id": "0" * 32}  # fmt: skip
        return lambda: access_log.info("request", extra=extra)
    if step == "metrics":
        from alertsvc.metrics import observe_request

        return lambda: observe_request("POST", "/v1/check", 200, 0.0012)
    if step == "request_id":
        from alertsvc.http.app import request_id

        return lambda: request_id("")
    raise ValueError(f"unknown part {step!r}")


def collected(valgrind_output: str) -> int:
    """The instruction total callgrind prints when the program ends."""
    found = _COLLECTED.findall(valgrind_output)
    if not found:
        raise RuntimeError(f"no callgrind total in: {valgrind_output[-500:]}")
    return int(found[-1])


def _counts(step: str, sizes: tuple[int, int], devices: int, base: Path, at: datetime) -> list[int]:
    """Both runs of a step at once (one per CPU: instruction counts do not mind sharing)."""
    runs = []
    for n in sizes:
        work = base.with_name(f"instructions-{step}-{n}.db")
        shutil.copyfile(base, work)
        command = [
            "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
            sys.executable, "-m", "bench.instructions", "--child", step, str(n), str(devices),
            f"sqlite:///{work}", at.isoformat(),
        ]  # fmt: skip
        # One hash seed for every child: str hashes decide dict layouts and collisions, and a
        # random seed per process moves the totals by more than a request costs. No metrics
        # directory from outside: each child makes its own (`_as_the_server`).
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        runs.append(
            (n, work, subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env))
        )
    totals = []
    for n, work, process in runs:
        _, stderr = process.communicate()
        work.unlink(missing_ok=True)
        if process.returncode != 0:
            raise RuntimeError(f"{step} x{n} failed: {stderr[-2000:]}")
        totals.append(collected(stderr))
    return totals


def run(quick: bool) -> dict[str, Any]:
    if shutil.which("valgrind") is None:
        print("  instructions: skipped, valgrind is not installed (apt-get install valgrind)")
        return {}
    from alertsvc.services.demo import school_zone_now

    # BENCH_AT (an ISO instant) fixes the instant, so two trees compare on the same answers.
    fixed = os.environ.get("BENCH_AT")
    at = datetime.fromisoformat(fixed) if fixed else datetime.now(UTC).replace(microsecond=0)
    few, many = (50, 250) if quick else (200, 1_200)
    devices = 100 if quick else 500
    base = out_dir() / "instructions-base.db"
    seeded = ensure_database("sqlite", TEENS, school_zone_now(at))
    shutil.copyfile(seeded.removeprefix("sqlite:///"), base)
    per_call: dict[str, float] = {}
    for step in STEPS:
        # The parts cost a few percent of a request: ten times the calls, for as many digits.
        scale = PART_CALLS if step in PART_STEPS else 1
        low, high = _counts(step, (few * scale, many * scale), devices, base, at)
        per_call[step] = (high - low) / ((many - few) * scale)
        unit = "call" if step in PART_STEPS else "request"
        print(f"  sqlite {step:10} {per_call[step]:10,.0f} instructions/{unit}")
    floor = per_call["floor"]
    result: dict[str, Any] = {
        "db": "sqlite",
        "at": at.isoformat(),
        "requests": {
            "few": few,
            "many": many,
            "devices": devices,
            "teens": TEENS,
            "part_calls": {"few": few * PART_CALLS, "many": many * PART_CALLS},
        },
        "instructions_per_request": {step: per_call[step] for step in REQUEST_STEPS},
        "instructions_per_call": {step: per_call[step] for step in PART_STEPS},
        "over_floor": {step: per_call[step] / floor for step in REQUEST_STEPS},
        "language_over_english": {
            step: per_call[step] / per_call["check"] for step in LANGUAGE_STEPS
        },
        "load": load_note(),
    }
    # floor / check is the in-process counterpart of throughput's check/floor rate ratio.
    check, healthz = per_call["check"], per_call["healthz"]
    print(f"  in-process instructions check/floor {check / floor:.3f} (floor/check"
          f" {floor / check:.3f}), healthz/floor {healthz / floor:.3f}")  # fmt: skip
    for step, ratio in result["language_over_english"].items():
        print(f"  {step} / check {ratio:.3f} (goal: at most 1.05)")
    save_result("instructions-sqlite" + ("-quick" if quick else ""), result)
    return result


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "--child":
        _child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6])
    else:
        raise SystemExit("run it as `python -m bench instructions`")
