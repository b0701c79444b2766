"""Add, edit and delete a teen; co-parents; devices and pairing codes."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask.typing import ResponseReturnValue
from pydantic import BaseModel

from alertsvc.domain.message import msg
from alertsvc.http import edge
from alertsvc.services import pairing, places, reports, teens
from alertsvc.services.inputs.teens import GuardianIn, TeenIn, TeenPatchIn
from alertsvc.services.teens import Guardian, TeenView
from alertsvc.web.errors import INVALID, Errors, Explained, Refusal, run
from alertsvc.web.languages import say
from alertsvc.web.parent.common import (
    blank_to_none,
    both_valid,
    form_input,
    local_text,
    owned_teen,
)
from alertsvc.web.session import logged_in_parent, login_required

blueprint = Blueprint("parent_teens", __name__)

M = TypeVar("M", bound=BaseModel)

PAIRING_KEY = "pairing_codes"  # teen id -> [code, expires_at] in the cookie session

# The country choice that follows the time zone: a school in Europe/London keeps GB's holidays.
FROM_ZONE = "auto"


def _guardian_errors() -> Explained:
    """What the co-parent form says of a refused invitation, in the reader's language."""
    return {
        teens.AlreadyGuardianError: (
            "email",
            say(msg("This parent is already a guardian of this teen.")),
        ),
        teens.ParentNotFoundError: (
            "email",
            say(
                msg(
                    "No parent account uses this email. "
                    "Ask them to sign up first, then invite them again."
                )
            ),
        ),
    }


def _countries() -> list[tuple[str, str]]:
    """The holiday countries, named in the reader's language (CLDR) where it knows them."""
    names = edge.language().locale.territories
    found = [(code, str(names.get(code, name))) for code, name in places.holiday_countries()]
    return sorted(found, key=lambda item: item[1].casefold())


def _typed_teen() -> dict[str, str | None]:
    """The teen's form as typed, to show again."""
    return {
        "nickname": request.form.get("nickname", ""),
        "timezone": request.form.get("timezone", "").strip(),
        "country": request.form.get("country", FROM_ZONE).strip(),
        "subdivision": blank_to_none(request.form.get("subdivision")),
    }


def _teen_input(model: type[M], typed: dict[str, str | None]) -> M:
    """The typed teen as `model`: the place typed as its IANA zone (or as typed, when none goes
    by it) and the country choice as a code; `InvalidFieldsError` naming every mistake, an
    unknown place in a parent's words."""
    text = typed["timezone"] or ""
    zone = places.find_zone(text)
    country = typed["country"]
    if country == FROM_ZONE:
        country = places.zone_country(zone) if zone else None
    fields = {**typed, "timezone": zone or text, "country": blank_to_none(country)}
    _, data = both_valid(
        lambda: places.check_school_place(text, fields["country"], fields["subdivision"]),
        lambda: form_input(model, fields),
    )
    return data


def _teen_form(values: dict[str, str | None], errors: Errors, **context: object) -> tuple[str, int]:
    status = INVALID if errors else 200
    return render_template(
        "parent/teen_form.html",
        values=values,
        errors=errors,
        zones=places.zone_choices(),
        countries=_countries(),
        from_zone=FROM_ZONE,
        **context,
    ), status


def _create_teen(typed: dict[str, str | None]) -> TeenView:
    data = _teen_input(TeenIn, typed)
    parent_id = logged_in_parent().parent_id
    return teens.create_teen(edge.db(), parent_id, **data.model_dump(), now=edge.now())


@blueprint.route("/teens/new", methods=["GET", "POST"])
@login_required
def new_teen() -> ResponseReturnValue:
    """Add a teen: a nickname, the school's city (its time zone) and where its holidays come
    from (the zone's country unless the parent picks another, or none)."""
    if request.method == "GET":
        return _teen_form({"timezone": "", "country": FROM_ZONE}, {})
    typed = _typed_teen()
    teen = run(lambda: _create_teen(typed))
    if isinstance(teen, Refusal):
        return _teen_form(typed, teen.errors)
    added = msg("%(nickname)s is added. Next: describe the school week.", nickname=teen.nickname)
    flash(say(added), "success")
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


def _update_teen(found: TeenView, typed: dict[str, str | None]) -> TeenView:
    return teens.update_teen(edge.db(), found, _teen_input(TeenPatchIn, typed).model_dump())


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
    typed = _typed_teen()
    updated = run(lambda: _update_teen(found, typed))
    if isinstance(updated, Refusal):
        return _teen_form(typed, updated.errors, teen=found)
    flash(say(msg("%(nickname)s's details are saved.", nickname=updated.nickname)), "success")
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
    guardian = run(lambda: _add_guardian(found, email), _guardian_errors())
    if isinstance(guardian, Refusal):
        return _teen_page(found, guardian.errors, INVALID, guardian_email=email)
    invited = msg(
        "%(email)s can now see and change %(nickname)s's settings.",
        email=guardian.email,
        nickname=found.nickname,
    )
    flash(say(invited), "success")
    return redirect(url_for("parent_teens.teen", teen_id=found.id))


def _remember_code(teen_id: str, issued: pairing.IssuedCode) -> None:
    """Only the code's digest is stored; the browser that asked keeps the code itself in its
    signed cookie session until the code expires or is used."""
    shown = cookie_session.get(PAIRING_KEY, {})
    shown = {k: v for k, v in shown.items() if k != teen_id and isinstance(v, list)}
    shown[teen_id] = [issued.code, issued.expires_at.isoformat()]
    cookie_session[PAIRING_KEY] = shown


@blueprint.post("/teens/<teen_id>/pairing-code")
@login_required
def pair(teen_id: str) -> ResponseReturnValue:
    """Issue a single-use code, then show it on a page of its own (post/redirect/get), so a
    reload shows the same code instead of asking to send the form again."""
    found = owned_teen(teen_id)
    issued = run(lambda: pairing.issue_code(edge.db(), found.id, edge.now()))
    if isinstance(issued, pairing.IssuedCode):  # committed
        _remember_code(found.id, issued)
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
    if run(lambda: pairing.revoke_device(edge.db(), found.id, device_id)):
        flash(say(msg("The device is unpaired. It gets no more reminders.")), "success")
    else:
        flash(say(msg("That device was already unpaired.")), "info")
    return redirect(url_for("parent_teens.teen", teen_id=found.id))
