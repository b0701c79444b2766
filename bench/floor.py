"""The floor (issue 19): the least a route that reads the database can cost, and the check,
healthz and hello-world as ratios to it, served the same way and measured in the same run.

The floor is a bare Flask app (not the service's: no hooks, no request id, no access log, no
metrics, no security headers) answering `POST /v1/check` with one indexed read of the device
by its bearer token's digest and a small JSON, on the service's own engine settings and read
path (`alertsvc.db.session.make_engine`, `read_engine`: autocommit reads on PostgreSQL). It
runs under the same server options as the service (`python -m bench.serve --kind floor`), one
worker x 4 threads, wrk -c16 rotating over the same 2,000 device tokens.

`python -m bench floor [--db sqlite|postgres|both] [--quick]`: three alternating rounds of
floor, service healthz and service check (and the service's hello-world), with the load
average beside each round.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import orjson
from flask import Flask, Response, request
from sqlalchemy import text

from alertsvc.config import Settings
from alertsvc.db.session import make_engine, read_engine
from alertsvc.services.demo import school_zone_now
from bench.common import HELLO_PATH, load_note, median, save_result
from bench.loadgen import check_script, running_server, warm_up, wrk
from bench.seed import ensure_database

WORKERS, THREADS, CONNECTIONS = 1, 4, 16


def make_floor_app(settings: Settings) -> Flask:
    """A bare Flask app: one indexed read by the bearer token, a small JSON answer."""
    app = Flask("floor")
    engine = read_engine(make_engine(settings))  # as the check reads: no BEGIN/ROLLBACK
    query = text("SELECT id, teen_id FROM devices WHERE token_hash = :digest")

    @app.post("/v1/check")
    def check() -> Response:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip()
        digest = hashlib.sha256(token.encode()).hexdigest()
        with engine.connect() as connection:
            row = connection.execute(query, {"digest": digest}).first()
        if row is None:
            return Response(b'{"error":"unknown token"}', 401, mimetype="application/json")
        body = orjson.dumps({"device": row.id, "teen": row.teen_id})
        return Response(body, mimetype="application/json")

    @app.get(HELLO_PATH)
    def ready() -> Response:  # the bench's readiness probe
        return Response(b'{"hello":"world"}', mimetype="application/json")

    return app


def run(db: str, quick: bool) -> dict[str, Any]:
    teens = 2_000 if quick else 20_000
    polled = list(range(2_000))
    seconds, rounds = (3, 3) if quick else (8, 3)
    url = ensure_database(db, teens, school_zone_now(datetime.now(UTC)))
    script = check_script(polled, f"floor-{db}")
    service_port, floor_port = 8765, 8766
    runs: list[dict[str, Any]] = []
    with (
        running_server(url, workers=WORKERS, threads=THREADS, port=service_port) as service,
        running_server(
            url, kind="floor", workers=WORKERS, threads=THREADS, port=floor_port
        ) as floor,
    ):
        warm_up(service.base + "/v1/check", script, 2 * len(polled), CONNECTIONS)
        warm_up(floor.base + "/v1/check", script, len(polled), CONNECTIONS)
        for _ in range(rounds):
            load = load_note()
            f = wrk(floor.base + "/v1/check", seconds, script=script, connections=CONNECTIONS)
            h = wrk(service.base + "/healthz", seconds, connections=CONNECTIONS)
            c = wrk(service.base + "/v1/check", seconds, script=script, connections=CONNECTIONS)
            w = wrk(service.base + HELLO_PATH, seconds, connections=CONNECTIONS)
            runs.append(
                {"floor": vars(f), "healthz": vars(h), "check": vars(c), "hello": vars(w),
                 "load": load}
            )  # fmt: skip
            print(f"  {db}: floor {f.rps:.0f}/s  healthz {h.rps:.0f}/s ({h.rps / f.rps:.2f}x)"
                  f"  check {c.rps:.0f}/s ({c.rps / f.rps:.2f}x)  hello {w.rps:.0f}/s"
                  f"  ({load})")  # fmt: skip
    result = {
        "db": db,
        "server": f"gunicorn gthread {WORKERS} worker x {THREADS} threads, both apps",
        "wrk": f"-t1 -c{CONNECTIONS} -d{seconds}s, {rounds} rounds of floor/healthz/check/hello",
        "runs": runs,
        "check_over_floor": median([r["check"]["rps"] / r["floor"]["rps"] for r in runs]),
        "healthz_over_floor": median([r["healthz"]["rps"] / r["floor"]["rps"] for r in runs]),
        "floor_rps_median": median([r["floor"]["rps"] for r in runs]),
        "check_rps_median": median([r["check"]["rps"] for r in runs]),
    }
    print(f"  {db}: median check/floor {result['check_over_floor']:.2f},"
          f" healthz/floor {result['healthz_over_floor']:.2f}")  # fmt: skip
    save_result(f"floor-{db}" + ("-quick" if quick else ""), result)
    return result
