"""Profile a gunicorn worker under wrk load with py-spy: top functions by self and total time."""

from __future__ import annotations

import collections
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alertsvc.services.demo import school_zone_now
from bench.common import load_note, out_dir, save_result
from bench.loadgen import check_script, running_server, wrk
from bench.seed import ensure_database

PY_SPY = Path(sys.executable).with_name("py-spy")


def summarize(collapsed: Path, top: int = 25) -> dict[str, list[tuple[str, float]]]:
    """Self and inclusive shares per function from py-spy's collapsed ("raw") output."""
    self_time: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        if not count_text.isdigit():
            continue  # py-spy --nonblocking can tear a sample's stack: skip it
        count = int(count_text)
        frames = [f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0] + ")"
                  for f in stack.split(";")]  # fmt: skip
        if any("select" in f and "selectors" in f for f in frames[-1:]) or "wait" in frames[-1]:
            continue  # idle threads waiting for work or sockets
        samples += count
        self_time[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    share = lambda c: [(k, round(100 * v / max(samples, 1), 1)) for k, v in c.most_common(top)]  # noqa: E731
    return {"self": share(self_time), "total": share(total), "busy_samples": [("n", samples)]}


def run(db: str, quick: bool) -> dict[str, Any]:
    seconds = 8 if quick else 20
    url = ensure_database(db, 20_000, school_zone_now(datetime.now(UTC)))
    script = check_script(list(range(10_000)), f"profile-{db}")
    raw = out_dir() / f"profile-{db}.txt"
    with running_server(url) as server:
        check_url = server.base + "/v1/check"
        wrk(check_url, 3, script=script)
        worker = server.worker_pids()[0]
        load = threading.Thread(
            target=wrk, args=(check_url, seconds + 4), kwargs={"script": script}, daemon=True
        )
        load.start()
        subprocess.run(
            [str(PY_SPY), "record", "--pid", str(worker), "--duration", str(seconds),
             "--rate", "200", "--gil", "--format", "raw", "--output", str(raw), "--nonblocking"],
            check=True, capture_output=True, timeout=seconds + 60,
        )  # fmt: skip
        load.join(timeout=seconds + 60)
    summary = summarize(raw)
    for kind in ("self", "total"):
        print(f"  top {kind}:")
        for name, pct in summary[kind][:15]:
            print(f"    {pct:5.1f}%  {name}")
    result = {"db": db, "load": load_note(), "collapsed": str(raw), **summary}
    save_result(f"profile-{db}" + ("-quick" if quick else ""), result)
    return result
