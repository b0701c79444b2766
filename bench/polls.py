"""5. Poll simulation: clients polling every 60 s versus clients following next_check_at.

Pure (decide() only, no server). One school in America/New_York, 08:00–15:00 Mon–Fri,
default policy, simulated Mon 00:00 to Sat 00:00 local. Each teen's app is in the foreground
in sessions: a few short peeks during lessons and longer ones before and after school. A
nudge is acked when shown (then dismissed or closed_app or nothing, at random).

Delay: for the next_check_at client, between two of its polls the state cannot change, so an
oracle evaluates decide() at every 30 s of foreground school time in the gap (refined to 1 s by
bisection) and records how long after the first instant a nudge was due the client got it.
Outside the school windows the schedule has no window, so no nudge can be due there.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytz

from alertsvc.domain.decision import CheckInput, Decision, decide, device_spread
from alertsvc.domain.schedule import Place, Policy, Schedule, Window
from alertsvc.domain.state import NudgeState, with_ack, with_nudge
from bench.common import load_note, save_result

ZONE = pytz.timezone("America/New_York")
PLACE = Place("America/New_York", None, None)
SCHEDULE = Schedule(
    weekly=((Window(8 * 60, 15 * 60),),) * 5 + ((), ()),
    term=None,
    observe_public_holidays=False,
    policy=Policy(),
    version=1,
)
MONDAY = ZONE.localize(datetime(2026, 11, 16)).astimezone(UTC)  # noqa: DTZ001 - localized
STEP = timedelta(seconds=30)


def _local(day: int, hour: float) -> datetime:
    naive = datetime(2026, 11, 16) + timedelta(days=day, hours=hour)  # noqa: DTZ001
    return ZONE.localize(naive).astimezone(UTC)


def sessions(rng: random.Random, days: int) -> list[tuple[datetime, datetime]]:
    """Foreground sessions: 2–6 peeks of 0.5–6 min in school, 8–14 sessions of 2–30 min around."""
    out: list[tuple[datetime, datetime]] = []
    for day in range(days):
        for _ in range(rng.randint(2, 6)):
            start = _local(day, rng.uniform(8.0, 14.9))
            out.append((start, start + timedelta(minutes=rng.uniform(0.5, 6))))
        for _ in range(rng.randint(8, 14)):
            hour = rng.choice((rng.uniform(6.5, 7.9), rng.uniform(15.0, 23.5)))
            start = _local(day, hour)
            out.append((start, start + timedelta(minutes=rng.uniform(2, 30))))
    out.sort()
    merged: list[tuple[datetime, datetime]] = []
    for start, end in out:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def in_school(t: datetime) -> bool:
    local = t.astimezone(ZONE)
    return local.weekday() < 5 and 8 <= local.hour < 15


@dataclass
class Teen:
    device_id: str
    rng: random.Random
    state: NudgeState = field(default_factory=NudgeState)
    polls: int = 0
    nudges: int = 0

    def ask(self, now: datetime) -> Decision:
        self.polls += 1
        return decide(CheckInput(now, self.device_id, PLACE, SCHEDULE, state=self.state))

    def handle(self, decision: Decision, now: datetime) -> None:
        if decision.nudge is None or decision.redeliver_id is not None:
            return
        nudge_id = f"nud_{self.polls}"
        day_index = len(self.state.day_marks) if self.state.day == decision.local_day else 0
        self.state = with_nudge(self.state, nudge_id, now, decision.local_day)
        self.nudges += 1
        for action in ("shown", self.rng.choice(("dismissed", "closed_app", "shown"))):
            self.state = with_ack(
                self.state, nudge_id=nudge_id, nudge_day=decision.local_day,
                day_index=day_index, action=action, at=now, snooze_minutes=30,
            )  # fmt: skip

    def nudge_due(self, t: datetime) -> bool:
        return (
            decide(CheckInput(t, self.device_id, PLACE, SCHEDULE, state=self.state)).nudge
            is not None
        )


def poll_every_minute(teen: Teen, fg: list[tuple[datetime, datetime]]) -> None:
    for start, end in fg:
        t = start
        while t < end:
            if in_school(t):  # outside the windows the answer is "no" without asking decide()
                teen.handle(teen.ask(t), t)
            else:
                teen.polls += 1
            t += timedelta(seconds=60)


def _first_due(
    teen: Teen, fg: list[tuple[datetime, datetime]], lo: datetime, hi: datetime
) -> datetime | None:
    """The first foreground instant in (lo, hi) at which a nudge is due on the current state."""
    for start, end in fg:
        if end <= lo or start >= hi:
            continue
        t = max(start, lo + timedelta(seconds=1))
        prev = None
        while t < min(end, hi):
            if in_school(t) and teen.nudge_due(t):
                if prev is None:
                    return t
                a, b = prev, t  # bisect to one second
                while (b - a) > timedelta(seconds=1):
                    mid = a + (b - a) / 2
                    a, b = (a, mid) if teen.nudge_due(mid) else (mid, b)
                return b
            prev = t
            t += STEP
    return None


def follow_next_check(teen: Teen, fg: list[tuple[datetime, datetime]], delays: list[float],
                      spread: bool = True) -> int:  # fmt: skip
    """Poll when in the foreground and past the stored next_check_at; returns missed nudges."""
    next_check = datetime.min.replace(tzinfo=UTC)
    last_poll = fg[0][0] - timedelta(seconds=1) if fg else MONDAY
    missed = 0
    for start, end in fg:
        t = max(start, next_check)
        while t < end:
            due = _first_due(teen, fg, last_poll, t)
            decision = teen.ask(t)
            if due is not None:
                if decision.nudge is None:
                    missed += 1
                else:
                    delays.append((t - due).total_seconds())
            teen.handle(decision, t)
            last_poll = t
            next_check = decision.next_check_at
            if not spread:
                next_check = max(
                    next_check - device_spread(teen.device_id), t + timedelta(seconds=60)
                )
            t = max(next_check, t + timedelta(seconds=1))
        # Unpolled foreground time until the session ends: anything due there is missed.
        if _first_due(teen, fg, last_poll, end) is not None:
            missed += 1
            last_poll = end
    return missed


def bell_peak(devices: int, spread: bool) -> int:
    """Peak polls per second around the first bell (07:30–08:30), every app in the foreground."""
    rng = random.Random(7)
    per_second: dict[int, int] = {}
    bell = _local(0, 8.0)
    for i in range(devices):
        teen = Teen(f"dev_bell_{i}", rng)
        t = _local(0, 7.5) + timedelta(seconds=rng.uniform(0, 60))
        while t < bell + timedelta(minutes=30):
            per_second[int(t.timestamp())] = per_second.get(int(t.timestamp()), 0) + 1
            nxt = teen.ask(t).next_check_at
            if not spread:
                nxt = max(nxt - device_spread(teen.device_id), t + timedelta(seconds=60))
            t = nxt
    return max(per_second.values())


def run(quick: bool, teens: int | None = None, days: int | None = None) -> dict[str, Any]:
    teens = teens if teens is not None else (30 if quick else 1_000)
    days = days if days is not None else (1 if quick else 5)
    load = load_note()
    per_minute_polls = follow_polls = per_minute_nudges = follow_nudges = missed = 0
    delays: list[float] = []
    for i in range(teens):
        fg = sessions(random.Random(i), days)
        a = Teen(f"dev_{i}", random.Random(1000 + i))
        poll_every_minute(a, fg)
        b = Teen(f"dev_{i}", random.Random(1000 + i))
        missed += follow_next_check(b, fg, delays)
        per_minute_polls, per_minute_nudges = (
            per_minute_polls + a.polls,
            per_minute_nudges + a.nudges,
        )
        follow_polls, follow_nudges = follow_polls + b.polls, follow_nudges + b.nudges
    bell_devices = 100 if quick else 1_000
    with_spread, without_spread = bell_peak(bell_devices, True), bell_peak(bell_devices, False)
    result = {
        "teens": teens,
        "days": days,
        "load": load,
        "per_teen_day_poll60": per_minute_polls / (teens * days),
        "per_teen_day_follow": follow_polls / (teens * days),
        "reduction": per_minute_polls / max(follow_polls, 1),
        "nudges_per_teen_day_poll60": per_minute_nudges / (teens * days),
        "nudges_per_teen_day_follow": follow_nudges / (teens * days),
        "worst_delay_seconds": max(delays, default=0.0),
        "delivered_with_delay_measured": len(delays),
        "missed_nudges": missed,
        "bell_devices": bell_devices,
        "bell_peak_rps_with_spread": with_spread,
        "bell_peak_rps_without_spread": without_spread,
        "bell_peak_cut": without_spread / max(with_spread, 1),
    }
    print(
        f"  polls/teen/day: every 60 s {result['per_teen_day_poll60']:.1f}, next_check_at "
        f"{result['per_teen_day_follow']:.1f} ({result['reduction']:.1f}x fewer); worst delay "
        f"{result['worst_delay_seconds']:.0f}s over {len(delays)} nudges, {missed} missed; "
        f"bell peak {without_spread}/s -> {with_spread}/s ({result['bell_peak_cut']:.0f}x)"
    )
    save_result("polls" + ("-quick" if quick else ""), result)
    return result
