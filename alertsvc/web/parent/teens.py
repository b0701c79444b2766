"""Add, edit and delete a teen; co-parents; devices and pairing codes."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask.typing import ResponseReturnValue

from alertsvc import edge
from alertsvc.api.teens import GuardianIn, TeenIn, TeenPatchIn
from alertsvc.db.repositories import TeenView
from alertsvc.domain.schedule import InvalidFieldsError
from alertsvc.services import pairing, places, teens
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

PAIRING_KEY = "pairing_codes"  # teen id -> [code, expires_at] in the cookie session

ZONE_UNKNOWN = (
    "We don't know this place. Type the school's city, such as London, New York or São Paulo, "
    "and pick it from the list."
)
# The country choice that follows the time zone: a school in Europe/London keeps GB's holidays.
FROM_ZONE = "auto"


def _teen_values() -> tuple[dict[str, str | None], dict[str, str | None]]:
    """The form as typed (to show again), and the teen's fields for the API's model: the
    place typed resolved to its IANA zone (or left as typed, for the service to refuse) and
    the country choice to a code."""
    typed = {
        "nickname": request.form.get("nickname", ""),
        "timezone": request.form.get("timezone", "").strip(),
        "country": request.form.get("country", FROM_ZONE).strip(),
        "subdivision": blank_to_none(request.form.get("subdivision")),
    }
    zone = places.find_zone(typed["timezone"] or "")
    country = typed["country"]
    if country == FROM_ZONE:
        country = places.zone_country(zone) if zone else None
    fields = {
        "nickname": typed["nickname"],
        "timezone": zone or typed["timezone"],
        "country": blank_to_none(country),
        "subdivision": typed["subdivision"],
    }
    return typed, fields


def _in_words(errors: Errors, fields: dict[str, str | None]) -> Errors:
    """An unknown place is named as a parent types it (a city, not an IANA name), also when
    another field's mistake kept the service from judging it."""
    typed = fields["timezone"]
    if typed and ("timezone" in errors or places.find_zone(typed) is None):
        errors["timezone"] = ZONE_UNKNOWN
    return errors


def _teen_form(values: dict[str, str | None], errors: Errors, **context: object) -> tuple[str, int]:
    status = INVALID if errors else 200
    return render_template(
        "parent/teen_form.html",
        values=values,
        errors=errors,
        zones=places.zone_choices(),
        countries=places.holiday_countries(),
        from_zone=FROM_ZONE,
        **context,
    ), status


@blueprint.route("/teens/new", methods=["GET", "POST"])
@login_required
def new_teen() -> ResponseReturnValue:
    """Add a teen: a nickname, the school's city (its time zone) and where its holidays come
    from (the zone's country unless the parent picks another, or none)."""
    if request.method == "GET":
        return _teen_form({"timezone": "", "country": FROM_ZONE}, {})
    typed, fields = _teen_values()
    data, errors = validate(TeenIn, fields)
    if data is not None:
        teen, errors = _create(data)
        if teen is not None:
            flash(f"{teen.nickname} is added. Next: describe the school week.", "success")
            return redirect(url_for("parent_schedule.edit", teen_id=teen.id))
    return _teen_form(typed, _in_words(errors, fields))


def _create(data: TeenIn) -> tuple[TeenView | None, Errors]:
    """Create the teen with this parent as its guardian and commit, or the service's errors."""
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
        return None, field_errors(exc.errors)
    session.commit()
    return teen, {}


@blueprint.get("/teens/<teen_id>")
@login_required
def teen(teen_id: str) -> ResponseReturnValue:
    """One teen: devices, pairing, co-parents and links to the schedule and activity."""
    found = owned_teen(teen_id)
    return _teen_page(found, {}, 200)


def _teen_page(found: TeenView, errors: Errors, status: int, **context: object) -> tuple[str, int]:
    devices = pairing.list_devices(edge.db(), found.id)
    return render_template(
        "parent/teen.html",
        teen=found,
        devices=devices,
        errors=errors,
        local_text=local_text,
        **context,
    ), status


@blueprint.route("/teens/<teen_id>/edit", methods=["GET", "POST"])
@login_required
def edit_teen(teen_id: str) -> ResponseReturnValue:
    """Change the nickname, the school's place (time zone) or where holidays come from."""
    found = owned_teen(teen_id)
    if request.method == "GET":
        values = {
            "nickname": found.nickname,
            "timezone": places.zone_label(found.timezone),
            "country": found.country or "",
            "subdivision": found.subdivision,
        }
        return _teen_form(values, {}, teen=found)
    typed, fields = _teen_values()
    data, errors = validate(TeenPatchIn, fields)
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
    return _teen_form(typed, _in_words(errors, fields), teen=found)


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
    """Issue a single-use code, then show it on a page of its own (post/redirect/get), so a
    reload shows the same code instead of asking to send the form again."""
    found = owned_teen(teen_id)
    session = edge.db()
    issued = pairing.issue_code(session, found.id, edge.now())
    session.commit()
    # Only the code's digest is stored; the browser that asked keeps the code itself in its
    # signed cookie session until the code expires or is used.
    shown = cookie_session.get(PAIRING_KEY, {})
    shown = {k: v for k, v in shown.items() if k != found.id and isinstance(v, list)}
    shown[found.id] = [issued.code, issued.expires_at.isoformat()]
    cookie_session[PAIRING_KEY] = shown
    return redirect(url_for("parent_teens.pairing_code", teen_id=found.id), code=303)


@blueprint.get("/teens/<teen_id>/pairing-code")
@login_required
def pairing_code(teen_id: str) -> ResponseReturnValue:
    """The code this browser asked for, large, with its expiry; or what became of it."""
    found = owned_teen(teen_id)
    kept = cookie_session.get(PAIRING_KEY, {}).get(found.id)
    code = status = None
    if isinstance(kept, list) and len(kept) == 2:
        code = pairing.IssuedCode(kept[0], datetime.fromisoformat(kept[1]))
        status = pairing.code_status(edge.db(), found.id, code.code, edge.now())
    return _teen_page(found, {}, 200, code=code, code_status=status)


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
