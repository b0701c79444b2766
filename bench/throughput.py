"""1. Throughput: /v1/check versus a hello-world route of the same app, A/B/A/B with wrk."""

from __future__ import annotations

import json
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from alertsvc.services.demo import school_zone_now
from bench.common import HELLO_PATH, PK_PATH, load_note, median, save_result
from bench.loadgen import check_script, pk_script, running_server, warm_up, wrk
from bench.seed import ensure_database, token

# One worker process: with two, gthread workers accept wrk's 16 connections unevenly (one
# worker often takes nearly all), so a run measured one core or two by chance (hello-world
# 1,400/s or 3,900/s back to back) and A/B ratios swung from 0.3 to 1.6. One worker gives
# the server one core and leaves the other to wrk and the database, the same for A and B.
WORKERS, THREADS, CONNECTIONS = 1, 4, 16


def server_description(server_name: str, threads: int) -> str:
    """The server config a result was measured on, as the result says it."""
    if server_name == "gunicorn":
        return f"gunicorn gthread {WORKERS} worker x {threads} threads (alertsvc.server)"
    return f"granian --interface wsgi, {WORKERS} worker, {threads} blocking threads"


def result_name(kind: str, db: str, server_name: str, threads: int, quick: bool) -> str:
    """`throughput-sqlite`, `latency-postgres-granian-t2-quick`, ...: the default server
    config has no suffix, so results taken on it keep their names across sessions."""
    return (
        f"{kind}-{db}"
        + ("" if server_name == "gunicorn" else f"-{server_name}")
        + ("" if threads == THREADS else f"-t{threads}")
        + ("-quick" if quick else "")
    )


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


def run(
    db: str, quick: bool, server_name: str = "gunicorn", threads: int | None = None
) -> dict[str, Any]:
    threads = threads or THREADS
    teens = 2_000 if quick else 20_000
    # 2,000 polled devices: the warm-up reaches every one, so the measured runs see the
    # steady mix (re-deliveries, caps, outside hours, new nudges as caps expire).
    polled = list(range(2_000))
    seconds, pairs, warm = (2, 2, 3) if quick else (8, 3, 8)
    url = ensure_database(db, teens, school_zone_now(datetime.now(UTC)))
    script = check_script(polled, f"check-{db}")
    runs: list[dict[str, Any]] = []
    with running_server(url, workers=WORKERS, threads=threads, server_name=server_name) as server:
        check_url, hello_url = server.base + "/v1/check", server.base + HELLO_PATH
        # Warm-up: every polled device checked at least once (their first nudges are written
        # here), then caches and pools are warm.
        warm_up(check_url, script, (1 if quick else 2) * len(polled), CONNECTIONS)
        wrk(hello_url, warm, connections=CONNECTIONS)
        for _ in range(pairs):
            load = load_note()
            a = wrk(check_url, seconds, script=script, connections=CONNECTIONS)
            b = wrk(hello_url, seconds, connections=CONNECTIONS)
            runs.append({"check": vars(a), "hello": vars(b), "ratio": a.rps / b.rps, "load": load})
            print(f"  {db}: check {a.rps:.0f}/s  hello {b.rps:.0f}/s  ratio {a.rps / b.rps:.3f}"
                  f"  ({load})")  # fmt: skip
        pk = wrk(
            server.base + PK_PATH, seconds, script=pk_script(teens, "pk"),
            connections=CONNECTIONS,
        )  # fmt: skip
        mix = reason_mix(server.base, polled[::7])
    with running_server(
        url, kind="raw", workers=WORKERS, threads=threads, server_name=server_name
    ) as server:
        raw = wrk(server.base + "/", seconds, connections=CONNECTIONS)
    result = {
        "db": db,
        "teens": teens,
        "polled_devices": len(polled),
        "server": server_description(server_name, threads),
        "wrk": f"-t1 -c{CONNECTIONS} -d{seconds}s, {pairs} A/B pairs after a warm-up pass",
        "runs": runs,
        "median_ratio": median([r["ratio"] for r in runs]),
        "check_rps_median": median([r["check"]["rps"] for r in runs]),
        "hello_rps_median": median([r["hello"]["rps"] for r in runs]),
        "flask_raw_pk_rps": pk.rps,
        "raw_wsgi_rps": raw.rps,
        "reason_mix_sample": mix,
        "errors": sum(r["check"]["errors"] + r["hello"]["errors"] for r in runs) + pk.errors,
    }
    print(f"  {db}: median check/hello {result['median_ratio']:.3f}; pk {pk.rps:.0f}/s;"
          f" raw WSGI {raw.rps:.0f}/s; mix {mix}")  # fmt: skip
    save_result(result_name("throughput", db, server_name, threads, quick), result)
    return result
