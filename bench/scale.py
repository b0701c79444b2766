"""4. Scale: check p50 with 1k, 100k and 1M teens, at a fixed modest open-loop rate.

The same mix of answers at every size: a fixed number of distinct random devices is checked
twice, in two passes. The first pass is each device's first check in this process (its
schedule is not cached; a device never checked before gets its first nudge written then);
the second pass, seconds later, checks the same devices again, so its answers have the same
shape at every size (re-deliveries, caps, outside hours) and only the table size differs.
The target is taken on the second pass; both are reported. (Before, random draws with
repeats meant that at 1k most checks repeated a device while at 1M half of them wrote a
first nudge: the ratio compared writes with reads, not table sizes.)
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from alertsvc.services.demo import school_zone_now
from bench.common import load_note, percentile, save_result
from bench.loadgen import check_request, open_loop, running_server
from bench.seed import ensure_database

RATE = 60.0  # requests a second: well under the maximum, so p50 shows the lookup, not a queue


def run(db: str, quick: bool) -> dict[str, Any]:
    sizes = (1_000, 20_000) if quick else (1_000, 100_000, 1_000_000)
    seconds = 5 if quick else 15
    devices_per_pass = int(RATE * seconds)  # 900: fewer than the smallest table's teens
    zone = school_zone_now(datetime.now(UTC))
    rows = []
    for teens in sizes:
        url = ensure_database(db, teens, zone)
        devices = random.Random(teens).sample(range(teens), devices_per_pass)
        with running_server(url) as server:
            open_loop(server.port, RATE, 2, check_request([0]))  # connections and code paths
            load = load_note()
            first = open_loop(server.port, RATE, seconds, check_request(devices))
            mark = server.log_size()
            second = open_loop(server.port, RATE, seconds, check_request(devices))
            # The app's own time (access log): the table-size effect without the generator's
            # and the idle server's wake-up time, which dominate end-to-end p50s at 60/s.
            inside = server.durations_ms(mark, "/v1/check")
        rows.append({"teens": teens, "load": load, **vars(second),
                     "app_p50_ms": percentile(inside, 50), "app_p99_ms": percentile(inside, 99),
                     "first_pass": vars(first)})  # fmt: skip
        print(f"  {db} {teens:>9,} teens: second pass p50 {second.p50_ms:.2f} ms p99 "
              f"{second.p99_ms:.2f} ms (in the app p50 {rows[-1]['app_p50_ms']:.2f} ms); "
              f"first pass p50 {first.p50_ms:.2f} ms p99 {first.p99_ms:.2f} ms; "
              f"{first.errors + second.errors} errors ({load})")  # fmt: skip
    result = {
        "db": db,
        "rate": RATE,
        "seconds": seconds,
        "devices_per_pass": devices_per_pass,
        "rows": rows,
        "p50_largest_over_smallest": rows[-1]["p50_ms"] / rows[0]["p50_ms"],
        "app_p50_largest_over_smallest": rows[-1]["app_p50_ms"] / rows[0]["app_p50_ms"],
        "first_pass_p50_largest_over_smallest": (
            rows[-1]["first_pass"]["p50_ms"] / rows[0]["first_pass"]["p50_ms"]
        ),
    }
    save_result(f"scale-{db}" + ("-quick" if quick else ""), result)
    return result
