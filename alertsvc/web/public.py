"""Pages for everyone: the landing page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

blueprint = Blueprint("public", __name__)


@blueprint.get("/")
def landing() -> ResponseReturnValue:
    """What the service does, and the way in."""
    return render_template("landing.html")
