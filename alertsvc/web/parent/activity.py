"""Activity: the nudges a teen got, why, and what the teen answered; pause and resume."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from alertsvc.db.teen_state import load_state
from alertsvc.domain.calendar import local_date, zone_named
from alertsvc.domain.localtime import end_of_local_day, local_instant
from alertsvc.domain.message import msg
from alertsvc.http import edge
from alertsvc.services import nudges, reports
from alertsvc.services.teens import TeenView
from alertsvc.web.errors import INVALID, Errors, Refusal, run
from alertsvc.web.languages import say
from alertsvc.web.parent.common import local_text, owned_teen, typed_date, typed_time
from alertsvc.web.session import login_required

blueprint = Blueprint("parent_activity", __name__)

HISTORY_LIMIT = 100

ACK_LABELS = {
    "shown": msg("Seen"),
    "dismissed": msg("Dismissed"),
    "closed_app": msg("Closed the app"),
    "school_use": msg("Said: “I'm using it for school”"),
    "report_wrong": msg("Reported as wrong: “I'm not in school now”"),
}


def _paused_until(teen: TeenView) -> datetime | None:
    state, _ = load_state(edge.db(), teen.id)
    until = state.paused_until
    return until if until is not None and until > edge.now() else None


def _page(
    teen: TeenView, values: dict[str, Any], errors: Errors, status: int = 200
) -> tuple[str, int]:
    session = edge.db()
    history = nudges.history(session, teen.id, HISTORY_LIMIT)
    return render_template(
        "parent/activity.html",
        teen=teen,
        paused_until=_paused_until(teen),
        history=history,
        ack_labels={action: say(label) for action, label in ACK_LABELS.items()},
        local_text=local_text,
        values=values,
        errors=errors,
        reports=sum(1 for n in history if any(a.action == "report_wrong" for a in n.acks)),
        new_reported=reports.new_reported_nudges(session, teen.id),
    ), status


@blueprint.get("/teens/<teen_id>/activity")
@login_required
def activity(teen_id: str) -> ResponseReturnValue:
    """Nudge history with explanations and acks, and the pause controls. The teen's reports
    are marked new on this page once; having shown them, it stamps them seen."""
    teen = owned_teen(teen_id)
    tomorrow = local_date(edge.now(), zone_named(teen.timezone)) + timedelta(days=1)
    page = _page(teen, {"until_date": tomorrow.isoformat(), "until_time": "08:00"}, {})
    run(lambda: reports.mark_seen(edge.db(), teen.id, edge.now()))
    return page


def _until(teen: TeenView, values: dict[str, str]) -> tuple[datetime | None, Errors]:
    """The pause's end from a quick choice or a local date and time in the teen's zone."""
    zone = zone_named(teen.timezone)
    now = edge.now()
    quick = values.get("quick")
    if quick == "today":
        return end_of_local_day(now, zone), {}
    if quick == "tomorrow":
        return end_of_local_day(now, zone, 1), {}
    errors: Errors = {}
    try:
        day = date.fromisoformat(values.get("until_date", ""))
    except ValueError:
        errors["until_date"] = say(msg("Enter a date (YYYY-MM-DD)."))
    try:
        at = time.fromisoformat(values.get("until_time", "") or "00:00")
    except ValueError:
        example = edge.language().clock(8 * 60 + 30)
        errors["until_time"] = say(msg("Enter a time, for example %(example)s.", example=example))
    if errors:
        return None, errors
    return local_instant(day, at, zone), {}


@blueprint.post("/teens/<teen_id>/pause")
@login_required
def pause(teen_id: str) -> ResponseReturnValue:
    """No reminders until the chosen moment."""
    teen = owned_teen(teen_id)
    values = {
        "quick": request.form.get("quick", "").strip(),
        "until_date": typed_date(request.form.get("until_date")),
        "until_time": typed_time(request.form.get("until_time")),
    }
    until, errors = _until(teen, values)
    if until is None:
        return _page(teen, values, errors, INVALID)
    paused = run(
        lambda: nudges.pause(edge.db(), teen.id, until, edge.now()), renamed={"until": "until_date"}
    )
    if isinstance(paused, Refusal):
        return _page(teen, values, paused.errors, INVALID)
    shown = local_text(until, teen)
    flash(
        say(
            msg("Reminders are paused until %(until)s (%(zone)s).", until=shown, zone=teen.timezone)
        ),
        "success",
    )
    return redirect(url_for("parent_activity.activity", teen_id=teen.id))


@blueprint.post("/teens/<teen_id>/resume")
@login_required
def resume(teen_id: str) -> ResponseReturnValue:
    """Reminders follow the schedule again from now."""
    teen = owned_teen(teen_id)
    run(lambda: nudges.resume(edge.db(), teen.id))
    flash(say(msg("Reminders are back on: they follow the schedule again.")), "success")
    return redirect(url_for("parent_activity.activity", teen_id=teen.id))
