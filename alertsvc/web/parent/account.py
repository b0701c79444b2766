"""The parent's account page: the name their teens see in the app, and a way to the password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import StringField

from alertsvc.domain.errors import InvalidFieldsError
from alertsvc.domain.message import msg
from alertsvc.http import edge
from alertsvc.services import profiles
from alertsvc.web.errors import INVALID, Refusal, run
from alertsvc.web.forms import mark as _
from alertsvc.web.languages import say
from alertsvc.web.session import logged_in_parent, login_required

blueprint = Blueprint("parent_account", __name__)


class NameForm(FlaskForm):  # type: ignore[misc]
    name = StringField(_("Your name, as your teens see it"))


@blueprint.route("/account", methods=["GET", "POST"])
@login_required
def account() -> ResponseReturnValue:
    """Show and change the display name; the rule is the service's (as for the API)."""
    parent_id = logged_in_parent().parent_id
    form = NameForm()
    if form.validate_on_submit():
        renamed = run(lambda: profiles.rename(edge.db(), parent_id, form.name.data or ""))
        if not isinstance(renamed, Refusal):
            saved = msg(
                "Saved. Your teens' app now shows your name as “%(name)s”.", name=renamed.name
            )
            flash(say(saved), "success")
            return redirect(url_for("parent_account.account"))
        form.name.errors.extend(_in_words(renamed))
    profile = profiles.get_profile(edge.db(), parent_id)
    if not form.is_submitted():
        form.name.data = profile.name
    return render_template(
        "parent/account.html",
        form=form,
        profile=profile,
        max_length=profiles.NAME_MAX_LENGTH,
    ), INVALID if form.errors else 200


def _in_words(refusal: Refusal) -> list[str]:
    """`must not be empty` -> `Your name must not be empty.`"""
    error = refusal.error
    if isinstance(error, InvalidFieldsError):
        return [say(msg("Your name %(problem)s.", problem=found.message)) for found in error.errors]
    return list(refusal.errors.values())
