"""The per-teen nudge state (SPEC §4.2–4.3): how a nudge and an ack move it on, and what the
daily and frequency caps read from it.

`with_nudge()` and `with_ack()` are the only ways the state moves on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from alertsvc.domain.schedule import Policy

MAX_BACKOFF = 3


class Mark(StrEnum):
    """What became of one nudge of the state's local day: one character per nudge."""

    OPEN = "."
    DISMISSED = "d"
    CLOSED = "c"


class AckAction(StrEnum):
    """The actions a device may ack a nudge with (SPEC §5)."""

    SHOWN = "shown"
    DISMISSED = "dismissed"
    CLOSED_APP = "closed_app"
    SCHOOL_USE = "school_use"
    REPORT_WRONG = "report_wrong"


@dataclass(frozen=True, slots=True)
class NudgeState:
    """The per-teen state row, as a value."""

    paused_until: datetime | None = None
    snoozed_until: datetime | None = None
    day: date | None = None
    day_marks: str = ""
    last_nudge_id: str | None = None
    last_nudge_at: datetime | None = None
    last_nudge_acked: bool = False


def with_nudge(state: NudgeState, nudge_id: str, at: datetime, local_day: date) -> NudgeState:
    """The state after emitting a new nudge at `at` on the local date `local_day`."""
    marks = marks_before(state, local_day)
    # Field by field rather than `replace()`, which is slower: every check in school hours
    # asks what the caps would say after a nudge.
    return NudgeState(
        paused_until=state.paused_until,
        snoozed_until=state.snoozed_until,
        day=local_day,
        day_marks=marks + Mark.OPEN,
        last_nudge_id=nudge_id,
        last_nudge_at=at,
        last_nudge_acked=False,
    )


def with_ack(
    state: NudgeState,
    *,
    nudge_id: str,
    nudge_day: date,
    day_index: int,
    action: str,
    at: datetime,
    snooze_minutes: int,
) -> NudgeState:
    """The state after a device acked nudge `nudge_id` (the `day_index`-th of `nudge_day`)."""
    kind = AckAction(action)
    updated = state
    if nudge_id == state.last_nudge_id:
        updated = replace(updated, last_nudge_acked=True)
    if kind is AckAction.SCHOOL_USE:
        until = at + timedelta(minutes=snooze_minutes)
        # A replayed or late ack must never shorten a snooze already granted.
        if state.snoozed_until is None or until > state.snoozed_until:
            updated = replace(updated, snoozed_until=until)
    mark = {AckAction.DISMISSED: Mark.DISMISSED, AckAction.CLOSED_APP: Mark.CLOSED}.get(kind)
    if mark is not None and nudge_day == state.day and 0 <= day_index < len(state.day_marks):
        updated = replace(updated, day_marks=_marked(state.day_marks, day_index, mark))
    return updated


def _marked(marks: str, index: int, mark: Mark) -> str:
    if mark is Mark.DISMISSED and marks[index] == Mark.CLOSED:
        return marks
    return marks[:index] + mark + marks[index + 1 :]


def marks_before(state: NudgeState, local_day: date) -> str:
    """The marks of `local_day` before a new nudge on it (yesterday's don't count)."""
    return state.day_marks if state.day == local_day else ""


# --- the caps --------------------------------------------------------------------------------


def dismissal_run(marks: str) -> int:
    """How many of the latest nudges in a row were dismissed, capped at `MAX_BACKOFF`."""
    return min(len(marks) - len(marks.rstrip(Mark.DISMISSED)), MAX_BACKOFF)


def effective_interval(policy: Policy, marks: str) -> timedelta:
    """`min_interval * 2**k` with k the run of dismissals counted back from the latest mark."""
    return timedelta(minutes=policy.min_interval_minutes * 2 ** dismissal_run(marks))


def marks_counting_on(state: NudgeState, local_day: date) -> str:
    """The marks that count on `local_day` (a later state day still counts, see below)."""
    if state.day is None or state.day < local_day:
        return ""
    return state.day_marks


def daily_cap_reached(state: NudgeState, local_day: date, policy: Policy) -> bool:
    """Whether `max_per_day` nudges were already emitted on `local_day`."""
    # A fall-back across midnight (America/St_Johns before 2011) revisits the previous local
    # date after the next one began; its count is no longer known, so it counts as full.
    if state.day is not None and state.day > local_day:
        return True
    return len(marks_counting_on(state, local_day)) >= policy.max_per_day


def cap_end(state: NudgeState, local_day: date, policy: Policy) -> datetime | None:
    """The instant the frequency cap (with fatigue back-off) of the last nudge ends."""
    if state.last_nudge_at is None:
        return None
    return state.last_nudge_at + effective_interval(policy, marks_counting_on(state, local_day))
