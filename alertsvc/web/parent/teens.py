"""Add, edit and delete a teen; co-parents; devices and pairing codes."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from alertsvc.http import edge
from alertsvc.services import pairing, reports, teens
from alertsvc.services.inputs.teens import GuardianIn, TeenIn, TeenPatchIn
from alertsvc.services.teens import Guardian, TeenView
from alertsvc.web.errors import INVALID, Errors, Explained, Refusal, run
from alertsvc.web.parent.common import blank_to_none, form_input, local_text, owned_teen
from alertsvc.web.session import logged_in_parent, login_required

blueprint = Blueprint("parent_teens", __name__)

# Common school zones first; any IANA name may be typed.
SUGGESTED_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Asia/Tokyo",
    "Australia/Sydney",
)
GUARDIAN_ERRORS: Explained = {
    teens.AlreadyGuardianError: ("email", "This parent is already a guardian of this teen."),
    teens.ParentNotFoundError: (
        "email",
        "No parent account uses this email. Ask them to sign up first, then invite them again.",
    ),
}


def _teen_values() -> dict[str, str | None]:
    return {
        "nickname": request.form.get("nickname", ""),
        "timezone": request.form.get("timezone", "").strip(),
        "country": blank_to_none(request.form.get("country")),
        "subdivision": blank_to_none(request.form.get("subdivision")),
    }


def _teen_form(
    template: str, values: dict[str, str | None], errors: Errors, **context: object
) -> tuple[str, int]:
    status = INVALID if errors else 200
    return render_template(
        template, values=values, errors=errors, zones=SUGGESTED_ZONES, **context
    ), status


def _create_teen(values: dict[str, str | None]) -> TeenView:
    data = form_input(TeenIn, values)
    parent_id = logged_in_parent().parent_id
    return teens.create_teen(edge.db(), parent_id, **data.model_dump(), now=edge.now())


@blueprint.route("/teens/new", methods=["GET", "POST"])
@login_required
def new_teen() -> ResponseReturnValue:
    """Add a teen: a nickname and the school's time zone (and where its holidays come from)."""
    if request.method == "GET":
        return _teen_form("parent/teen_form.html", {"timezone": "America/New_York"}, {})
    values = _teen_values()
    teen = run(lambda: _create_teen(values))
    if isinstance(teen, Refusal):
        return _teen_form("parent/teen_form.html", values, teen.errors)
    flash(f"{teen.nickname} is added. Next: describe the school week.", "success")
    return redirect(url_for("parent_schedule.edit", teen_id=teen.id))


@blueprint.get("/teens/<teen_id>")
@login_required
def teen(teen_id: str) -> ResponseReturnValue:
    """One teen: devices, pairing, co-parents and links to the schedule and activity."""
    found = owned_teen(teen_id)
    return _teen_page(found, {}, 200)


def _teen_page(found: TeenView, errors: Errors, status: int, **context: object) -> tuple[str, int]:
    session = edge.db()
    devices = pairing.list_devices(session, found.id)
    return render_template(
        "parent/teen.html",
        teen=found,
        devices=devices,
        new_reports=reports.new_report_count(session, logged_in_parent().parent_id, found.id),
        errors=errors,
        local_text=local_text,
        **context,
    ), status


def _update_teen(found: TeenView, values: dict[str, str | None]) -> TeenView:
    return teens.update_teen(edge.db(), found, form_input(TeenPatchIn, values).model_dump())


@blueprint.route("/teens/<teen_id>/edit", methods=["GET", "POST"])
@login_required
def edit_teen(teen_id: str) -> ResponseReturnValue:
    """Change the nickname, time zone or holiday place."""
    found = owned_teen(teen_id)
    if request.method == "GET":
        values = {
            "nickname": found.nickname,
            "timezone": found.timezone,
            "country": found.country,
            "subdivision": found.subdivision,
        }
        return _teen_form("parent/teen_form.html", values, {}, teen=found)
    values = _teen_values()
    updated = run(lambda: _update_teen(found, values))
    if isinstance(updated, Refusal):
        return _teen_form("parent/teen_form.html", values, updated.errors, teen=found)
    flash(f"{updated.nickname}'s details are saved.", "success")
    return redirect(url_for("parent_teens.teen", teen_id=found.id))


def _add_guardian(found: TeenView, email: str) -> Guardian:
    data = form_input(GuardianIn, {"email": email})
    return teens.add_guardian(edge.db(), found, data.email, edge.now())


@blueprint.post("/teens/<teen_id>/guardians")
@login_required
def add_guardian(teen_id: str) -> ResponseReturnValue:
    """Invite a co-parent by the email of their existing account."""
    found = owned_teen(teen_id)
    email = request.form.get("email", "").strip()
    guardian = run(lambda: _add_guardian(found, email), GUARDIAN_ERRORS)
    if isinstance(guardian, Refusal):
        return _teen_page(found, guardian.errors, INVALID, guardian_email=email)
    flash(f"{guardian.email} can now see and change {found.nickname}'s settings.", "success")
    return redirect(url_for("parent_teens.teen", teen_id=found.id))


@blueprint.post("/teens/<teen_id>/pairing-code")
@login_required
def pair(teen_id: str) -> ResponseReturnValue:
    """A single-use code to type into the teen's app, shown large with its expiry."""
    found = owned_teen(teen_id)
    issued = run(lambda: pairing.issue_code(edge.db(), found.id, edge.now()))
    return _teen_page(found, {}, 200, code=issued)


@blueprint.post("/teens/<teen_id>/devices/<device_id>/revoke")
@login_required
def revoke(teen_id: str, device_id: str) -> ResponseReturnValue:
    """Unpair a device: its token stops working at once."""
    found = owned_teen(teen_id)
    if run(lambda: pairing.revoke_device(edge.db(), found.id, device_id)):
        flash("The device is unpaired. It gets no more reminders.", "success")
    else:
        flash("That device was already unpaired.", "info")
    return redirect(url_for("parent_teens.teen", teen_id=found.id))
