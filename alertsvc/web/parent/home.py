"""A parent's start page after logging in (the teens list replaces it)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from alertsvc.web.session import logged_in_parent, login_required

blueprint = Blueprint("parent_home", __name__)


@blueprint.get("/home")
@login_required
def home() -> ResponseReturnValue:
    """The page a parent lands on; a placeholder until the teens list exists."""
    return render_template("parent/home.html", parent=logged_in_parent())
