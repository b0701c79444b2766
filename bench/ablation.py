"""Where the check's time goes in the server: the same request, cut down step by step.

Each step is a route of the bench app (`bench.app`) on the production server config (one
worker x 4 threads, as throughput), measured with wrk in alternating rounds:

- hello:   GET /v1/bench/hello, the framework and server alone;
- shape:   POST /v1/bench/shape, the check's request (body parsed, bearer token read) and a
           check-sized answer, with no database and no decision;
- subject: POST /v1/bench/subject, shape plus the check's subject read (a connection from the
           pool and the one query);
- check:   POST /v1/check, everything (kill switch, experiment arm, decide, metrics, answer).

A step's cost is the difference between its time per request (1 / median rate) and the
previous step's. In-process profiles split the check differently from the server: the same
code costs more per request between gunicorn's own work than in a tight loop, so this
measures the pieces where the throughput target is measured.
"""

from __future__ import annotations

import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alertsvc.services.demo import school_zone_now
from bench.common import STEP_PATHS, load_note, median, save_result
from bench.loadgen import check_script, running_server, warm_up, wrk
from bench.seed import ensure_database, token
from bench.throughput import CONNECTIONS, THREADS, WORKERS, result_name, server_description

STEPS = tuple(STEP_PATHS)
PATHS = STEP_PATHS


def _answers_200(base: str, step: str) -> None:
    """Every step must answer 200 before it is timed: an error page is cheap to serve and
    would pass for a fast step."""
    path = PATHS[step]
    data = None if step == "hello" else b"{}"
    req = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
        base + path,
        data=data,
        headers={"Authorization": f"Bearer {token(0)}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310
        if r.status != 200:
            raise RuntimeError(f"{path} answered {r.status}")


def increments(us_per_request: dict[str, float]) -> dict[str, float]:
    """Each step's added time per request over the step before it (the first: its own)."""
    out: dict[str, float] = {}
    previous = 0.0
    for step in STEPS:
        out[step] = us_per_request[step] - previous
        previous = us_per_request[step]
    return out


def run(db: str, quick: bool, server_name: str = "gunicorn") -> dict[str, Any]:
    teens = 2_000 if quick else 20_000
    polled = list(range(2_000))
    seconds, rounds = (2, 1) if quick else (5, 3)
    url = ensure_database(db, teens, school_zone_now(datetime.now(UTC)))
    scripts: dict[str, Path | None] = {"hello": None}
    for step in STEPS[1:]:
        scripts[step] = check_script(polled, f"ablation-{step}-{db}", PATHS[step])
    rates: dict[str, list[float]] = {step: [] for step in STEPS}
    with running_server(url, workers=WORKERS, threads=THREADS, server_name=server_name) as server:
        for step in STEPS:
            _answers_200(server.base, step)
        # As throughput: every polled device checked (first nudges written) before timing.
        warm_up(server.base + PATHS["check"], scripts["check"], 2 * len(polled), CONNECTIONS)
        for _ in range(rounds):
            load = load_note()
            for step in STEPS:
                r = wrk(server.base + PATHS[step], seconds, script=scripts[step],
                        connections=CONNECTIONS)  # fmt: skip
                if r.errors:
                    raise RuntimeError(f"{step}: {r.errors} errors under load ({load})")
                rates[step].append(r.rps)
    us = {step: 1e6 / median(rates[step]) for step in STEPS}
    added = increments(us)
    for step in STEPS:
        print(f"  {db} {step:8} {median(rates[step]):6.0f}/s  {us[step]:5.0f} us/request"
              f"  (+{added[step]:.0f} us)  runs {[round(x) for x in rates[step]]}")  # fmt: skip
    result = {
        "db": db,
        "server": server_description(server_name, THREADS),
        "wrk": f"-t1 -c{CONNECTIONS} -d{seconds}s, {rounds} rounds of every step in turn",
        "rates_rps": rates,
        "us_per_request": us,
        "added_us": added,
        "check_over_hello": us["hello"] / us["check"],
    }
    save_result(result_name("ablation", db, server_name, THREADS, quick), result)
    return result
