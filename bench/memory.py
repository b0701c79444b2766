"""6. Memory: RSS of each worker after N checks (1M by default), sampled along the way."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from alertsvc.services.demo import school_zone_now
from bench.common import load_note, median, save_result
from bench.loadgen import check_script, rss_kib, running_server, wrk
from bench.seed import ensure_database

MAX_MINUTES = 40  # the bound on the run, whatever the rate
DEVICES = 20_000
# The baseline is taken only after every device was checked three times: by then each bounded
# cache (schedules and decide()'s plan books, 4,096 entries each; SQLAlchemy's compiled
# statements; zone and holiday tables) has filled and turned over, so later growth is a leak.
WARM_PASSES = 3
# RSS moves up and down by about 5% from one 30 s sample to the next while the caches turn
# over (allocator arenas are taken and given back), so one sample is no baseline: growth is
# the median of the last WINDOW samples against the median of the first WINDOW after warm-up.
WINDOW = 5


def run(
    db: str, quick: bool, checks: int | None = None, minutes: float = MAX_MINUTES
) -> dict[str, Any]:
    target = checks if checks is not None else (4_000 if quick else 1_000_000)
    chunk_seconds = 5 if quick else 30
    url = ensure_database(db, DEVICES, school_zone_now(datetime.now(UTC)))
    script = check_script(list(range(DEVICES)), f"memory-{db}")
    samples: list[dict[str, Any]] = []
    done = 0
    # One worker (as in the throughput runs): with two, one may serve almost nothing for a
    # while and look like it grows when it finally fills its caches.
    with running_server(url, workers=1) as server:
        pids = server.worker_pids()
        warm = 0
        while warm < (DEVICES // 10 if quick else WARM_PASSES * DEVICES):
            warm += wrk(server.base + "/v1/check", chunk_seconds, script=script).requests
        baseline = {pid: rss_kib(pid) for pid in pids}
        print(f"  {db}: baseline after {warm:,} warm-up checks: {baseline} KiB")
        deadline = time.monotonic() + minutes * 60
        while done < target and time.monotonic() < deadline:
            done += wrk(server.base + "/v1/check", chunk_seconds, script=script).requests
            samples.append({"checks": done, "rss_kib": {p: rss_kib(p) for p in pids},
                            "load": load_note()})  # fmt: skip
            print(f"  {db}: {done:,} checks, RSS {samples[-1]['rss_kib']} KiB")
        alive = server.worker_pids() == pids
    final = samples[-1]["rss_kib"] if samples else baseline
    series = {p: [s["rss_kib"][p] for s in samples] or [baseline[p]] for p in pids}
    first = {p: median(v[:WINDOW]) for p, v in series.items()}
    last = {p: median(v[-WINDOW:]) for p, v in series.items()}
    growth = {p: (last[p] - first[p]) / first[p] * 100 for p in pids}
    peak = {p: (max(v) - first[p]) / first[p] * 100 for p, v in series.items()}
    result = {
        "db": db,
        "target_checks": target,
        "checks_after_warmup": done,
        "time_bound_minutes": minutes,
        "warmup_checks": warm,
        "same_workers_throughout": alive,
        "baseline_rss_kib": baseline,
        "final_rss_kib": final,
        "first_window_median_kib": first,
        "last_window_median_kib": last,
        "growth_percent": growth,
        "peak_over_first_window_percent": peak,
        "growth_definition": f"median of the last {WINDOW} samples vs the first {WINDOW}",
        "samples": samples,
        "load": load_note(),
    }
    print(f"  {db}: RSS growth {growth} % (peak {peak} %) over {done:,} checks")
    save_result(f"memory-{db}" + ("-quick" if quick else ""), result)
    return result
