"""The benchmark harness imports and its pure parts produce numbers (so it cannot rot)."""

from __future__ import annotations

import importlib
import math

import pytest

BENCH_MODULES = (
    "bench.common", "bench.seed", "bench.app", "bench.loadgen", "bench.throughput",
    "bench.latency", "bench.scale", "bench.memory", "bench.profile", "bench.decide_bench",
    "bench.polls", "bench.__main__",
)  # fmt: skip


@pytest.mark.parametrize("name", BENCH_MODULES)
def test_bench_module_imports(name: str) -> None:
    importlib.import_module(name)


def test_decide_micro_benchmark_reports_a_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    from bench import common, decide_bench

    monkeypatch.setattr(common, "save_result", lambda name, data: None)
    monkeypatch.setattr(decide_bench, "save_result", lambda name, data: None)
    result = decide_bench.run(quick=True, seconds=0.05)
    assert result["one_teen_per_second"] > 0
    assert result["fleet_2000_teens_per_second"] > 0


def test_poll_simulation_reports_requests_delays_and_bell_peaks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bench import polls

    monkeypatch.setattr(polls, "save_result", lambda name, data: None)
    monkeypatch.setattr(polls, "bell_peak", lambda devices, spread: 10 if spread else 100)
    result = polls.run(quick=True, teens=3, days=1)
    assert result["per_teen_day_poll60"] > result["per_teen_day_follow"] > 0
    assert math.isfinite(result["worst_delay_seconds"])
    assert result["bell_peak_cut"] == 10
