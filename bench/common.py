"""Shared helpers: where outputs go, load average, machine facts, percentiles, results."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from alertsvc.config import Settings

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"  # git-ignored: databases, logs, raw results
RESULTS_DIR = OUT_DIR / "results"


def out_dir() -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    return OUT_DIR


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def load_note() -> str:
    one, five, fifteen = load_average()
    return f"load {one:.2f}/{five:.2f}/{fifteen:.2f}"


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in [0, 100])."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return float("nan")
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def save_result(name: str, data: dict[str, Any]) -> Path:
    """Write one result as JSON under bench/out/results, stamped with time, load and machine."""
    out_dir()
    data = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_after": load_note(),
        "machine": machine(),
        **data,
    }
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    print(f"-> {path.relative_to(BENCH_DIR.parent)}")
    return path


def bench_settings(db_url: str) -> Settings:
    """The app's settings for every bench server: the given database, rate limits off."""
    return Settings.from_env(
        {
            "ALERTSVC_ENV": "development",
            "ALERTSVC_DATABASE_URL": db_url,
            "ALERTSVC_SECRET_KEY": "bench-only-secret",
            "ALERTSVC_RATE_LIMITS": "off",
        }
    )
