"""Instructions per request, in-process, counted by callgrind: the ablation's steps with no
server, no socket and no clock in the figure.

Wall-clock figures on a shared 2-vCPU VM move by 10-20% between runs (the fifth session's
ablation once put `shape` below `hello`), which hides a 5% change. callgrind counts the
instructions the process executes: the same for the same code and inputs, whatever else the
machine is doing. Each step (the ablation's routes and the raw PK reference) runs in a child
Python under `valgrind --tool=callgrind`, twice, with FEW and then MANY requests after the
same warm-up, each time on a fresh copy of the same seeded SQLite database and at the same
fixed instant, with one hash seed. The difference divided by MANY - FEW is one request's
cost: start-up, imports and warm-up cancel out.

What it does not count: gunicorn and the socket, cache misses and GIL handoffs (the reasons a
step costs more in the server than in a loop), and PostgreSQL's own work (another process),
so it runs on SQLite only. The kill switch, the experiments' definitions version and the
teen's exposures come with the subject query, so no step's count depends on time.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.ablation import increments
from bench.common import HELLO_PATH, PK_PATH, STEP_PATHS, load_note, out_dir, save_result
from bench.seed import ensure_database, teen_id, token

# The ablation's steps and the raw-PK reference, each with its method.
STEPS = {
    step: ("GET" if path in (HELLO_PATH, PK_PATH) else "POST", path)
    for step, path in {"pk": PK_PATH, **STEP_PATHS}.items()
}
# The check again in other languages (SPEC §10): its cost in German, Japanese and Arabic must
# stay within 5% of English's (catalog lookups and CLDR formats are cached per language).
LANGUAGE_STEPS = {"check_de": "de", "check_ja": "ja", "check_ar": "ar"}
STEPS.update(dict.fromkeys(LANGUAGE_STEPS, STEPS["check"]))
TEENS = 2_000
BODY = b'{"utc_offset_minutes": null}'
_COLLECTED = re.compile(r"Collected : (\d+)")


def _environs(step: str, devices: int) -> list[dict[str, Any]]:
    from werkzeug.test import EnvironBuilder

    method, path = STEPS[step]
    out = []
    for i in range(devices):
        if method == "GET":
            query = f"id={teen_id(i)}" if step == "pk" else None
            builder = EnvironBuilder(path=path, method="GET", query_string=query)
        else:
            headers = {"Authorization": f"Bearer {token(i)}"}
            if step in LANGUAGE_STEPS:
                headers["Accept-Language"] = LANGUAGE_STEPS[step]
            builder = EnvironBuilder(
                path=path,
                method="POST",
                data=BODY,
                content_type="application/json",
                headers=headers,
            )
        out.append(builder.get_environ())
    return out


Answer = tuple[str, bytes]  # status line, body


def serve_in_process(db_url: str, at: datetime, devices: int) -> Callable[[str, int], list[Answer]]:
    """The bench app at the fixed instant `at`; returns `send(step, n)`, which makes n requests
    of that step over the first `devices` devices and returns their answers."""
    from bench.app import make_bench_app
    from bench.common import bench_settings

    app = make_bench_app(bench_settings(db_url), clock=lambda: at)
    environs: dict[str, list[dict[str, Any]]] = {}

    def send(step: str, n: int) -> list[Answer]:
        if step not in environs:
            environs[step] = _environs(step, devices)
        answers: list[Answer] = []
        status = ""

        def start_response(line: str, _headers: Any, _exc: Any = None) -> None:
            nonlocal status
            status = line

        for k in range(n):
            environ = dict(environs[step][k % devices])
            environ["wsgi.input"] = io.BytesIO(BODY if STEPS[step][0] == "POST" else b"")
            body: Iterable[bytes] = app(environ, start_response)
            answers.append((status, b"".join(body)))
            getattr(body, "close", lambda: None)()
        return answers

    return send


def _child(step: str, n: int, devices: int, db_url: str, at: str) -> None:
    """Runs under valgrind: warm up (every device checked twice, the step once per device),
    settle the heap as the server does, then n requests of the step."""
    from alertsvc.server import settle_heap

    send = serve_in_process(db_url, datetime.fromisoformat(at), devices)
    send("check", 2 * devices)
    send(step, devices)
    settle_heap()
    bad = [answer for answer in send(step, n) if not answer[0].startswith("200")]
    if bad:
        raise SystemExit(f"{step}: {len(bad)} answers were not 200, e.g. {bad[0]!r}")


def collected(valgrind_output: str) -> int:
    """The instruction total callgrind prints when the program ends."""
    found = _COLLECTED.findall(valgrind_output)
    if not found:
        raise RuntimeError(f"no callgrind total in: {valgrind_output[-500:]}")
    return int(found[-1])


def _counts(step: str, sizes: tuple[int, int], devices: int, base: Path, at: datetime) -> list[int]:
    """Both runs of a step at once (one per CPU: instruction counts do not mind sharing)."""
    runs = []
    for n in sizes:
        work = base.with_name(f"instructions-{step}-{n}.db")
        shutil.copyfile(base, work)
        command = [
            "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
            sys.executable, "-m", "bench.instructions", "--child", step, str(n), str(devices),
            f"sqlite:///{work}", at.isoformat(),
        ]  # fmt: skip
        # One hash seed for every child: str hashes decide dict layouts and collisions, and a
        # random seed per process moves the totals by more than a request costs.
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        runs.append(
            (n, work, subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env))
        )
    totals = []
    for n, work, process in runs:
        _, stderr = process.communicate()
        work.unlink(missing_ok=True)
        if process.returncode != 0:
            raise RuntimeError(f"{step} x{n} failed: {stderr[-2000:]}")
        totals.append(collected(stderr))
    return totals


def run(quick: bool) -> dict[str, Any]:
    if shutil.which("valgrind") is None:
        print("  instructions: skipped, valgrind is not installed (apt-get install valgrind)")
        return {}
    from alertsvc.services.demo import school_zone_now

    # BENCH_AT (an ISO instant) fixes the instant, so two trees compare on the same answers.
    fixed = os.environ.get("BENCH_AT")
    at = datetime.fromisoformat(fixed) if fixed else datetime.now(UTC).replace(microsecond=0)
    few, many = (50, 250) if quick else (200, 1_200)
    devices = 100 if quick else 500
    base = out_dir() / "instructions-base.db"
    seeded = ensure_database("sqlite", TEENS, school_zone_now(at))
    shutil.copyfile(seeded.removeprefix("sqlite:///"), base)
    per_request: dict[str, float] = {}
    for step in STEPS:
        low, high = _counts(step, (few, many), devices, base, at)
        per_request[step] = (high - low) / (many - few)
        print(f"  sqlite {step:8} {per_request[step]:10,.0f} instructions/request")
    result = {
        "db": "sqlite",
        "at": at.isoformat(),
        "requests": {"few": few, "many": many, "devices": devices, "teens": TEENS},
        "instructions_per_request": per_request,
        "language_over_english": {
            step: per_request[step] / per_request["check"] for step in LANGUAGE_STEPS
        },
        "added_over_previous_step": {
            **increments(per_request),
            "pk": per_request["pk"] - per_request["hello"],
        },
        "hello_over_check": per_request["hello"] / per_request["check"],
        "hello_over_pk": per_request["hello"] / per_request["pk"],
        "load": load_note(),
    }
    for step, ratio in result["language_over_english"].items():
        print(f"  {step} / check {ratio:.3f} (goal: at most 1.05)")
    print(f"  in-process hello/check {result['hello_over_check']:.3f},"
          f" hello/pk {result['hello_over_pk']:.3f}")  # fmt: skip
    save_result("instructions-sqlite" + ("-quick" if quick else ""), result)
    return result


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "--child":
        _child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6])
    else:
        raise SystemExit("run it as `python -m bench instructions`")
