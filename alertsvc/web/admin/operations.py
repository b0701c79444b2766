"""The kill switch and the audit log pages."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from pydantic import ValidationError

from alertsvc.api.admin import KillSwitchIn
from alertsvc.http import edge
from alertsvc.services import audit, flags
from alertsvc.web.admin import forms
from alertsvc.web.admin.blueprint import INVALID, actor, admin_required, blueprint, render

AUDIT_PAGE = 100


@blueprint.route("/kill-switch", methods=["GET", "POST"])
@admin_required
def kill_switch() -> ResponseReturnValue:
    """Turn every reminder off (or back on) with a reason and a typed confirmation word."""
    session = edge.db()
    current = flags.get_kill_switch(session)
    form = forms.KillSwitchForm()
    if form.validate_on_submit():
        # The form says which way it turns the switch, so a second admin's change made in
        # the meantime is never flipped back by a stale page.
        enabled = form.enabled.data == "on"
        word = forms.KILL_SWITCH_WORDS[enabled]
        try:
            data = KillSwitchIn.model_validate(
                {"enabled": enabled, "reason": (form.reason.data or "").strip()}
            )
        except ValidationError as exc:
            forms.show_errors(form, forms.model_errors(exc.errors(include_url=False)))
            data = None
        if (form.confirm.data or "").strip().upper() != word:
            form.confirm.errors.append(f"Type {word} to confirm.")
        if data is not None and not form.errors:
            flags.set_kill_switch(session, data.enabled, data.reason, actor(), edge.now())
            session.commit()
            if data.enabled:
                flash("The kill switch is ON: no reminders anywhere until it is off.", "warning")
            else:
                flash("The kill switch is off: reminders follow the schedules again.", "success")
            return redirect(url_for(".kill_switch"))
        turning_on = enabled
    else:
        turning_on = not current.enabled
        form.enabled.data = "on" if turning_on else "off"
        form.reason.data = ""
    word = forms.KILL_SWITCH_WORDS[turning_on]
    form.confirm.label.text = f"Type {word} to confirm"
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
