"""The benchmark harness imports and its pure parts produce numbers (so it cannot rot)."""

from __future__ import annotations

import argparse
import importlib
import math
from dataclasses import replace
from pathlib import Path

import pytest

from alertsvc.config import RateLimits, Settings
from bench.common import HELLO_PATH
from tests.api.checking import check, make_teen, pair, put_schedule
from tests.support import Api

BENCH_MODULES = (
    "bench.common", "bench.seed", "bench.app", "bench.loadgen", "bench.throughput",
    "bench.ablation", "bench.latency", "bench.scale", "bench.memory", "bench.profile",
    "bench.decide_bench", "bench.polls", "bench.instructions", "bench.ics", "bench.__main__",
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
    for step in instructions.STEPS:
        assert {status for status, _ in send(step, 40)} == {"200 OK"}, step
    for _, body in send("check", 30):
        answer = json.loads(body)
        assert answer["nudge"] is None
        next_check = datetime.fromisoformat(answer["next_check_at"])
        assert at + timedelta(seconds=60) <= next_check <= at + timedelta(hours=1)


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


def test_ablation_steps_add_up_to_each_step_time() -> None:
    from bench.ablation import increments

    added = increments({"hello": 280.0, "shape": 330.0, "subject": 440.0, "check": 550.0})
    assert added == {"hello": 280.0, "shape": 50.0, "subject": 110.0, "check": 110.0}


def test_ablation_routes_answer_like_a_check_with_csrf_on(parent: Api, settings: Settings) -> None:
    """The steps measure the check's request and read, not an error page: with CSRF on (as
    the bench server runs), a device's POST gets a check-shaped 200, and a token that names
    no device gets 401 from the subject step, so its read really ran."""
    from bench.app import make_bench_app

    teen_id = make_teen(parent)
    put_schedule(parent, teen_id)
    device = pair(parent, teen_id)
    checked = check(device)
    bench = make_bench_app(replace(settings, csrf_enabled=True, rate_limits=RateLimits(False)))
    client = Api(bench.test_client())
    try:
        assert client.get(HELLO_PATH).status_code == 200
        for path in ("/v1/bench/shape", "/v1/bench/subject"):
            answer = client.as_(device.token).post(path, {})
            assert answer.status_code == 200, answer.get_data(as_text=True)
            assert answer.get_json().keys() == checked.keys()
        assert client.as_("no-such-token").post("/v1/bench/subject", {}).status_code == 401
        assert client.as_(None).post("/v1/bench/shape", {}).status_code == 401
    finally:
        bench.extensions["alertsvc"].engine.dispose()


@pytest.mark.parametrize("command", ["throughput", "ablation", "latency", "memory", "scale"])
def test_every_command_line_option_reaches_a_parameter_of_its_benchmark(command: str) -> None:
    """`python -m bench` passes each command its options by name: a renamed parameter
    would fail here, not an hour into a benchmark run."""
    import inspect

    from bench.__main__ import _options

    args = argparse.Namespace(server="granian", threads=2, checks=10, minutes=1.0)
    options = _options(command, args)
    run = importlib.import_module(f"bench.{command}").run
    bound = inspect.signature(run).bind("sqlite", True, **options)
    assert {k: bound.arguments[k] for k in options} == options
