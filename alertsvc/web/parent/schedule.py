"""The schedule editor: the school week (the same hours on chosen days, or hours per day),
term, holidays and the nudge policy, with the saved week drawn as a timetable. Validation is
the API's (ScheduleIn, then the schedule service); the form's layouts are in week_form."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from alertsvc import edge
from alertsvc.api.schedules import ScheduleIn
from alertsvc.db.repositories import TeenView
from alertsvc.domain.schedule import (
    MAX_WINDOWS_PER_DAY,
    POLICY_BOUNDS,
    WEEKDAYS,
    InvalidFieldsError,
    Policy,
    Schedule,
)
from alertsvc.services import places, schedules, teens
from alertsvc.web.parent import week_form
from alertsvc.web.parent.common import INVALID, Errors, field_errors, owned_teen, validate
from alertsvc.web.parent.timetable import WEEKDAY_LABELS, WEEKDAY_NAMES, draw
from alertsvc.web.session import login_required

blueprint = Blueprint("parent_schedule", __name__)

# Each policy field in plain words; {n} is the value.
POLICY_HELP = {
    "grace_minutes": (
        "Quiet start (minutes)",
        "No reminder in the first minutes of each block, for arriving and changing rooms.",
    ),
    "min_interval_minutes": (
        "Time between reminders (minutes)",
        "At least this long between two reminders. If your teen keeps dismissing them, "
        "they come less often, never louder.",
    ),
    "max_per_day": (
        "Reminders per day at most",
        "Never more than this many reminders on one school day.",
    ),
    "snooze_minutes": (
        "Quiet time after 'I'm using it for school' (minutes)",
        "When your teen says the phone is for school work, no reminder for this long.",
    ),
    "away_threshold_minutes": (
        "Away from school's time zone (minutes)",
        "If the phone's clock differs from the school's by this much or more (a trip), "
        "no reminders.",
    ),
}


def _schedule_or_none(teen: TeenView) -> Schedule | None:
    try:
        return schedules.get_schedule(edge.db(), teen)
    except teens.NotFoundError:
        return None


@blueprint.route("/teens/<teen_id>/schedule", methods=["GET", "POST"])
@login_required
def edit(teen_id: str) -> ResponseReturnValue:
    """Show the editor and the timetable; save the whole schedule at once, or nothing.

    "Add a block" and "Different hours on some days" show the form again, saving nothing.
    """
    teen = owned_teen(teen_id)
    saved = _schedule_or_none(teen)
    if request.method == "GET":
        return _page(teen, saved, week_form.from_schedule(saved, teen.country is not None), {})
    week, body, errors = week_form.read(request.form)
    if week_form.add_row(week, request.form.get("add", "")) or "switch" in request.form:
        week_form.switch(week, request.form.get("switch", week.mode))
        return _page(teen, saved, week, {})
    data, invalid = validate(ScheduleIn, body)
    errors = {**invalid, **errors}
    if data is not None and not errors:
        version, errors = _save(teen, data)
        if version is not None:
            flash(f"Saved. The timetable below shows version {version}.", "success")
            return redirect(url_for("parent_schedule.edit", teen_id=teen.id) + "#timetable")
    return _page(teen, saved, week, week_form.form_errors(errors, week), INVALID)


def _save(teen: TeenView, data: ScheduleIn) -> tuple[int | None, Errors]:
    """Save the schedule and commit: its new version, or the service's errors."""
    session = edge.db()
    try:
        schedule = schedules.put_schedule(
            session,
            teen,
            weekly={
                name: [(w.start, w.end) for w in getattr(data.weekly, name)] for name in WEEKDAYS
            },
            term=None if data.term is None else (data.term.first_day, data.term.last_day),
            observe_public_holidays=data.observe_public_holidays,
            policy=data.policy.model_dump(),
            now=edge.now(),
        )
    except InvalidFieldsError as exc:
        session.rollback()
        return None, field_errors(exc.errors)
    session.commit()
    return schedule.version, {}


def _page(
    teen: TeenView, saved: Schedule | None, week: week_form.Week, errors: Errors, status: int = 200
) -> tuple[str, int]:
    defaults = Policy()
    return render_template(
        "parent/schedule.html",
        teen=teen,
        saved=saved,
        timetable=draw(saved),
        week=week,
        values=week.values,
        errors=errors,
        weekdays=list(zip(WEEKDAYS, WEEKDAY_NAMES, WEEKDAY_LABELS, strict=True)),
        policy_fields=[
            (name, *POLICY_HELP[name], POLICY_BOUNDS[name], getattr(defaults, name))
            for name in POLICY_BOUNDS
        ],
        policy_open=any(path.startswith("policy.") for path in errors),
        max_rows=MAX_WINDOWS_PER_DAY,
        country_name=places.country_name(teen.country) if teen.country else None,
    ), status
