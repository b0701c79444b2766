"""The schedule editor: weekly windows, term, holidays and the nudge policy, with the week
drawn as a timetable. Validation is the API's (ScheduleIn and its conversion)."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from alertsvc.domain.schedule import (
    MAX_WINDOWS_PER_DAY,
    POLICY_BOUNDS,
    WEEKDAYS,
    Policy,
    Schedule,
    format_hhmm,
)
from alertsvc.http import edge
from alertsvc.services import schedules, teens
from alertsvc.services.inputs.schedules import ScheduleIn
from alertsvc.services.inputs.teens import check_place
from alertsvc.services.teens import TeenView
from alertsvc.web.errors import INVALID, Errors, Refusal, run
from alertsvc.web.parent.common import blank_to_none, both_valid, form_input, owned_teen
from alertsvc.web.parent.timetable import WEEKDAY_NAMES, draw
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

_WINDOW_PATH = re.compile(r"weekly\.(\w+)\[(\d+)\](.*)")
EXTRA_ROWS = 1


def _values_of(schedule: Schedule | None, teen: TeenView) -> tuple[dict[str, Any], dict[str, int]]:
    """Form values (by the API's field paths) and the number of window rows per day."""
    values: dict[str, Any] = {"country": teen.country, "subdivision": teen.subdivision}
    rows: dict[str, int] = {}
    shown = schedule or Schedule()
    for day, name in enumerate(WEEKDAYS):
        windows = shown.weekly[day]
        for index, window in enumerate(windows):
            values[f"weekly.{name}[{index}].start"] = format_hhmm(window.start)
            values[f"weekly.{name}[{index}].end"] = format_hhmm(window.end)
        rows[name] = min(len(windows) + EXTRA_ROWS, MAX_WINDOWS_PER_DAY)
    if schedule is None:  # a starting point most schools fit
        for name in WEEKDAYS[:5]:
            values[f"weekly.{name}[0].start"] = "08:00"
            values[f"weekly.{name}[0].end"] = "15:00"
            rows[name] = 2
    if shown.term is not None:
        values["term.first_day"] = shown.term.first_day.isoformat()
        values["term.last_day"] = shown.term.last_day.isoformat()
    values["observe_public_holidays"] = shown.observe_public_holidays
    for name in POLICY_BOUNDS:
        values[f"policy.{name}"] = getattr(shown.policy, name)
    return values, rows


def _row_count(form: MultiDict[str, str], name: str) -> int:
    try:
        count = int(form.get(f"rows.{name}", "0"))
    except ValueError:
        count = 0
    return max(0, min(count, MAX_WINDOWS_PER_DAY + 1))


def _read(
    form: MultiDict[str, str],
) -> tuple[dict[str, Any], dict[str, int], dict[str, Any], dict[str, dict[int, int]]]:
    """The submitted form as values, rows per day, the API's JSON body, and for each day
    which form row each window in the body came from (blank or removed rows are skipped)."""
    values: dict[str, Any] = {key: form.get(key, "") for key in form if key != "csrf_token"}
    values["observe_public_holidays"] = "observe_public_holidays" in form
    rows: dict[str, int] = {}
    weekly: dict[str, list[dict[str, str]]] = {}
    origins: dict[str, dict[int, int]] = {}
    for name in WEEKDAYS:
        rows[name] = max(_row_count(form, name), 1)
        weekly[name], origins[name] = [], {}
        for row in range(rows[name]):
            start = form.get(f"weekly.{name}[{row}].start", "").strip()
            end = form.get(f"weekly.{name}[{row}].end", "").strip()
            if f"weekly.{name}[{row}].remove" in form or not (start or end):
                continue
            origins[name][len(weekly[name])] = row
            weekly[name].append({"start": start, "end": end})
    first = blank_to_none(form.get("term.first_day"))
    last = blank_to_none(form.get("term.last_day"))
    term = None if first is None and last is None else {"first_day": first, "last_day": last}
    policy: dict[str, Any] = {}
    for name in POLICY_BOUNDS:
        text = form.get(f"policy.{name}", "").strip()
        policy[name] = int(text) if re.fullmatch(r"-?\d{1,6}", text) else text
    body = {
        "weekly": weekly,
        "term": term,
        "observe_public_holidays": values["observe_public_holidays"],
        "policy": policy,
    }
    return values, rows, body, origins


def _to_form_paths(errors: Errors, origins: dict[str, dict[int, int]]) -> Errors:
    """Point window errors at the form row the parent typed them in."""
    mapped: Errors = {}
    for path, message in errors.items():
        match = _WINDOW_PATH.fullmatch(path)
        if match and match.group(1) in origins:
            row = origins[match.group(1)].get(int(match.group(2)), int(match.group(2)))
            path = f"weekly.{match.group(1)}[{row}]{match.group(3)}"
        if path == "term":
            path = "term.first_day"
        if path.startswith("weekly.") and "[" not in path:
            path = f"weekly.{path.split('.')[1]}[0].start"
        mapped.setdefault(path, message)
    return mapped


def _save(teen: TeenView, body: dict[str, Any], form: MultiDict[str, str]) -> Schedule:
    """Save the schedule and the holiday place, checked together, or nothing."""
    country = blank_to_none(form.get("country"))
    subdivision = blank_to_none(form.get("subdivision"))
    data, place = both_valid(
        lambda: form_input(ScheduleIn, body),
        lambda: check_place(teen.timezone, country, subdivision),
    )
    session = edge.db()
    schedule = schedules.put_schedule(session, teen, data.to_schedule(), edge.now())
    if (place.country, place.subdivision) != (teen.country, teen.subdivision):
        teens.update_teen(
            session, teen, {"country": place.country, "subdivision": place.subdivision}
        )
    return schedule


@blueprint.route("/teens/<teen_id>/schedule", methods=["GET", "POST"])
@login_required
def edit(teen_id: str) -> ResponseReturnValue:
    """Show the editor and the timetable; save the whole schedule at once, or nothing."""
    teen = owned_teen(teen_id)
    saved = schedules.find_schedule(edge.db(), teen)
    if request.method == "GET":
        values, rows = _values_of(saved, teen)
        return _page(teen, saved, values, rows, {})
    values, rows, body, origins = _read(request.form)
    adding = request.form.get("add")
    if adding in rows:  # "Add a window" re-shows the form with one more row, saving nothing
        rows[adding] = min(rows[adding] + 1, MAX_WINDOWS_PER_DAY)
        return _page(teen, saved, values, rows, {})
    schedule = run(lambda: _save(teen, body, request.form))
    if isinstance(schedule, Refusal):
        errors = _to_form_paths(schedule.errors, origins)
        return _page(teen, saved, values, rows, errors, INVALID)
    flash(f"Saved. The timetable below shows version {schedule.version}.", "success")
    return redirect(url_for("parent_schedule.edit", teen_id=teen.id) + "#timetable")


def _page(
    teen: TeenView,
    saved: Schedule | None,
    values: dict[str, Any],
    rows: dict[str, int],
    errors: Errors,
    status: int = 200,
) -> tuple[str, int]:
    defaults = Policy()
    return render_template(
        "parent/schedule.html",
        teen=teen,
        saved=saved,
        timetable=draw(saved),
        values=values,
        rows=rows,
        errors=errors,
        weekdays=list(zip(WEEKDAYS, WEEKDAY_NAMES, strict=True)),
        policy_fields=[
            (name, *POLICY_HELP[name], POLICY_BOUNDS[name], getattr(defaults, name))
            for name in POLICY_BOUNDS
        ],
        max_rows=MAX_WINDOWS_PER_DAY,
    ), status
