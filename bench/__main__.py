"""`python -m bench <command> [--db sqlite|postgres|both] [--quick]` (see bench/RESULTS.md)."""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import time
from typing import Any

from bench.common import load_note

COMMANDS = (
    "throughput", "ablation", "instructions", "latency", "decide", "scale", "polls", "memory",
    "profile", "ics", "floor",
)  # fmt: skip


def _dbs(choice: str) -> list[str]:
    return ["sqlite", "postgres"] if choice == "both" else [choice]


# The benchmarks that run once, not once per database, and the modules that hold them: the
# pure ones (no server, no database) and `instructions` and `ics` (in-process, SQLite only).
ONCE = {
    "decide": "decide_bench", "polls": "polls", "instructions": "instructions", "ics": "ics",
}  # fmt: skip


def _options(command: str, args: argparse.Namespace) -> dict[str, Any]:
    """The options a per-database command takes beyond (db, quick), by parameter name."""
    server, threads = {"server_name": args.server}, {"threads": args.threads}
    return {
        "throughput": {**server, **threads},
        "ablation": server,
        "latency": {**server, **threads},
        "memory": {"checks": args.checks, "minutes": args.minutes},
    }.get(command, {})


def _run(command: str, args: argparse.Namespace) -> None:
    print(f"== {command} ({load_note()})")
    started = time.perf_counter()
    if command in ONCE:
        importlib.import_module(f"bench.{ONCE[command]}").run(args.quick)
    else:
        module = importlib.import_module(f"bench.{command}")
        for db in _dbs(args.db):
            module.run(db, args.quick, **_options(command, args))
    print(f"== {command} done in {time.perf_counter() - started:.0f}s ({load_note()})")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("command", choices=(*COMMANDS, "all"), nargs="?", default="all")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="small sizes: each under a minute")
    parser.add_argument("--checks", type=int, default=None, help="memory: checks to run")
    parser.add_argument(
        "--server",
        choices=("gunicorn", "granian"),
        default="gunicorn",
        help="throughput, ablation, latency: the server (production is gunicorn; granian for"
        " comparison)",
    )
    parser.add_argument("--minutes", type=float, default=40, help="memory: time bound")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="throughput, latency: gthread threads per worker (default: the production 4)",
    )
    args = parser.parse_args()
    # A SIGTERM (e.g. from `timeout`) unwinds normally, so started servers are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    from bench.loadgen import pin_clients

    pin_clients()
    for command in COMMANDS if args.command == "all" else (args.command,):
        _run(command, args)


if __name__ == "__main__":
    main()
