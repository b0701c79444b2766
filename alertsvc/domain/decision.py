"""The decision (SPEC §4.3–4.5): "remind now?", when to ask again, and why, as one pure function.

`decide()` takes every fact as an argument (the instant included) and returns a `Decision`.
The rules are a table in SPEC order (`_RULES`), what can change the answer next is a table
by reason (`_CHANGES`), and so is the explanation (`_EXPLAINERS`, from `explanations`). The
state they read moves on only through `state.with_nudge()` and `state.with_ack()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from functools import lru_cache
from hashlib import sha256

from alertsvc.domain import explanations
from alertsvc.domain.calendar import Interval, Occurrence, clock_change_on, utc_offset_at
from alertsvc.domain.context import Arm as Arm  # the check's vocabulary
from alertsvc.domain.context import CheckInput as CheckInput
from alertsvc.domain.context import (
    Context,
    context,
    grace_end,
    next_day_start,
    next_nudge_instant,
)
from alertsvc.domain.context import VariantParams as VariantParams
from alertsvc.domain.message import Message, Sayable, msg
from alertsvc.domain.schedule import Policy
from alertsvc.domain.state import AckAction as AckAction  # the check's vocabulary, with Reason
from alertsvc.domain.state import NudgeState as NudgeState  # a CheckInput field
from alertsvc.domain.state import (
    cap_end,
    daily_cap_reached,
    dismissal_run,
    marks_counting_on,
    with_nudge,
)

DEFAULT_TITLE = msg("School time")
DEFAULT_BODY = msg(
    "Looks like you're on your phone during school hours. It can probably wait until later."
)
REDELIVERY_PERIOD = timedelta(seconds=120)
# A check that lost the race to another process (or host) may have read its instant a few
# milliseconds, or with clock skew a few seconds, before the winner stamped the nudge.
CLOCK_SKEW = timedelta(seconds=5)
MIN_NEXT_CHECK = timedelta(seconds=60)
MAX_NEXT_CHECK = timedelta(hours=1)
SPREAD_MILLISECONDS = 60_000

_DAY = timedelta(days=1)
_DEFAULT_POLICY = Policy()


class Reason(StrEnum):
    """The reason codes of SPEC §4.3, in the order the rules are tried."""

    DISABLED = "disabled"
    NO_SCHEDULE = "no_schedule"
    PAUSED = "paused"
    NO_SCHOOL_TODAY = "no_school_today"
    OUTSIDE_SCHOOL_HOURS = "outside_school_hours"
    GRACE_PERIOD = "grace_period"
    AWAY = "away"
    SNOOZED = "snoozed"
    HOLDOUT = "holdout"
    DAILY_CAP = "daily_cap"
    FREQUENCY_CAP = "frequency_cap"
    IN_SCHOOL_HOURS = "in_school_hours"


@dataclass(frozen=True, slots=True)
class NudgeCopy:
    """What the nudge says."""

    title: Sayable
    body: Sayable


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one check (SPEC §5 check result, before ids and serialization)."""

    reason: Reason
    nudge: NudgeCopy | None
    redeliver_id: str | None
    window: Interval | None
    window_occurrence: Occurrence | None
    next_check_at: datetime
    change_at: datetime | None
    explanation: Message
    local_day: date
    effective_policy: Policy


# --- policy, copy and spread ------------------------------------------------------------------


def effective_policy(policy: Policy, arm: Arm | None) -> Policy:
    """The schedule's policy with the experiment variant's overrides applied."""
    if arm is None:
        return policy
    params = arm.params
    return replace(
        policy,
        grace_minutes=_either(params.grace_minutes, policy.grace_minutes),
        min_interval_minutes=_either(params.min_interval_minutes, policy.min_interval_minutes),
        max_per_day=_either(params.max_per_day, policy.max_per_day),
    )


def _either(override: int | None, default: int) -> int:
    return default if override is None else override


_DEFAULT_COPY = NudgeCopy(DEFAULT_TITLE, DEFAULT_BODY)


def nudge_copy(arm: Arm | None) -> NudgeCopy:
    """The default gentle copy, with a variant's title and body when it sets them."""
    if arm is None:
        return _DEFAULT_COPY  # a frozen value, so one instance can serve every check
    params = arm.params
    return NudgeCopy(
        params.title if params.title is not None else DEFAULT_TITLE,
        params.body if params.body is not None else DEFAULT_BODY,
    )


@lru_cache(maxsize=4096)
def device_spread(device_id: str) -> timedelta:
    """A stable per-device delay in [0, 60 s), so a school's devices do not poll at once."""
    digest = sha256(device_id.encode("utf-8")).digest()
    return timedelta(milliseconds=int.from_bytes(digest[:8], "big") % SPREAD_MILLISECONDS)


def _context(inp: CheckInput) -> Context:
    policy = effective_policy(inp.schedule.policy if inp.schedule else _DEFAULT_POLICY, inp.arm)
    return context(inp, policy)


# --- the rules, in SPEC §4.3 order ------------------------------------------------------------


def _is_after(until: datetime | None, now: datetime) -> bool:
    return until is not None and until > now


def _no_school(ctx: Context) -> bool:
    return ctx.today is not None and not ctx.today.verdict.school_day


def _in_grace(ctx: Context) -> bool:
    return _is_after(grace_end(ctx), ctx.now)


def zone_offset_minutes(instant: datetime, zone: tzinfo) -> int:
    """The zone's UTC offset at an instant, in whole minutes."""
    return _whole_minutes(utc_offset_at(instant, zone))


def _whole_minutes(offset: timedelta | None) -> int:
    return round(offset.total_seconds() / 60) if offset is not None else 0


def _away(ctx: Context) -> bool:
    device = ctx.inp.device_offset_minutes
    if device is None:
        return False
    gap = abs(device - _whole_minutes(ctx.wall.utcoffset()))
    return gap >= ctx.policy.away_threshold_minutes


def _in_holdout(ctx: Context) -> bool:
    return ctx.inp.arm is not None and ctx.inp.arm.params.holdout


def _frequency_capped(ctx: Context) -> bool:
    return _is_after(cap_end(ctx.state, ctx.local_day, ctx.policy), ctx.now)


_RULES: tuple[tuple[Reason, Callable[[Context], bool]], ...] = (
    (Reason.DISABLED, lambda ctx: ctx.inp.kill_switch),
    (Reason.NO_SCHEDULE, lambda ctx: ctx.inp.schedule is None),
    (Reason.PAUSED, lambda ctx: _is_after(ctx.state.paused_until, ctx.now)),
    (Reason.NO_SCHOOL_TODAY, _no_school),
    (Reason.OUTSIDE_SCHOOL_HOURS, lambda ctx: ctx.current is None),
    (Reason.GRACE_PERIOD, _in_grace),
    (Reason.AWAY, _away),
    (Reason.SNOOZED, lambda ctx: _is_after(ctx.state.snoozed_until, ctx.now)),
    (Reason.HOLDOUT, _in_holdout),
    (Reason.DAILY_CAP, lambda ctx: daily_cap_reached(ctx.state, ctx.local_day, ctx.policy)),
    (Reason.FREQUENCY_CAP, _frequency_capped),
)
_CAPS = frozenset({Reason.DAILY_CAP, Reason.FREQUENCY_CAP})


def _first_reason(ctx: Context) -> Reason:
    for reason, applies in _RULES:
        if applies(ctx):
            return reason
    return Reason.IN_SCHOOL_HOURS


def _redeliverable(state: NudgeState, now: datetime) -> bool:
    """Whether an unacked nudge from the last 120 s should be answered again (SPEC §4.3)."""
    if state.last_nudge_id is None or state.last_nudge_at is None or state.last_nudge_acked:
        return False
    return -CLOCK_SKEW <= now - state.last_nudge_at < REDELIVERY_PERIOD


# --- next_check_at (SPEC §4.4) ----------------------------------------------------------------


def _current_end(ctx: Context) -> datetime | None:
    return ctx.current.interval.end if ctx.current is not None else None


def _cap_changes(ctx: Context, state: NudgeState) -> list[datetime | None]:
    """Where the caps on `state` stop blocking: local midnight, or the interval's end."""
    if daily_cap_reached(state, ctx.local_day, ctx.policy):
        return [next_day_start(ctx)]
    changes = [cap_end(state, ctx.local_day, ctx.policy)]
    if dismissal_run(marks_counting_on(state, ctx.local_day)) > 0:
        changes.append(next_day_start(ctx))  # the back-off run is per local date
    return changes


def _clock_changes(ctx: Context) -> list[datetime | None]:
    """The zone's offset changes around today: they can end (or start) being away."""
    days = (ctx.local_day - _DAY, ctx.local_day, ctx.local_day + _DAY)
    return [change.at for day in days if (change := clock_change_on(day, ctx.zone)) is not None]


_CHANGES: Mapping[Reason, Callable[[Context], Iterable[datetime | None]]] = {
    Reason.DISABLED: lambda ctx: (),
    Reason.NO_SCHEDULE: lambda ctx: (),
    Reason.PAUSED: lambda ctx: (ctx.state.paused_until,),
    Reason.NO_SCHOOL_TODAY: lambda ctx: (next_nudge_instant(ctx),),
    Reason.OUTSIDE_SCHOOL_HOURS: lambda ctx: (next_nudge_instant(ctx),),
    Reason.GRACE_PERIOD: lambda ctx: (next_nudge_instant(ctx), _current_end(ctx)),
    Reason.AWAY: lambda ctx: (_current_end(ctx), *_clock_changes(ctx)),
    Reason.SNOOZED: lambda ctx: (_current_end(ctx), ctx.state.snoozed_until),
    Reason.HOLDOUT: lambda ctx: (_current_end(ctx),),
    Reason.DAILY_CAP: lambda ctx: (_current_end(ctx), *_cap_changes(ctx, ctx.state)),
    Reason.FREQUENCY_CAP: lambda ctx: (_current_end(ctx), *_cap_changes(ctx, ctx.state)),
    # After a new nudge the caps apply to the state that includes it.
    Reason.IN_SCHOOL_HOURS: lambda ctx: (
        _current_end(ctx),
        *_cap_changes(ctx, with_nudge(ctx.state, "", ctx.now, ctx.local_day)),
    ),
}


def _change_at(ctx: Context, reason: Reason) -> datetime | None:
    """The earliest instant after now at which the answer could change (SPEC §4.4)."""
    later = [c for c in _CHANGES[reason](ctx) if c is not None and c > ctx.now]
    return min(later, default=None)


def next_check_at(now: datetime, change: datetime | None, device_id: str) -> datetime:
    """`change` plus the device's spread, kept within [now + 60 s, now + 1 h]."""
    if change is None:
        return now + MAX_NEXT_CHECK
    return min(max(change + device_spread(device_id), now + MIN_NEXT_CHECK), now + MAX_NEXT_CHECK)


# --- explanation (SPEC §4.5) ------------------------------------------------------------------


_EXPLAINERS: Mapping[Reason, Callable[[Context], Message]] = {
    Reason.DISABLED: explanations.disabled,
    Reason.NO_SCHEDULE: explanations.no_schedule,
    Reason.PAUSED: explanations.paused,
    Reason.NO_SCHOOL_TODAY: explanations.no_school,
    Reason.OUTSIDE_SCHOOL_HOURS: explanations.outside_hours,
    Reason.GRACE_PERIOD: explanations.grace,
    Reason.AWAY: explanations.away,
    Reason.SNOOZED: explanations.snoozed,
    Reason.HOLDOUT: explanations.holdout,
    Reason.DAILY_CAP: explanations.daily_cap,
    Reason.FREQUENCY_CAP: explanations.frequency_cap,
    Reason.IN_SCHOOL_HOURS: explanations.nudge,
}


# --- the decision -----------------------------------------------------------------------------


def decide(inp: CheckInput) -> Decision:
    """Answer one check: remind now or not, why, and when to ask again (SPEC §4)."""
    ctx = _context(inp)
    reason = _first_reason(ctx)
    redeliver = reason in _CAPS and _redeliverable(inp.state, inp.now)
    change = _change_at(ctx, reason)
    occurrence = ctx.occurrence
    nudged = reason is Reason.IN_SCHOOL_HOURS or redeliver
    explanation = explanations.redelivery(ctx) if redeliver else _EXPLAINERS[reason](ctx)
    return Decision(
        reason=Reason.IN_SCHOOL_HOURS if redeliver else reason,
        nudge=nudge_copy(inp.arm) if nudged else None,
        redeliver_id=inp.state.last_nudge_id if redeliver else None,
        window=occurrence.interval if occurrence is not None else None,
        window_occurrence=occurrence,
        next_check_at=next_check_at(inp.now, change, inp.device_id),
        change_at=change,
        explanation=explanation,
        local_day=ctx.local_day,
        effective_policy=ctx.policy,
    )
