"""The explanation of a decision (SPEC §4.5): one sentence per reason, naming the school's
hours, its time zone and when things change, in the school's local time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from alertsvc.domain.calendar import DayReason
from alertsvc.domain.context import Context, local, next_nudge_instant
from alertsvc.domain.state import cap_end, dismissal_run, marks_counting_on

_DAY = timedelta(days=1)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _wall_clock(local_time: datetime) -> str:
    return f"{local_time.hour:02d}:{local_time.minute:02d}"


def _day_words(ctx: Context, day: date) -> str:
    if day == ctx.local_day + _DAY:
        return "tomorrow"
    words = f"{_WEEKDAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]}"
    return words if day.year == ctx.local_day.year else f"{words} {day.year}"


def _moment(ctx: Context, instant: datetime, preposition: str) -> str:
    """`"after 10:42"`, `"tomorrow after 10:42"`, `"until Monday 30 November at 08:00"`."""
    local_time = local(ctx, instant)  # one zone conversion for both the date and the time
    day, clock = local_time.date(), _wall_clock(local_time)
    if day == ctx.local_day:
        return f"{preposition} {clock}"
    words = _day_words(ctx, day)
    if preposition == "until":
        return f"until {words} at {clock}"
    return (
        f"{words} {preposition} {clock}"
        if words == "tomorrow"
        else f"on {words} {preposition} {clock}"
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _hours_today(ctx: Context) -> str:
    hours = ctx.today.hours if ctx.today is not None else ""
    return f"School hours today are {hours} ({ctx.inp.place.timezone})"


def _why_no_school(ctx: Context) -> str:
    verdict = ctx.today.verdict if ctx.today is not None else None
    if verdict is None or verdict.reason is DayReason.WEEKLY_OFF:
        return f"no school on {_WEEKDAY_NAMES[ctx.local_day.weekday()]}s"
    if verdict.reason is DayReason.PUBLIC_HOLIDAY:
        return f"public holiday: {verdict.detail}"
    term = ctx.inp.schedule.term if ctx.inp.schedule is not None else None
    if verdict.reason is DayReason.OUTSIDE_TERM and term is not None:
        return f"outside the school term, {term.first_day} to {term.last_day}"
    if verdict.detail and verdict.detail != "No school":
        return verdict.detail
    return "a day off in the school calendar"


def _next_school(ctx: Context) -> str:
    found = ctx.occurrence
    if found is None:
        return "there are no school hours in the next 7 days"
    return f"the next school hours start {_moment(ctx, found.interval.start, 'at')}"


def disabled(_ctx: Context) -> str:
    return "Reminders are switched off for now."


def no_schedule(_ctx: Context) -> str:
    return "There is no school schedule yet, so there are no reminders."


def paused(ctx: Context) -> str:
    until = ctx.state.paused_until
    when = _moment(ctx, until, "until") if until is not None else "for now"
    return f"Reminders are paused {when} ({ctx.inp.place.timezone})."


def no_school(ctx: Context) -> str:
    zone = ctx.inp.place.timezone
    return f"There is no school today ({_why_no_school(ctx)}); {_next_school(ctx)} ({zone})."


def outside_hours(ctx: Context) -> str:
    return f"{_hours_today(ctx)}; it is outside them now, and {_next_school(ctx)}."


def grace(ctx: Context) -> str:
    start = next_nudge_instant(ctx)
    minutes = _plural(ctx.policy.grace_minutes, "minute")
    when = _moment(ctx, start, "at") if start is not None else "later"
    return (
        f"{_hours_today(ctx)}; it is the first {minutes} of school, so reminders can start {when}."
    )


def away(ctx: Context) -> str:
    return (
        f"{_hours_today(ctx)}; the device's clock is far from the school's time zone, "
        "so there are no reminders while away."
    )


def snoozed(ctx: Context) -> str:
    until = ctx.state.snoozed_until
    when = _moment(ctx, until, "until") if until is not None else "for now"
    return (
        f"{_hours_today(ctx)}; reminders are snoozed {when} because the phone is used for school."
    )


def holdout(ctx: Context) -> str:
    return (
        f"{_hours_today(ctx)}; this teen is in a product test's comparison group, "
        "which gets no reminders."
    )


def daily_cap(ctx: Context) -> str:
    limit = _plural(ctx.policy.max_per_day, "reminder")
    return (
        f"{_hours_today(ctx)}; today's limit of {limit} is reached, so the next can come tomorrow."
    )


def frequency_cap(ctx: Context) -> str:
    end = cap_end(ctx.state, ctx.local_day, ctx.policy)
    when = _moment(ctx, end, "after") if end is not None else "later"
    backoff = dismissal_run(marks_counting_on(ctx.state, ctx.local_day)) > 0
    why = " (less often, since the last ones were dismissed)" if backoff else ""
    return f"{_hours_today(ctx)}; a reminder can come again {when}{why}."


def nudge(ctx: Context) -> str:
    clock = _wall_clock(ctx.wall)  # the context's reading of now in the zone
    return f"{_hours_today(ctx)}; at {clock} it is school time, so a gentle reminder came."


def redelivery(ctx: Context) -> str:
    sent = ctx.state.last_nudge_at
    clock = _wall_clock(local(ctx, sent)) if sent is not None else "just now"
    return f"{_hours_today(ctx)}; this is the reminder from {clock} again, in case it was missed."
