"""Exceptions, calendar (ICS) import, and the next 8 weeks as a month view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from alertsvc.domain.calendar import DayReason
from alertsvc.domain.errors import FieldError, InvalidFieldsError
from alertsvc.domain.message import msg, msg_n
from alertsvc.http import edge
from alertsvc.services import calendar_import, schedules
from alertsvc.services.calendar_import import CalendarFormatError
from alertsvc.services.inputs.exceptions import ExceptionIn
from alertsvc.services.schedules import ExceptionRecord, PreviewClockChange, PreviewDay
from alertsvc.services.teens import TeenView
from alertsvc.web.errors import INVALID, Errors, Refusal, run
from alertsvc.web.languages import say
from alertsvc.web.parent.common import (
    blank_to_none,
    form_input,
    owned_teen,
    typed_date,
    typed_time,
)
from alertsvc.web.parent.timetable import weekday_labels
from alertsvc.web.session import login_required

blueprint = Blueprint("parent_calendar", __name__)

MONTH_DAYS = 56  # 8 weeks
EXCEPTION_ROWS = 2
ICS_LIMIT = 1024 * 1024


@dataclass(frozen=True, slots=True)
class DayCell:
    day: date
    kind: str  # school, off, holiday, exception, outside-term, exception-hours
    label: str
    hours: str
    clock_change: str | None
    today: bool


def _offset_minutes(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    hours, minutes = text[1:].split(":")
    return sign * (int(hours) * 60 + int(minutes))


def clock_change_text(change: PreviewClockChange) -> str:
    """`Clocks go forward 1 hour at 2:00 AM` in the zone's wall time before the change."""
    shift = _offset_minutes(change.to_offset) - _offset_minutes(change.from_offset)
    before = change.at - timedelta(minutes=shift)
    at = edge.language().clock(before.hour * 60 + before.minute)
    count, hours = abs(shift), abs(shift) % 60 == 0
    if shift > 0 and hours:
        said = msg_n(
            "Clocks go forward %(count)d hour at %(at)s",
            "Clocks go forward %(count)d hours at %(at)s",
            count // 60,
            at=at,
        )
    elif shift > 0:
        said = msg_n(
            "Clocks go forward %(count)d minute at %(at)s",
            "Clocks go forward %(count)d minutes at %(at)s",
            count,
            at=at,
        )
    elif hours:
        said = msg_n(
            "Clocks go back %(count)d hour at %(at)s",
            "Clocks go back %(count)d hours at %(at)s",
            count // 60,
            at=at,
        )
    else:
        said = msg_n(
            "Clocks go back %(count)d minute at %(at)s",
            "Clocks go back %(count)d minutes at %(at)s",
            count,
            at=at,
        )
    return say(said)


def _minutes(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def _cell(day: PreviewDay, today: date) -> DayCell:
    hours = edge.language().hours(
        (_minutes(w.start), _minutes(w.end) if w.end.date() == w.start.date() else 24 * 60)
        for w in day.windows
    )
    if day.school_day:
        kind = "exception-hours" if day.detail else "school"
        label = day.detail or say(msg("School"))
    elif day.reason is DayReason.PUBLIC_HOLIDAY:
        kind, label = "holiday", day.detail or say(msg("Public holiday"))
    elif day.reason is DayReason.EXCEPTION:
        kind, label = "exception", day.detail or say(msg("No school"))
    elif day.reason is DayReason.OUTSIDE_TERM:
        kind, label = "outside-term", say(msg("Outside term"))
    else:
        kind, label = "off", say(msg("No school"))
    change = None if day.clock_change is None else clock_change_text(day.clock_change)
    return DayCell(day.day, kind, label, hours, change, day.day == today)


def month_weeks(days: list[PreviewDay], today: date) -> list[list[DayCell | None]]:
    """The days in weeks Monday to Sunday, with `None` before the first and after the last."""
    if not days:
        return []
    cells: list[DayCell | None] = [None] * days[0].day.weekday()
    cells += [_cell(day, today) for day in days]
    cells += [None] * (-len(cells) % 7)
    return [cells[i : i + 7] for i in range(0, len(cells), 7)]


def _month(teen: TeenView) -> list[list[DayCell | None]] | None:
    now = edge.now()
    if schedules.find_schedule(edge.db(), teen) is None:
        return None
    days = schedules.preview(edge.db(), teen, None, MONTH_DAYS, now)
    return month_weeks(days, days[0].day if days else now.date())


def _page(
    teen: TeenView, values: dict[str, Any], errors: Errors, status: int = 200, **extra: Any
) -> tuple[str, int]:
    records = schedules.list_exceptions(edge.db(), teen)
    return render_template(
        "parent/calendar.html",
        teen=teen,
        exceptions=sorted(records, key=lambda r: (r.exception.first_day, r.exception.last_day)),
        weeks=_month(teen),
        weekday_labels=weekday_labels(),
        values=values,
        errors=errors,
        exception_rows=EXCEPTION_ROWS,
        **extra,
    ), status


@blueprint.get("/teens/<teen_id>/calendar")
@login_required
def calendar(teen_id: str) -> ResponseReturnValue:
    """Exceptions, the import form and the month view."""
    teen = owned_teen(teen_id)
    return _page(teen, {"kind": "no_school"}, {})


def _exception_form(form: MultiDict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The form as typed (times and dates normalised) and the exception's input body (blank
    window rows left out)."""
    values: dict[str, Any] = {key: form.get(key, "") for key in form if key != "csrf_token"}
    kind = form.get("kind", "")
    windows = []
    for row in range(EXCEPTION_ROWS):
        start = values[f"windows[{row}].start"] = typed_time(form.get(f"windows[{row}].start"))
        end = values[f"windows[{row}].end"] = typed_time(form.get(f"windows[{row}].end"))
        if start or end:
            windows.append({"start": start, "end": end})
    first_day = values["first_day"] = typed_date(form.get("first_day"))
    last_day = values["last_day"] = typed_date(form.get("last_day"))
    body = {
        "first_day": first_day,
        "last_day": last_day or first_day,
        "kind": kind,
        "windows": windows if kind == "custom_hours" else None,
        "note": blank_to_none(form.get("note")),
    }
    return values, body


def _add_exception(teen: TeenView, body: dict[str, Any]) -> ExceptionRecord:
    exception = form_input(ExceptionIn, body).to_exception()
    return schedules.add_exception(edge.db(), teen, exception, edge.now())


@blueprint.post("/teens/<teen_id>/exceptions")
@login_required
def add_exception(teen_id: str) -> ResponseReturnValue:
    """Add a day or range off, or different hours; nothing is saved if a field is wrong."""
    teen = owned_teen(teen_id)
    values, body = _exception_form(request.form)
    added = run(lambda: _add_exception(teen, body), renamed={"windows": "windows[0].start"})
    if isinstance(added, Refusal):
        return _page(teen, values, added.errors, INVALID)
    added_text = msg("The exception is added: see it in the list and the month view below.")
    flash(say(added_text), "success")
    return redirect(url_for("parent_calendar.calendar", teen_id=teen.id) + "#month")


@blueprint.post("/teens/<teen_id>/exceptions/<exception_id>/delete")
@login_required
def delete_exception(teen_id: str, exception_id: str) -> ResponseReturnValue:
    """Remove one exception; the regular week applies again on its dates."""
    teen = owned_teen(teen_id)
    removed = run(
        lambda: schedules.delete_exception(edge.db(), teen, exception_id),
        {
            schedules.ExceptionNotFoundError: (
                "exception",
                say(msg("That exception was already removed.")),
            )
        },
    )
    if isinstance(removed, Refusal):
        flash(removed.errors["exception"], "info")
    else:
        flash(say(msg("The exception is removed.")), "success")
    return redirect(url_for("parent_calendar.calendar", teen_id=teen.id))


def _import_errors(refusal: Refusal) -> Errors:
    """What the form says of a file that was not imported."""
    error = refusal.error
    if isinstance(error, CalendarFormatError):
        unreadable = msg(
            "This file could not be read as a calendar: %(reason)s.", reason=error.reason
        )
        return {"calendar": say(unreadable)}
    if not isinstance(error, InvalidFieldsError) or "calendar" in refusal.errors:
        return refusal.errors  # the upload itself is missing or too large
    prefix = calendar_import.FIELD_PREFIX + "."
    shown = "; ".join(f"{e.field.removeprefix(prefix)} {say(e.message)}" for e in error.errors[:3])
    more = len(error.errors) - 3
    if more > 0:
        said = msg_n(
            "Nothing was imported: %(problems)s (and %(count)d more). "
            "Fix the file and import it again.",
            "Nothing was imported: %(problems)s (and %(count)d more). "
            "Fix the file and import it again.",
            more,
            problems=shown,
        )
    else:
        said = msg(
            "Nothing was imported: %(problems)s. Fix the file and import it again.",
            problems=shown,
        )
    return {"calendar": say(said)}


def _upload() -> bytes:
    """The uploaded calendar file, or `InvalidFieldsError` naming `calendar`."""
    upload = request.files.get("calendar")
    data = upload.read(ICS_LIMIT + 1) if upload is not None else b""
    if not data:
        message = msg("Choose a calendar file (.ics) to import.")
    elif len(data) > ICS_LIMIT:
        message = msg("This file is larger than 1 MB. Export a shorter date range.")
    else:
        return data
    raise InvalidFieldsError([FieldError("calendar", message)])


@blueprint.post("/teens/<teen_id>/calendar-file")
@login_required
def import_file(teen_id: str) -> ResponseReturnValue:
    """Import a school calendar file: all-day events become days off."""
    teen = owned_teen(teen_id)
    result = run(lambda: calendar_import.import_calendar(edge.db(), teen, _upload(), edge.now()))
    if isinstance(result, Refusal):
        return _page(teen, {"kind": "no_school"}, _import_errors(result), INVALID)
    imported = msg(
        "Calendar imported: %(imported)s new days off, %(updated)s updated, %(skipped)s "
        "skipped (events that are not whole days, or not within the past month and the next "
        "400 days). They are marked “from calendar file” below.",
        imported=result.imported,
        updated=result.updated,
        skipped=result.skipped,
    )
    flash(say(imported), "success")
    return redirect(url_for("parent_calendar.calendar", teen_id=teen.id))
