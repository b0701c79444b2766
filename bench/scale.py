"""4. Scale: check p50 with 1k, 100k and 1M teens, at a fixed modest open-loop rate."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from alertsvc.services.demo import school_zone_now
from bench.common import load_note, save_result
from bench.loadgen import check_request, open_loop, running_server
from bench.seed import ensure_database

RATE = 60.0  # requests a second: well under the maximum, so p50 shows the lookup, not a queue


def run(db: str, quick: bool) -> dict[str, Any]:
    sizes = (1_000, 20_000) if quick else (1_000, 100_000, 1_000_000)
    seconds = 5 if quick else 20
    zone = school_zone_now(datetime.now(UTC))
    rows = []
    for teens in sizes:
        url = ensure_database(db, teens, zone)
        rng = random.Random(teens)
        devices = [rng.randrange(teens) for _ in range(int(RATE * (seconds + 3)) + 10)]
        with running_server(url) as server:
            open_loop(server.port, RATE, 3, check_request(devices[::-1]))  # warm-up
            load = load_note()
            r = open_loop(server.port, RATE, seconds, check_request(devices))
        rows.append({"teens": teens, "load": load, **vars(r)})
        print(f"  {db} {teens:>9,} teens: p50 {r.p50_ms:.2f} ms p99 {r.p99_ms:.2f} ms, "
              f"{r.errors} errors ({load})")  # fmt: skip
    result = {
        "db": db,
        "rate": RATE,
        "seconds": seconds,
        "rows": rows,
        "p50_largest_over_smallest": rows[-1]["p50_ms"] / rows[0]["p50_ms"],
    }
    save_result(f"scale-{db}" + ("-quick" if quick else ""), result)
    return result
