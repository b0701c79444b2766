"""The benchmark harness imports and its pure parts produce numbers (so it cannot rot)."""

from __future__ import annotations

import argparse
import importlib
import math
from pathlib import Path

import pytest

BENCH_MODULES = (
    "bench.common", "bench.seed", "bench.app", "bench.loadgen", "bench.serve",
    "bench.throughput", "bench.latency", "bench.scale", "bench.memory", "bench.decide_bench",
    "bench.polls", "bench.instructions", "bench.served", "bench.ics", "bench.__main__",
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


def test_instruction_steps_answer_200_in_process_at_the_fixed_instant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the callgrind children run: every step answers 200 for the seeded devices, and
    the check decides at the instant it is given, not at the clock's."""
    import json
    from datetime import UTC, datetime, timedelta

    from bench import instructions, seed

    monkeypatch.setattr(seed, "out_dir", lambda: tmp_path)
    url = seed.ensure_database("sqlite", 30, "America/New_York")
    at = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)  # a Sunday, 10:00 in New York
    send = instructions.serve_in_process(url, at, devices=30)
    for step in instructions.REQUEST_STEPS:
        assert {status for status, _ in send(step, 40)} == {"200 OK"}, step
    floor = json.loads(send("floor", 1)[0][1])
    assert floor == {"device": "dev_b00000000", "teen": seed.teen_id(0)}
    for _, body in send("check", 30):
        answer = json.loads(body)
        assert answer["nudge"] is None
        next_check = datetime.fromisoformat(answer["next_check_at"])
        assert at + timedelta(seconds=60) <= next_check <= at + timedelta(hours=1)


def test_served_count_is_read_from_a_callgrind_dump() -> None:
    from bench.served import dumped_total

    dump = (
        "# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: 42\n"
        "events: Ir\nsummary: 123456789\n\nfl=(1) x.py\n"
    )
    assert dumped_total(dump) == 123_456_789
    assert dumped_total(dump.replace("summary:", "totals:")) == 123_456_789
    with pytest.raises(RuntimeError, match="no total"):
        dumped_total("events: Ir\n")


def test_callgrind_total_is_read_from_its_summary() -> None:
    from bench.instructions import collected

    summary = (
        "==81== Events    : Ir\n==81== Collected : 8351851874\n==81==\n"
        "==81== I   refs:      8,351,851,874\n"
    )
    assert collected(summary) == 8_351_851_874
    with pytest.raises(RuntimeError, match="no callgrind total"):
        collected("valgrind: command not found")


def test_server_log_durations_count_only_the_route_after_the_mark(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bench import loadgen

    monkeypatch.setattr(loadgen, "out_dir", lambda: tmp_path)
    server = loadgen.Server(process=None, port=1)  # type: ignore[arg-type]
    assert server.log_size() == 0
    server.log.write_text('{"route": "/v1/check", "duration_ms": 9.0}\n')
    mark = server.log_size()
    with server.log.open("a") as log:
        log.write('{"route": "/v1/check", "duration_ms": 0.5}\n')
        log.write("gunicorn says something that is not JSON\n")
        log.write('{"route": "/v1/bench/hello", "duration_ms": 0.1}\n')
        log.write('{"route": "/v1/check", "duration_ms": 0.25}\n')
    assert server.durations_ms(mark, "/v1/check") == [0.25, 0.5]
    assert server.durations_ms(0, "/v1/check") == [0.25, 0.5, 9.0]


def test_the_floor_reads_the_device_by_its_token_and_answers_its_healthz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The floor does the check's least: a token that names a device gets it (200), one that
    names none gets 401, so its read really ran; `/healthz` answers for the readiness probe."""
    from bench import seed
    from bench.app import make_floor_app
    from bench.common import bench_settings

    monkeypatch.setattr(seed, "out_dir", lambda: tmp_path)
    client = make_floor_app(bench_settings(seed.ensure_database("sqlite", 3, "UTC"))).test_client()
    bearer = {"Authorization": f"Bearer {seed.token(2)}"}
    answer = client.post("/v1/check", json={}, headers=bearer)
    assert answer.status_code == 200
    assert answer.get_json() == {"device": "dev_b00000002", "teen": seed.teen_id(2)}
    no_device = {"Authorization": "Bearer no-such-token"}
    assert client.post("/v1/check", json={}, headers=no_device).status_code == 401
    assert client.get("/healthz").get_json() == {"status": "ok"}


@pytest.mark.parametrize("part", ["log_line", "metrics", "request_id"])
def test_each_part_runs_as_its_callgrind_child_does(part: str) -> None:
    """The child valgrind runs for a part, without valgrind: it sets the part up as the
    server does (its own process: logging and the metrics directory are process-wide) and
    calls it; the log line goes to /dev/null, not to the child's stderr."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "bench.instructions", "--child", part, "20", "5", "-", "-"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert (done.returncode, done.stderr) == (0, "")


@pytest.mark.parametrize("command", ["throughput", "latency", "memory", "scale"])
def test_every_command_line_option_reaches_a_parameter_of_its_benchmark(command: str) -> None:
    """`python -m bench` passes each command its options by name: a renamed parameter
    would fail here, not an hour into a benchmark run."""
    import inspect

    from bench.__main__ import _options

    args = argparse.Namespace(server="both", checks=10, minutes=1.0)
    options = _options(command, args)
    run = importlib.import_module(f"bench.{command}").run
    bound = inspect.signature(run).bind("sqlite", True, **options)
    assert {k: bound.arguments[k] for k in options} == options
