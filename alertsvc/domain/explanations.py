"""The explanation of a decision (SPEC §4.5): one sentence per reason, naming the school's
hours, its time zone and when things change, in the school's local time."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from alertsvc.domain.calendar import DayReason
from alertsvc.domain.context import Context, local, next_nudge_instant
from alertsvc.domain.message import Clock, Day, Holiday, Hours, Message, Value, msg, msg_n
from alertsvc.domain.state import cap_end, dismissal_run, marks_counting_on

_DAY = timedelta(days=1)


def _clock(local_time: datetime) -> Clock:
    return Clock(local_time.hour * 60 + local_time.minute)


# How a moment is said relative to the local day: (today, tomorrow, another day) forms.
_AT = (msg("at %(time)s"), msg("tomorrow at %(time)s"), msg("on %(day)s at %(time)s"))
_AFTER = (
    msg("after %(time)s"),
    msg("tomorrow after %(time)s"),
    msg("on %(day)s after %(time)s"),
)
_UNTIL = (
    msg("until %(time)s"),
    msg("until tomorrow at %(time)s"),
    msg("until %(day)s at %(time)s"),
)


def _relative(ctx: Context, instant: datetime, forms: tuple[Message, Message, Message]) -> Message:
    """A moment in the school's zone, in the form for its day: today's date is left out,
    tomorrow is said as such, another day is written with its weekday (and its year when it
    is not this one)."""
    local_time = local(ctx, instant)  # one zone conversion for both the date and the time
    day, clock = local_time.date(), _clock(local_time)
    if day == ctx.local_day:
        return replace(forms[0], values=(("time", clock),))
    if day == ctx.local_day + _DAY:
        return replace(forms[1], values=(("time", clock),))
    written = Day(day, with_year=day.year != ctx.local_day.year)
    return replace(forms[2], values=(("day", written), ("time", clock)))


def _moment(ctx: Context, instant: datetime) -> Message:
    """When something happens: `at 10:42`, `tomorrow at 10:42`, `on Monday 30 November at
    10:42`."""
    return _relative(ctx, instant, _AT)


def _after(ctx: Context, instant: datetime) -> Message:
    """The earliest something can happen: `after 10:42`, `tomorrow after 10:42`, …"""
    return _relative(ctx, instant, _AFTER)


def _until(ctx: Context, instant: datetime | None) -> Message:
    """How long something lasts: `until 10:42`, `until tomorrow at 10:42`, … or `for now`."""
    return msg("for now") if instant is None else _relative(ctx, instant, _UNTIL)


def _weekday_off(weekday: int) -> Message:
    return (
        msg("no school on Mondays"),
        msg("no school on Tuesdays"),
        msg("no school on Wednesdays"),
        msg("no school on Thursdays"),
        msg("no school on Fridays"),
        msg("no school on Saturdays"),
        msg("no school on Sundays"),
    )[weekday]


def _why_no_school(ctx: Context) -> Message:
    verdict = ctx.today.verdict if ctx.today is not None else None
    if verdict is None or verdict.reason is DayReason.WEEKLY_OFF:
        return _weekday_off(ctx.local_day.weekday())
    if verdict.reason is DayReason.PUBLIC_HOLIDAY:
        place = ctx.inp.place
        name = verdict.detail or ""
        if place.country is not None:
            return msg(
                "public holiday: %(name)s",
                name=Holiday(name, place.country, place.subdivision, ctx.local_day),
            )
        return msg("public holiday: %(name)s", name=name)
    term = ctx.inp.schedule.term if ctx.inp.schedule is not None else None
    if verdict.reason is DayReason.OUTSIDE_TERM and term is not None:
        return msg(
            "outside the school term, %(first_day)s to %(last_day)s",
            first_day=Day(term.first_day),
            last_day=Day(term.last_day),
        )
    if verdict.detail and verdict.detail != "No school":
        return msg("%(note)s", note=verdict.detail)  # the parent's own words, as written
    return msg("a day off in the school calendar")


def _next_school(ctx: Context) -> Message:
    found = ctx.occurrence
    if found is None:
        return msg("there are no school hours in the next 7 days")
    return msg("the next school hours start %(when)s", when=_moment(ctx, found.interval.start))


def _hours(ctx: Context) -> Hours:
    return ctx.today.hours if ctx.today is not None else Hours(())


def disabled(_ctx: Context) -> Message:
    return msg("Reminders are switched off for now.")


def no_schedule(_ctx: Context) -> Message:
    return msg("There is no school schedule yet, so there are no reminders.")


def paused(ctx: Context) -> Message:
    return msg(
        "Reminders are paused %(until)s (%(zone)s).",
        until=_until(ctx, ctx.state.paused_until),
        zone=ctx.inp.place.timezone,
    )


def no_school(ctx: Context) -> Message:
    return msg(
        "There is no school today (%(why)s); %(next)s (%(zone)s).",
        why=_why_no_school(ctx),
        next=_next_school(ctx),
        zone=ctx.inp.place.timezone,
    )


def outside_hours(ctx: Context) -> Message:
    if not _hours(ctx).windows:  # a day of custom hours that lists none
        return msg(
            "There are no school hours today (%(zone)s); %(next)s.",
            zone=ctx.inp.place.timezone,
            next=_next_school(ctx),
        )
    return msg(
        "School hours today are %(hours)s (%(zone)s); it is outside them now, and %(next)s.",
        hours=_hours(ctx),
        zone=ctx.inp.place.timezone,
        next=_next_school(ctx),
    )


def grace(ctx: Context) -> Message:
    start = next_nudge_instant(ctx)
    return msg_n(
        "School hours today are %(hours)s (%(zone)s); it is the first minute of school, "
        "so reminders can start %(when)s.",
        "School hours today are %(hours)s (%(zone)s); it is the first %(count)d minutes of "
        "school, so reminders can start %(when)s.",
        ctx.policy.grace_minutes,
        hours=_hours(ctx),
        zone=ctx.inp.place.timezone,
        when=_moment(ctx, start) if start is not None else msg("later"),
    )


def away(ctx: Context) -> Message:
    return msg(
        "School hours today are %(hours)s (%(zone)s); the device's clock is far from the "
        "school's time zone, so there are no reminders while away.",
        hours=_hours(ctx),
        zone=ctx.inp.place.timezone,
    )


def snoozed(ctx: Context) -> Message:
    return msg(
        "School hours today are %(hours)s (%(zone)s); reminders are snoozed %(until)s because "
        "the phone is used for school.",
        hours=_hours(ctx),
        zone=ctx.inp.place.timezone,
        until=_until(ctx, ctx.state.snoozed_until),
    )


def holdout(ctx: Context) -> Message:
    return msg(
        "School hours today are %(hours)s (%(zone)s); this teen is in a product test's "
        "comparison group, which gets no reminders.",
        hours=_hours(ctx),
        zone=ctx.inp.place.timezone,
    )


def daily_cap(ctx: Context) -> Message:
    return msg_n(
        "School hours today are %(hours)s (%(zone)s); today's limit of %(count)d reminder is "
        "reached, so the next can come tomorrow.",
        "School hours today are %(hours)s (%(zone)s); today's limit of %(count)d reminders is "
        "reached, so the next can come tomorrow.",
        ctx.policy.max_per_day,
        hours=_hours(ctx),
        zone=ctx.inp.place.timezone,
    )


def frequency_cap(ctx: Context) -> Message:
    end = cap_end(ctx.state, ctx.local_day, ctx.policy)
    when = _after(ctx, end) if end is not None else msg("later")
    values: dict[str, Value] = {"hours": _hours(ctx), "zone": ctx.inp.place.timezone, "when": when}
    if dismissal_run(marks_counting_on(ctx.state, ctx.local_day)) > 0:
        return msg(
            "School hours today are %(hours)s (%(zone)s); a reminder can come again %(when)s "
            "(less often, since the last ones were dismissed).",
            **values,
        )
    return msg(
        "School hours today are %(hours)s (%(zone)s); a reminder can come again %(when)s.",
        **values,
    )


def nudge(ctx: Context) -> Message:
    return msg(
        "School hours today are %(hours)s (%(zone)s); at %(time)s it is school time, so a "
        "gentle reminder came.",
        hours=_hours(ctx),
        zone=ctx.inp.place.timezone,
        time=_clock(ctx.wall),  # the context's reading of now in the zone
    )


def redelivery(ctx: Context) -> Message:
    sent = ctx.state.last_nudge_at
    return msg(
        "School hours today are %(hours)s (%(zone)s); this is the reminder from %(time)s "
        "again, in case it was missed.",
        hours=_hours(ctx),
        zone=ctx.inp.place.timezone,
        time=_clock(local(ctx, sent)) if sent is not None else msg("just now"),
    )
