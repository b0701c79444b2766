"""The schedule editor: the school week (the same hours on chosen days, or hours per day),
term, holidays and the nudge policy, with the saved week drawn as a timetable. Validation is
the shared input's (ScheduleIn and its conversion); the form's layouts are in week_form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from alertsvc.domain.errors import FieldError, InvalidFieldsError
from alertsvc.domain.message import Localized, msg
from alertsvc.domain.schedule import MAX_WINDOWS_PER_DAY, POLICY_BOUNDS, WEEKDAYS, Policy, Schedule
from alertsvc.http import edge
from alertsvc.services import places, schedules
from alertsvc.services.inputs.schedules import ScheduleIn
from alertsvc.services.teens import TeenView
from alertsvc.web.errors import INVALID, Errors, Refusal, run
from alertsvc.web.languages import say
from alertsvc.web.parent import week_form
from alertsvc.web.parent.common import both_valid, form_input, owned_teen
from alertsvc.web.parent.timetable import draw, weekday_labels, weekday_names
from alertsvc.web.session import login_required

blueprint = Blueprint("parent_schedule", __name__)

# Each policy field in plain words: its label and what it means.
POLICY_HELP = {
    "grace_minutes": (
        msg("Quiet start (minutes)"),
        msg("No reminder in the first minutes of each block, for arriving and changing rooms."),
    ),
    "min_interval_minutes": (
        msg("Time between reminders (minutes)"),
        msg(
            "At least this long between two reminders. If your teen keeps dismissing them, "
            "they come less often, never louder."
        ),
    ),
    "max_per_day": (
        msg("Reminders per day at most"),
        msg("Never more than this many reminders on one school day."),
    ),
    "snooze_minutes": (
        msg("Quiet time after “I'm using it for school” (minutes)"),
        msg("When your teen says the phone is for school work, no reminder for this long."),
    ),
    "away_threshold_minutes": (
        msg("Away from school's time zone (minutes)"),
        msg(
            "If the phone's clock differs from the school's by this much or more (a trip), "
            "no reminders."
        ),
    ),
}


@blueprint.route("/teens/<teen_id>/schedule", methods=["GET", "POST"])
@login_required
def edit(teen_id: str) -> ResponseReturnValue:
    """Show the editor and the timetable; save the whole schedule at once, or nothing.

    "Add a block" and "Different hours on some days" show the form again, saving nothing.
    """
    teen = owned_teen(teen_id)
    saved = schedules.find_schedule(edge.db(), teen)
    if request.method == "GET":
        return _page(teen, saved, week_form.from_schedule(saved, teen.country is not None), {})
    week, body, errors = week_form.read(request.form)
    if week_form.add_row(week, request.form.get("add", "")) or "switch" in request.form:
        week_form.switch(week, request.form.get("switch", week.mode))
        return _page(teen, saved, week, {})
    schedule = run(lambda: _save(teen, body, errors))
    if isinstance(schedule, Refusal):
        return _page(teen, saved, week, week_form.form_errors(schedule.errors, week), INVALID)
    saved_text = msg(
        "Saved. The timetable below shows version %(version)s.", version=schedule.version
    )
    flash(say(saved_text), "success")
    return redirect(url_for("parent_schedule.edit", teen_id=teen.id) + "#timetable")


def _save(teen: TeenView, body: dict[str, Any], own: Errors) -> Schedule:
    """Save the schedule, or `InvalidFieldsError` with the form's own errors (shown first)
    and the input's."""
    _, schedule = both_valid(
        lambda: _refuse(own), lambda: form_input(ScheduleIn, body).to_schedule()
    )
    return schedules.put_schedule(edge.db(), teen, schedule, edge.now())


def _refuse(own: Errors) -> None:
    if own:
        # The form's own messages are said already: a text for every reader (`""`).
        said = [FieldError(path, Localized((("", text),))) for path, text in own.items()]
        raise InvalidFieldsError(said)


def country_name(code: str | None) -> str | None:
    """The country in the reader's language (CLDR), else our list's English name."""
    if not code:
        return None
    named = edge.language().locale.territories.get(code.upper())
    return str(named) if named else places.country_name(code)


def _page(
    teen: TeenView, saved: Schedule | None, week: week_form.Week, errors: Errors, status: int = 200
) -> tuple[str, int]:
    defaults = Policy()
    return render_template(
        "parent/schedule.html",
        teen=teen,
        saved=saved,
        timetable=draw(saved, edge.language()),
        week=week,
        values=week.values,
        errors=errors,
        weekdays=list(zip(WEEKDAYS, weekday_names(), weekday_labels(), strict=True)),
        policy_fields=[
            (name, *map(say, POLICY_HELP[name]), POLICY_BOUNDS[name], getattr(defaults, name))
            for name in POLICY_BOUNDS
        ],
        policy_open=any(path.startswith("policy.") for path in errors),
        max_rows=MAX_WINDOWS_PER_DAY,
        country_name=country_name(teen.country),
    ), status
