"""Latency against the floor (issue 19): check p99 / floor p99 at 80% of each one's own maximum
(goal: at most 1.5), with the open-loop generator (`bench.loadgen.open_loop`).

The floor (`bench.app.make_floor_app`) and the service each run in their own server, one
worker x 4 threads, pinned to CPU 0. Three repeats, floor and check in turn; each point first
takes the route's maximum (the rate the open loop gets answered when it offers 1.5x the median
of three short wrk runs, taken again for every point), then the open loop sends 80% of it on a
fixed schedule for a while, latency counted from each scheduled send. The p99s compared are
the medians of the repeats.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from alertsvc.services.demo import school_zone_now
from bench.common import load_note, median, percentile, save_result
from bench.loadgen import (
    Server,
    check_request,
    check_script,
    open_loop,
    running_server,
    warm_up,
    wrk,
)
from bench.seed import ensure_database
from bench.throughput import CONNECTIONS, THREADS, WORKERS, server_description

SHARE = 0.8
GOAL = 1.5
ROUTES = ("floor", "check")
# The median of three wrk runs, not one: a single wrk run on this VM is off by up to 20%, and
# "80%" of an overestimate is the server's whole capacity, where the open-loop queue grows
# without bound (seen: check p50 2 s, p99 7x the reference's).
MAX_RUNS = 3
# Each point is run this many times, the routes in turn, and the p99s compared are the medians
# of the repeats. One 15-s point is decided by whether a stall of 15–60 ms fell into it: at
# 80% load the queue it leaves drains at a fifth of the rate it built up, so one stall can
# own more than 1% of the point's requests. Single points gave ratios from 0.04x to 22x for
# the same code.
REPEATS = 3
# The open loop's maximum: what it gets answered when it offers this many times wrk's.
OVERLOAD = 1.5


def run(db: str, quick: bool) -> dict[str, Any]:
    teens = 2_000 if quick else 20_000
    polled = list(range(2_000))
    seconds, repeats = (5, 1) if quick else (15, REPEATS)
    url = ensure_database(db, teens, school_zone_now(datetime.now(UTC)))
    script = check_script(polled, f"latency-{db}")
    rows: list[dict[str, Any]] = []
    with (
        running_server(url, kind="service", port=8765, workers=WORKERS, threads=THREADS) as svc,
        running_server(url, kind="floor", port=8766, workers=WORKERS, threads=THREADS) as floor,
    ):
        servers = {"floor": floor, "check": svc}
        for name, server in servers.items():
            warm_up(server.base + "/v1/check", script,
                    (1 if name == "floor" else 2) * len(polled), CONNECTIONS)  # fmt: skip
        for repeat in range(repeats):
            for name, server in servers.items():
                # The maximum is taken again right before each point (what the server can do
                # drifts by 10-20% within minutes on this VM), and by the open loop itself at
                # more than the server can do: with its 64 connections its maximum was 24%
                # under to 14% over wrk's (16), so 80% of wrk's was not 80% of its own.
                target = server.base + "/v1/check"
                wrk_max = median([
                    wrk(target, 3, script=script, connections=CONNECTIONS).rps
                    for _ in range(MAX_RUNS)
                ])  # fmt: skip
                saturated = open_loop(server.port, wrk_max * OVERLOAD, 3 if quick else 5,
                                      check_request(polled))  # fmt: skip
                rows.append(_point(server, db, name, repeat, saturated.achieved_rps,
                                   wrk_max, check_request(polled), seconds))  # fmt: skip
    medians = {
        name: {
            key: median([r[key] for r in rows if r["route"] == name])
            for key in ("p50_ms", "p99_ms", "p999_ms", "app_p50_ms", "app_p99_ms")
        }
        for name in ROUTES
    }
    for name, m in medians.items():
        print(f"  {db} {name} @{SHARE:.0%} median of repeats: p50 {m['p50_ms']:.1f}"
              f" p99 {m['p99_ms']:.1f} p99.9 {m['p999_ms']:.1f} ms")  # fmt: skip
    ratio = medians["check"]["p99_ms"] / medians["floor"]["p99_ms"]
    print(f"  {db} check p99 / floor p99 @{SHARE:.0%} (medians): {ratio:.2f}x (goal: at most"
          f" {GOAL})")  # fmt: skip
    result = {
        "db": db,
        "server": server_description("gunicorn") + ", one per app",
        "generator": "asyncio open loop, 64 keep-alive connections, latency from scheduled send",
        "share_of_maximum": SHARE,
        "seconds_per_point": seconds,
        "repeats": repeats,
        "maxima_rps": {name: [r["max_rps"] for r in rows if r["route"] == name] for name in ROUTES},
        "rows": rows,
        "medians": medians,
        "check_p99_over_floor_p99": ratio,
        "goal": GOAL,
    }
    save_result(f"latency-{db}" + ("-quick" if quick else ""), result)
    return result


def _point(
    server: Server,
    db: str,
    name: str,
    repeat: int,
    max_rps: float,
    wrk_max: float,
    make: Callable[[int], bytes],
    seconds: float,
) -> dict[str, Any]:
    load = load_note()
    mark = server.log_size()
    r = open_loop(server.port, max_rps * SHARE, seconds, make)
    # The service's own time per request, from its access log (the floor writes none): when
    # the end-to-end p99 is far above it, the tail is queueing in front of the app.
    inside = server.durations_ms(mark, "/v1/check")
    app = {"app_p50_ms": percentile(inside, 50), "app_p99_ms": percentile(inside, 99),
           "app_max_ms": inside[-1] if inside else float("nan")}  # fmt: skip
    in_app = (f"; in the app p50 {app['app_p50_ms']:.2f} p99 {app['app_p99_ms']:.2f}"
              f" max {app['app_max_ms']:.1f} ms" if inside else "")  # fmt: skip
    print(
        f"  {db} {name} @{SHARE:.0%} of {max_rps:.0f}/s (wrk {wrk_max:.0f}/s)"
        f" (#{repeat + 1}): p50 {r.p50_ms:.1f}"
        f" p99 {r.p99_ms:.1f} p99.9 {r.p999_ms:.1f} ms, {r.errors} errors{in_app} ({load})"
    )
    return {"route": name, "repeat": repeat, "max_rps": max_rps, "wrk_max_rps": wrk_max,
            "load": load, **vars(r), **app}  # fmt: skip
