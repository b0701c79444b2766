"""The admin pages' blueprint, the admin-only guard and the helpers every admin view shares."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ParamSpec

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from alertsvc.http import edge
from alertsvc.http.problems import Problem
from alertsvc.services import flags
from alertsvc.web.session import logged_in_parent, login_required

blueprint = Blueprint("admin_pages", __name__, url_prefix="/admin")

# A form sent back with mistakes to correct (the parent pages answer the same).
INVALID = 422

P = ParamSpec("P")


def admin_required(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
    """Visitors log in first; a parent without the admin role gets the plain 404 page, so
    the admin area is never advertised to them."""

    @functools.wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        if not logged_in_parent().is_admin:
            raise Problem(404, "Not found", "No such page.")
        return view(*args, **kwargs)

    return login_required(guarded)


def render(template: str, status: int = 200, **context: Any) -> ResponseReturnValue:
    """An admin page; the layout shows a banner on every page while the kill switch is on."""
    switch = flags.get_kill_switch(edge.db())
    return render_template(template, kill_switch=switch, **context), status


def actor() -> str:
    """Who the audit log names for a change made on these pages."""
    return logged_in_parent().email


@blueprint.app_template_filter("admin_time")
def format_time(value: datetime | None) -> str:
    """An instant as the audit log and the pages show it: UTC to the minute."""
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@blueprint.app_template_filter("admin_json")
def compact_json(value: object) -> str:
    """A before/after value of the audit log on one line."""
    if value is None:
        return "—"
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
