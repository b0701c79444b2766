"""`python -m bench <command> [--db sqlite|postgres|both] [--quick]` (see bench/RESULTS.md)."""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import time
from typing import Any

from bench.common import load_note

# Each command, the module that runs it, and what it measures (`python -m bench --help`).
COMMANDS = {
    "throughput": ("throughput", "floor, healthz and check under wrk in alternating rounds;"
                   " ratios to the floor (--server)"),
    "latency": ("latency", "floor and check p50/p99 at 80% of each one's maximum, open loop"
                " (goal: check/floor p99 <= 1.5)"),
    "instructions": ("instructions", "callgrind: instructions per request (floor, healthz,"
                     " check in 4 languages) and per part; SQLite"),
    "served": ("served", "callgrind: instructions per request as gunicorn serves them (floor,"
               " healthz, check), the server's part; SQLite"),
    "decide": ("decide_bench", "decide() calls per second on one core (pure)"),
    "scale": ("scale", "check p50 with 1k, 100k and 1M teens at a fixed modest rate"),
    "polls": ("polls", "polls per teen, every 60 s vs following next_check_at; delay, bell"
              " peak (pure)"),
    "memory": ("memory", "worker RSS growth over 1M checks (--checks N, --minutes M)"),
    "ics": ("ics", "the worst 1 MiB calendar files, each imported within 2 s (SQLite)"),
}  # fmt: skip
# The benchmarks that run once, not once per database: the pure ones (no server, no
# database), `instructions`, `served` and `ics` (SQLite only).
ONCE = ("decide", "polls", "instructions", "served", "ics")


def _dbs(choice: str) -> list[str]:
    return ["sqlite", "postgres"] if choice == "both" else [choice]


def _options(command: str, args: argparse.Namespace) -> dict[str, Any]:
    """The options a per-database command takes beyond (db, quick), by parameter name."""
    return {
        "throughput": {"server_name": args.server},
        "memory": {"checks": args.checks, "minutes": args.minutes},
    }.get(command, {})


def _run(command: str, args: argparse.Namespace) -> None:
    print(f"== {command} ({load_note()})")
    started = time.perf_counter()
    module = importlib.import_module(f"bench.{COMMANDS[command][0]}")
    if command in ONCE:
        module.run(args.quick)
    else:
        for db in _dbs(args.db):
            module.run(db, args.quick, **_options(command, args))
    print(f"== {command} done in {time.perf_counter() - started:.0f}s ({load_note()})")


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        epilog="commands:\n"
        + "\n".join(f"  {name:13} {text}" for name, (_, text) in COMMANDS.items())
        + "\n  all           every command in turn (the default)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=(*COMMANDS, "all"), nargs="?", default="all")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="short runs and small sizes")
    parser.add_argument(
        "--server",
        choices=("gunicorn", "granian", "both"),
        default="gunicorn",
        help="throughput: the server (production is gunicorn; both: each round under"
        " gunicorn, then under granian)",
    )
    parser.add_argument("--checks", type=int, default=None, help="memory: checks to run")
    parser.add_argument("--minutes", type=float, default=40, help="memory: time bound")
    args = parser.parse_args()
    # A SIGTERM (e.g. from `timeout`) unwinds normally, so started servers are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    from bench.loadgen import pin_clients

    pin_clients()
    for command in COMMANDS if args.command == "all" else (args.command,):
        _run(command, args)


if __name__ == "__main__":
    main()
