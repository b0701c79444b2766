"""Add, edit and delete a teen; co-parents; devices and pairing codes."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from alertsvc import edge
from alertsvc.api.teens import GuardianIn, TeenIn, TeenPatchIn
from alertsvc.db.repositories import TeenView
from alertsvc.domain.schedule import InvalidFieldsError
from alertsvc.services import pairing, reports, teens
from alertsvc.web.parent.common import (
    INVALID,
    Errors,
    blank_to_none,
    field_errors,
    local_text,
    owned_teen,
    validate,
)
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


@blueprint.route("/teens/new", methods=["GET", "POST"])
@login_required
def new_teen() -> ResponseReturnValue:
    """Add a teen: a nickname and the school's time zone (and where its holidays come from)."""
    if request.method == "GET":
        return _teen_form("parent/teen_form.html", {"timezone": "America/New_York"}, {})
    values = _teen_values()
    data, errors = validate(TeenIn, values)
    if data is not None:
        session = edge.db()
        try:
            teen = teens.create_teen(
                session,
                logged_in_parent().parent_id,
                nickname=data.nickname,
                timezone=data.timezone,
                country=data.country,
                subdivision=data.subdivision,
                now=edge.now(),
            )
        except InvalidFieldsError as exc:
            session.rollback()
            errors = field_errors(exc.errors)
        else:
            session.commit()
            flash(f"{teen.nickname} is added. Next: describe the school week.", "success")
            return redirect(url_for("parent_schedule.edit", teen_id=teen.id))
    return _teen_form("parent/teen_form.html", values, errors)


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
    data, errors = validate(TeenPatchIn, values)
    if data is not None:
        session = edge.db()
        try:
            updated = teens.update_teen(session, found, data.model_dump())
        except InvalidFieldsError as exc:
            session.rollback()
            errors = field_errors(exc.errors)
        else:
            session.commit()
            flash(f"{updated.nickname}'s details are saved.", "success")
            return redirect(url_for("parent_teens.teen", teen_id=found.id))
    return _teen_form("parent/teen_form.html", values, errors, teen=found)


@blueprint.post("/teens/<teen_id>/guardians")
@login_required
def add_guardian(teen_id: str) -> ResponseReturnValue:
    """Invite a co-parent by the email of their existing account."""
    found = owned_teen(teen_id)
    email = request.form.get("email", "").strip()
    data, errors = validate(GuardianIn, {"email": email})
    if data is not None:
        session = edge.db()
        try:
            guardian = teens.add_guardian(session, found, data.email, edge.now())
        except teens.AlreadyGuardianError:
            errors = {"email": "This parent is already a guardian of this teen."}
        except teens.NotFoundError:
            errors = {
                "email": "No parent account uses this email. Ask them to sign up first, "
                "then invite them again."
            }
        else:
            session.commit()
            flash(
                f"{guardian.email} can now see and change {found.nickname}'s settings.", "success"
            )
            return redirect(url_for("parent_teens.teen", teen_id=found.id))
    return _teen_page(found, errors, INVALID, guardian_email=email)


@blueprint.post("/teens/<teen_id>/pairing-code")
@login_required
def pair(teen_id: str) -> ResponseReturnValue:
    """A single-use code to type into the teen's app, shown large with its expiry."""
    found = owned_teen(teen_id)
    session = edge.db()
    issued = pairing.issue_code(session, found.id, edge.now())
    session.commit()
    return _teen_page(found, {}, 200, code=issued)


@blueprint.post("/teens/<teen_id>/devices/<device_id>/revoke")
@login_required
def revoke(teen_id: str, device_id: str) -> ResponseReturnValue:
    """Unpair a device: its token stops working at once."""
    found = owned_teen(teen_id)
    session = edge.db()
    if pairing.revoke_device(session, found.id, device_id):
        session.commit()
        flash("The device is unpaired. It gets no more reminders.", "success")
    else:
        flash("That device was already unpaired.", "info")
    return redirect(url_for("parent_teens.teen", teen_id=found.id))
