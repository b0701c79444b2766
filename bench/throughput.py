"""Throughput against the floor (issue 19): the service's check and healthz as ratios to the
floor, served the same way and measured in the same round.

The floor (`bench.app.make_floor_app`) is the least a route that reads the database can cost:
a bare Flask app doing one indexed read of the device by its bearer token's digest. Each app
runs in its own server, one worker x 4 threads, pinned to CPU 0 (wrk runs on the other CPU);
wrk -c16 rotates over the same 2,000 device tokens after a warm-up that checks every one. A
round runs floor, healthz and check in turn, with the load average beside it; three rounds.

`--server both` runs each round under gunicorn (production, `alertsvc.server.serve`'s
options) and then under granian, so the two compare on the same minute of the machine. Each
figure also comes as requests per CPU-second of the server's processes (their user + system
time over the run), which says which server serves more per CPU even when one of them did
not get all of CPU 0.
"""

from __future__ import annotations

import json
import urllib.request
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

from alertsvc.services.demo import school_zone_now
from bench.common import load_note, median, save_result
from bench.loadgen import Server, check_script, running_server, warm_up, wrk
from bench.seed import ensure_database, token

# One worker process: with two, gthread workers accept wrk's 16 connections unevenly (one
# worker often takes nearly all), so a run measured one core or two by chance and ratios
# swung from 0.3 to 1.6. One worker gives the server one core and leaves the other to wrk and
# the database, the same for every route.
WORKERS, THREADS, CONNECTIONS = 1, 4, 16
SERVERS = ("gunicorn", "granian")
ROUTES = ("floor", "healthz", "check")
ROUNDS = 3


def server_description(server_name: str) -> str:
    """The server config a result was measured on, as the result says it."""
    if server_name == "gunicorn":
        return f"gunicorn gthread {WORKERS} worker x {THREADS} threads (alertsvc.server)"
    return f"granian --interface wsgi, {WORKERS} worker, {THREADS} blocking threads"


def reason_mix(base: str, devices: list[int]) -> dict[str, int]:
    """What the checks answer right now, from a sample of the devices wrk polls."""
    reasons: Counter[str] = Counter()
    for i in devices:
        req = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
            base + "/v1/check",
            data=b"{}",
            headers={"Authorization": f"Bearer {token(i)}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310
            body = json.loads(r.read())
        reasons[body["reason"] + (" (nudge)" if body["nudge"] else "")] += 1
    return dict(reasons.most_common())


def _measure(server: Server, path: str, seconds: float, script: Any) -> dict[str, Any]:
    """One wrk run, with the server's CPU time over it."""
    cpu = server.cpu_seconds()
    r = wrk(server.base + path, seconds, script=script, connections=CONNECTIONS)
    used = server.cpu_seconds() - cpu
    return {**vars(r), "server_cpu_seconds": used,
            "per_cpu_second": r.requests / used if used > 0 else float("nan")}  # fmt: skip


def run(db: str, quick: bool, server_name: str = "gunicorn") -> dict[str, Any]:
    servers = SERVERS if server_name == "both" else (server_name,)
    teens = 2_000 if quick else 20_000
    polled = list(range(2_000))
    seconds = 3 if quick else 8
    url = ensure_database(db, teens, school_zone_now(datetime.now(UTC)))
    script = check_script(polled, f"throughput-{db}")
    scripts = {"floor": script, "healthz": None, "check": script}
    paths = {"floor": "/v1/check", "healthz": "/healthz", "check": "/v1/check"}
    rounds: list[dict[str, Any]] = []
    with ExitStack() as stack:
        apps: dict[str, dict[str, Server]] = {}
        port = 8765
        for name in servers:
            apps[name] = {}
            for kind in ("service", "floor"):
                apps[name][kind] = stack.enter_context(running_server(
                    url, kind=kind, port=port, workers=WORKERS, threads=THREADS,
                    server_name=name,
                ))  # fmt: skip
                port += 1
            # Every polled device checked (their first nudges written) before anything is
            # timed, then caches and pools are warm on both apps.
            warm_up(apps[name]["service"].base + "/v1/check", script, 2 * len(polled),
                    CONNECTIONS)  # fmt: skip
            warm_up(apps[name]["floor"].base + "/v1/check", script, len(polled), CONNECTIONS)
        for _ in range(ROUNDS):
            row: dict[str, Any] = {"load": load_note()}
            for name in servers:
                app_of = {"floor": apps[name]["floor"], "healthz": apps[name]["service"],
                          "check": apps[name]["service"]}  # fmt: skip
                figures = {
                    route: _measure(app_of[route], paths[route], seconds, scripts[route])
                    for route in ROUTES
                }
                for route in ROUTES:
                    figures[route]["over_floor"] = figures[route]["rps"] / figures["floor"]["rps"]
                row[name] = figures
                print(f"  {db} {name:8}: " + "  ".join(
                    f"{route} {figures[route]['rps']:.0f}/s"
                    f" ({figures[route]['over_floor']:.2f}x,"
                    f" {figures[route]['per_cpu_second']:.0f}/CPU-s)"
                    for route in ROUTES
                ) + f"  ({row['load']})")  # fmt: skip
            rounds.append(row)
        mix = reason_mix(apps[servers[0]]["service"].base, polled[::7])
    summary = {
        name: {
            f"{route}_{key}": median([r[name][route][key] for r in rounds])
            for route in ROUTES
            for key in ("rps", "over_floor", "per_cpu_second")
        }
        for name in servers
    }
    for name, s in summary.items():
        print(f"  {db} {name}: median check/floor {s['check_over_floor']:.2f},"
              f" healthz/floor {s['healthz_over_floor']:.2f};"
              f" checks per CPU-second {s['check_per_cpu_second']:.0f}")  # fmt: skip
    result: dict[str, Any] = {
        "db": db,
        "teens": teens,
        "polled_devices": len(polled),
        "servers": {name: server_description(name) for name in servers},
        "wrk": f"-t1 -c{CONNECTIONS} -d{seconds}s, {ROUNDS} rounds of"
        f" {'/'.join(ROUTES)} under {' then '.join(servers)}",
        "rounds": rounds,
        "medians": summary,
        "reason_mix_sample": mix,
        "errors": sum(r[n][route]["errors"] for r in rounds for n in servers for route in ROUTES),
    }
    if len(servers) == 2:
        # Per round, so both servers' figures share the machine's state; then the median.
        result["granian_over_gunicorn"] = {
            f"{route}_{key}": median(
                [r["granian"][route][key] / r["gunicorn"][route][key] for r in rounds]
            )
            for route in ROUTES
            for key in ("rps", "per_cpu_second")
        }
        g = result["granian_over_gunicorn"]
        print(f"  {db} granian / gunicorn: checks {g['check_rps']:.2f}x,"
              f" checks per CPU-second {g['check_per_cpu_second']:.2f}x")  # fmt: skip
    print(f"  {db}: answers (a sample of the polled devices): {mix}")
    suffix = "" if server_name == "gunicorn" else f"-{server_name}"
    save_result(f"throughput-{db}{suffix}" + ("-quick" if quick else ""), result)
    return result
