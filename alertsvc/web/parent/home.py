"""A parent's start page: their teens, each with its devices, pause and latest reminder."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from alertsvc.http import edge
from alertsvc.services import overview, reports
from alertsvc.web.parent.common import (
    clock_text,
    day_text,
    field_label,
    hours_text,
    local_text,
    shown_time,
    window_text,
)
from alertsvc.web.session import logged_in_parent, login_required

blueprint = Blueprint("parent_home", __name__)
blueprint.add_app_template_global(field_label, "field_label")
blueprint.add_app_template_filter(day_text, "day_text")
blueprint.add_app_template_global(shown_time, "shown_time")
blueprint.add_app_template_global(clock_text, "clock_text")
blueprint.add_app_template_global(window_text, "window_text")
blueprint.add_app_template_global(hours_text, "hours_text")


@blueprint.get("/home")
@login_required
def home() -> ResponseReturnValue:
    """The teens list, where a parent lands after logging in."""
    parent = logged_in_parent()
    session = edge.db()
    return render_template(
        "parent/home.html",
        parent=parent,
        teens=overview.teen_overviews(session, parent.parent_id, edge.now()),
        new_reports=reports.new_reports_by_teen(session, parent.parent_id),
        local_text=local_text,
    )
