"""The kill switch and the audit log pages."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from alertsvc.domain.message import msg
from alertsvc.http import edge
from alertsvc.services import audit, flags
from alertsvc.services.flags import KillSwitch
from alertsvc.web.admin import forms
from alertsvc.web.admin.blueprint import (
    INVALID,
    actor,
    admin_required,
    blueprint,
    commit_change,
    render,
)
from alertsvc.web.languages import say

AUDIT_PAGE = 100
# What the page says after the switch is turned on (True) or off (False).
_SWITCHED = {
    True: (msg("The kill switch is ON: no reminders anywhere until it is off."), "warning"),
    False: (msg("The kill switch is off: reminders follow the schedules again."), "success"),
}


@blueprint.route("/kill-switch", methods=["GET", "POST"])
@admin_required
def kill_switch() -> ResponseReturnValue:
    """Turn every reminder off (or back on) with a reason and a typed confirmation word."""
    current = flags.get_kill_switch(edge.db())
    form = forms.KillSwitchForm()
    if not form.validate_on_submit():
        form.enabled.data = "off" if current.enabled else "on"
        form.reason.data = ""
        return _kill_switch_page(form, current, turning_on=not current.enabled)
    # The form says which way it turns the switch, so a second admin's change made in the
    # meantime is never flipped back by a stale page.
    enabled = form.enabled.data == "on"
    data = forms.kill_switch_change(form, enabled)
    if data is None:
        return _kill_switch_page(form, current, turning_on=enabled)
    commit_change(
        lambda session: flags.set_kill_switch(
            session, data.enabled, data.reason, actor(), edge.now()
        )
    )
    said, category = _SWITCHED[data.enabled]
    flash(say(said), category)
    return redirect(url_for(".kill_switch"))


def _kill_switch_page(
    form: forms.KillSwitchForm, current: KillSwitch, *, turning_on: bool
) -> ResponseReturnValue:
    word = forms.KILL_SWITCH_WORDS[turning_on]
    return render(
        "admin/kill_switch.html",
        INVALID if form.errors else 200,
        form=form,
        switch=current,
        turning_on=turning_on,
        word=word,
    )


@blueprint.get("/audit")
@admin_required
def audit_log() -> ResponseReturnValue:
    """Every admin and automatic change, newest first."""
    limit = min(max(request.args.get("limit", AUDIT_PAGE, type=int) or 1, 1), audit.MAX_LIMIT)
    entries = audit.list_audit(edge.db(), limit)
    return render("admin/audit.html", entries=entries, limit=limit)
