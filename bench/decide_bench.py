"""3. decide() micro-benchmark: decisions per second on one core (pure, no I/O)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from alertsvc.domain.decision import CheckInput, decide
from alertsvc.domain.schedule import Place, Policy, Schedule, Window
from alertsvc.domain.state import NudgeState
from bench.common import load_note, save_result

ZONES = ("America/New_York", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney")


def schedule(start_minutes: int, version: int = 1) -> Schedule:
    school = (Window(start_minutes, 15 * 60),)
    return Schedule(
        weekly=(school,) * 5 + ((), ()),
        term=None,
        observe_public_holidays=False,
        policy=Policy(),
        version=version,
    )


def inputs(teens: int, base: datetime) -> list[CheckInput]:
    """One input per teen; instants spread over a school week so every rule path shows up."""
    out = []
    for i in range(teens):
        now = base + timedelta(minutes=(i * 37) % (7 * 24 * 60))
        state = NudgeState()
        if i % 3 == 1:  # a recent nudge: frequency cap or re-delivery
            state = NudgeState(day=None, last_nudge_id="nud_x", last_nudge_at=now - timedelta(
                minutes=i % 40), last_nudge_acked=i % 2 == 0)  # fmt: skip
        out.append(
            CheckInput(
                now=now,
                device_id=f"dev_{i}",
                place=Place(ZONES[i % len(ZONES)], None, None),
                schedule=schedule(8 * 60 + 15 * (i % 4), version=1 + i),
                state=state,
            )
        )
    return out


def measure(items: list[CheckInput], seconds: float) -> tuple[float, int]:
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for inp in items:
            decide(inp)
        done += len(items)
    return done / (time.perf_counter() - started), done


def run(quick: bool, seconds: float | None = None) -> dict[str, Any]:
    seconds = seconds if seconds is not None else (1.0 if quick else 10.0)
    base = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday
    one = inputs(1, base + timedelta(hours=2))
    many = inputs(2_000, base)
    for items in (one, many):  # warm the zone and plan caches
        measure(items, min(0.3, seconds))
    load = load_note()
    hot_rate, _ = measure(one, seconds)
    fleet_rate, _ = measure(many, seconds)
    result = {
        "load": load,
        "seconds": seconds,
        "one_teen_per_second": hot_rate,
        "fleet_2000_teens_per_second": fleet_rate,
        "target_per_second": 50_000,
    }
    print(
        f"  decide(): one teen {hot_rate:,.0f}/s; 2,000 distinct teens {fleet_rate:,.0f}/s ({load})"
    )
    save_result("decide" + ("-quick" if quick else ""), result)
    return result
