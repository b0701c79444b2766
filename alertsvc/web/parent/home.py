"""A parent's start page: their teens, each with its devices and next steps."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from alertsvc.http import edge
from alertsvc.services import reports, teens
from alertsvc.web.parent.common import field_label
from alertsvc.web.session import logged_in_parent, login_required

blueprint = Blueprint("parent_home", __name__)
blueprint.add_app_template_global(field_label, "field_label")


@blueprint.get("/home")
@login_required
def home() -> ResponseReturnValue:
    """The teens list, where a parent lands after logging in."""
    parent = logged_in_parent()
    session = edge.db()
    return render_template(
        "parent/home.html",
        parent=parent,
        teens=teens.teens_of_parent(session, parent.parent_id),
        new_reports=reports.new_reports_by_teen(session, parent.parent_id),
    )
