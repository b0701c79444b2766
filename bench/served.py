"""Instructions per request as served (issue 19): the floor, healthz and the check, each under
the production server (`bench.serve`: gunicorn gthread, one worker x 4 threads) run inside
`valgrind --tool=callgrind`, counted in the worker process.

Why: check/floor in `throughput` is the ratio of what a served request costs the worker's
CPU. `instructions` counts the app alone, in a loop; this counts the same requests as the
server handles them, server included, so the two together split a served request into the
server's part and the app's. If the served counts give the throughput ratio, the ratio is
set by instructions alone, not by GIL handoffs or cache misses (which a count does not see).

Per app: start its server under callgrind (children traced: the worker is a fork of the
master), warm it up (every polled device checked twice, so no first nudge or first sight is
written while counting), then in the worker: zero the counters, wait IDLE seconds and dump
(what the worker spends with no request: gthread's poll loop and the heartbeat), zero again,
run wrk for the step's SECONDS and dump. One request costs (busy count - idle rate x busy
seconds) / requests answered. Under callgrind the server is ~40x slower, which is why the
idle rate is measured and taken out: per second it is the same, per request it would not be.

SQLite only: PostgreSQL's own work is another process, which a count of the worker misses.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alertsvc.services.demo import school_zone_now
from bench.common import RESULTS_DIR, load_note, out_dir, save_result
from bench.loadgen import Server, check_script, running_server, warm_up, wrk
from bench.seed import ensure_database
from bench.throughput import CONNECTIONS, THREADS, WORKERS

# step: (app, path, POSTs a check), the app one of bench.app.KINDS.
STEPS = {
    "floor": ("floor", "/v1/check", True),
    "healthz": ("service", "/healthz", False),
    "check": ("service", "/v1/check", True),
}
POLLED = 200  # devices wrk rotates over (2,000 would take minutes to warm up under callgrind)
IDLE = 10  # seconds of no requests, for the worker's own per-second cost
GOAL = 0.80  # issue 19: the check at >= 0.80x the floor's throughput
_TOTAL = re.compile(r"^(?:summary|totals): (\d+)", re.MULTILINE)


def _worker(server: Server) -> int:
    pids = server.worker_pids()
    if len(pids) != 1:
        raise RuntimeError(f"expected one worker, found {pids}")
    return pids[0]


def dumped_total(text: str) -> int:
    """The instruction total of a callgrind dump file."""
    found = _TOTAL.search(text)
    if found is None:
        raise RuntimeError("no total in the callgrind dump")
    return int(found.group(1))


class _Counter:
    """callgrind_control on one worker: zero, then dump and read what was counted since."""

    def __init__(self, pid: int, files: Path) -> None:
        self.pid, self.files = pid, files

    def zero(self) -> float:
        subprocess.run(["callgrind_control", "--zero", str(self.pid)], check=True,
                       capture_output=True)  # fmt: skip
        return time.monotonic()

    def dump(self) -> tuple[int, float]:
        before = set(self.files.glob(f"cg.{self.pid}.*"))
        subprocess.run(["callgrind_control", "--dump", str(self.pid)], check=True,
                       capture_output=True)  # fmt: skip
        at = time.monotonic()
        for _ in range(300):
            new = set(self.files.glob(f"cg.{self.pid}.*")) - before
            if new:
                time.sleep(0.5)  # let callgrind finish writing it
                return dumped_total(new.pop().read_text()), at
            time.sleep(0.1)
        raise RuntimeError("callgrind wrote no dump in 30 s")


def _serve_counted(url: str, kind: str, port: int, files: Path) -> Any:
    prefix = ("valgrind", "--tool=callgrind", "--trace-children=yes",
              f"--callgrind-out-file={files}/cg.%p")  # fmt: skip
    return running_server(url, kind=kind, port=port, workers=WORKERS, threads=THREADS,
                          prefix=prefix, ready_seconds=600)  # fmt: skip


def run(quick: bool) -> dict[str, Any]:
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("  served: skipped, valgrind is not installed (apt-get install valgrind)")
        return {}
    seconds = 8 if quick else 30
    url = ensure_database("sqlite", 2_000, school_zone_now(datetime.now(UTC)))
    script = check_script(list(range(POLLED)), "served")
    files = out_dir() / "served-callgrind"
    per_request: dict[str, float] = {}
    detail: dict[str, Any] = {}
    for port, kind in enumerate(("floor", "service"), start=8790):
        shutil.rmtree(files, ignore_errors=True)
        files.mkdir(parents=True)
        with _serve_counted(url, kind, port, files) as server:
            warm_up(server.base + "/v1/check", script, 2 * POLLED, CONNECTIONS)
            counter = _Counter(_worker(server), files)
            start = counter.zero()
            time.sleep(IDLE)
            idle, end = counter.dump()
            idle_rate = idle / (end - start)
            for step, (app, path, posts) in STEPS.items():
                if app != kind:
                    continue
                start = counter.zero()
                answered = wrk(server.base + path, seconds, connections=CONNECTIONS,
                               script=script if posts else None)  # fmt: skip
                busy, end = counter.dump()
                if answered.errors or not answered.requests:
                    raise RuntimeError(f"{step}: {answered.errors} errors of {answered.requests}")
                per_request[step] = (busy - idle_rate * (end - start)) / answered.requests
                detail[step] = {"requests": answered.requests, "busy": busy,
                                "idle_per_second": idle_rate}  # fmt: skip
                print(f"  sqlite {step:8} {per_request[step]:12,.0f} instructions/request served"
                      f" ({answered.requests} requests)")  # fmt: skip
    shutil.rmtree(files, ignore_errors=True)
    floor, check = per_request["floor"], per_request["check"]
    result: dict[str, Any] = {
        "db": "sqlite",
        "server": f"gunicorn gthread {WORKERS} worker x {THREADS} threads under callgrind",
        "instructions_per_request": per_request,
        "floor_over_check": floor / check,
        "check_budget_at_goal": floor / GOAL,
        "detail": detail,
        "load": load_note(),
    }
    print(f"  served floor/check {floor / check:.3f} (the throughput ratio if instructions set"
          f" it); at {GOAL} the check could cost {floor / GOAL:,.0f}")  # fmt: skip
    in_process = _in_process()
    if in_process:
        server_part = {step: per_request[step] - in_process[step] for step in STEPS}
        result["server_part"] = server_part
        print("  the server's part (served - in-process `instructions`): " + ", ".join(
            f"{step} {value:,.0f}" for step, value in server_part.items()))  # fmt: skip
    save_result("served-sqlite" + ("-quick" if quick else ""), result)
    return result


def _in_process() -> dict[str, float]:
    """The latest in-process counts (`python -m bench instructions`), if any were saved."""
    for name in ("instructions-sqlite.json", "instructions-sqlite-quick.json"):
        path = RESULTS_DIR / name
        if path.exists():
            counts: dict[str, float] = json.loads(path.read_text())["instructions_per_request"]
            return counts
    return {}
