"""The parent's account page: the name their teens see in the app, and a way to the password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import StringField

from alertsvc.domain.errors import InvalidFieldsError
from alertsvc.http import edge
from alertsvc.services import profiles
from alertsvc.web.errors import INVALID
from alertsvc.web.session import logged_in_parent, login_required

blueprint = Blueprint("parent_account", __name__)


class NameForm(FlaskForm):  # type: ignore[misc]
    name = StringField("Your name, as your teens see it")


@blueprint.route("/account", methods=["GET", "POST"])
@login_required
def account() -> ResponseReturnValue:
    """Show and change the display name; the rule is the service's (as for the API)."""
    parent = logged_in_parent()
    session = edge.db()
    form = NameForm()
    if form.validate_on_submit():
        try:
            profile = profiles.rename(session, parent.parent_id, form.name.data or "")
        except InvalidFieldsError as exc:
            form.name.errors.append(_sentence(exc.errors[0].message))
        else:
            session.commit()
            flash(f"Saved. Your teens' app now shows your name as “{profile.name}”.", "success")
            return redirect(url_for("parent_account.account"))
    profile = profiles.get_profile(session, parent.parent_id)
    if not form.is_submitted():
        form.name.data = profile.name
    status = INVALID if form.errors else 200
    return render_template(
        "parent/account.html",
        form=form,
        profile=profile,
        max_length=profiles.NAME_MAX_LENGTH,
    ), status


def _sentence(message: str) -> str:
    """`must not be empty` -> `Your name must not be empty.`"""
    return f"Your name {message}."
