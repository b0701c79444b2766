"""Sign up, log in, log out and change the password: the same services and limits as the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from alertsvc.domain.errors import ServiceError
from alertsvc.domain.message import Message, msg
from alertsvc.http import attempts, edge
from alertsvc.services import accounts
from alertsvc.services.accounts import Identity
from alertsvc.services.inputs.accounts import Credentials, SignUp
from alertsvc.web import forms
from alertsvc.web.errors import INVALID, WHOLE_FORM, Explained, Refusal, run
from alertsvc.web.languages import say
from alertsvc.web.parent.teens import PAIRING_KEY
from alertsvc.web.session import (
    current_parent,
    log_in,
    log_out,
    logged_in_parent,
    login_required,
    safe_next,
)

blueprint = Blueprint("parent_auth", __name__)

# Refusals each form words itself: the field to show the message at, and the message (said
# in the reader's language when the form is answered, by `_said`).
EMAIL_TAKEN: Mapping[type[ServiceError], tuple[str, Message]] = {
    accounts.EmailTakenError: (
        "email",
        msg("There is already an account with this email. Log in instead?"),
    )
}
WRONG_LOGIN: Mapping[type[ServiceError], tuple[str, Message]] = {
    accounts.WrongPasswordError: (
        WHOLE_FORM,
        msg("That email and password don't match an account. Check both and try again."),
    )
}
WRONG_PASSWORD: Mapping[type[ServiceError], tuple[str, Message]] = {
    accounts.WrongPasswordError: ("current_password", msg("That is not your current password."))
}


def _said(explained: Mapping[type[ServiceError], tuple[str, Message]]) -> Explained:
    return {kind: (name, say(message)) for kind, (name, message) in explained.items()}


CREDENTIALS = {"email": "email", "password": "password"}


def _home() -> str:
    return url_for("parent_home.home")


def _signed_in(identity: Identity, target: str) -> Response:
    """A redirect to `target` that carries a new session for `identity`; the caller commits."""
    response = redirect(target)
    log_in(response, identity)
    return response


def _sign_up(data: SignUp) -> Response:
    passwords = edge.runtime().passwords
    identity = accounts.register_parent(
        edge.db(), data.email, data.password, edge.now(), passwords=passwords
    )
    return _signed_in(identity, _home())


@blueprint.route("/signup", methods=["GET", "POST"])
def signup() -> ResponseReturnValue:
    """Create a parent account (the API's sign-up rules) and log straight in."""
    if current_parent() is not None:
        return redirect(_home())
    form = forms.SignUpForm()
    if form.validate_on_submit() and (data := forms.check(form, SignUp, CREDENTIALS)):
        response = run(lambda: _sign_up(data), _said(EMAIL_TAKEN))
        if not isinstance(response, Refusal):
            flash(say(msg("Welcome! Your account is ready.")), "success")
            return response
        return _page("parent/signup.html", form, response)
    return _page("parent/signup.html", form)


def _log_in(data: Credentials, target: str) -> Response:
    return _signed_in(attempts.authenticate(data.email, data.password), target)


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Log in with email and password, then go back to the page that asked for it."""
    next_url = safe_next(request.args.get("next"))
    if current_parent() is not None and request.method == "GET":
        return redirect(next_url or _home())
    form = forms.LogInForm()
    refusal = None
    if form.validate_on_submit() and (data := forms.check(form, Credentials, CREDENTIALS)):
        response = run(lambda: _log_in(data, next_url or _home()), _said(WRONG_LOGIN))
        if not isinstance(response, Refusal):
            return response
        refusal = response
    return _page("parent/login.html", form, refusal, next_url=next_url)


@blueprint.post("/logout")
def logout() -> ResponseReturnValue:
    """End this browser's session on the server."""
    response = redirect(url_for("parent_auth.login"))
    log_out(response)
    cookie_session.pop(PAIRING_KEY, None)  # pairing codes shown in this browser
    edge.db().commit()
    flash(say(msg("You are logged out.")), "success")
    return response


def _change_password(parent: Identity, current: str, new: str) -> Response:
    attempts.authenticate(parent.email, current)
    # set_password ends every session and token; this browser gets a new one.
    passwords = edge.runtime().passwords
    accounts.set_password(edge.db(), parent.parent_id, new, passwords=passwords)
    return _signed_in(parent, _home())


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    """Change the password; every other session and API token ends."""
    parent = logged_in_parent()
    form = forms.PasswordForm()
    if not form.validate_on_submit():
        return _page("parent/password.html", form)
    current = forms.check(form, forms.CurrentPassword, {"password": "current_password"})
    new = forms.check(form, forms.NewPassword, {"password": "new_password"})
    if current is None or new is None:
        return _page("parent/password.html", form)
    response = run(
        lambda: _change_password(parent, current.password, new.password), _said(WRONG_PASSWORD)
    )
    if isinstance(response, Refusal):
        return _page("parent/password.html", form, response)
    changed = msg("Your password is changed. Every other browser and app was logged out.")
    flash(say(changed), "success")
    return response


def _page(
    template: str, form: Any, refusal: Refusal | None = None, **context: object
) -> ResponseReturnValue:
    """The form with its mistakes: the fields' own, and those of a refused use case."""
    for name, message in (refusal.errors if refusal else {}).items():
        (form[name].errors if name else form.form_errors).append(message)
    html = render_template(
        template, form=form, password_min_length=forms.password_min_length(), **context
    )
    if refusal is not None:
        return html, refusal.status, refusal.headers
    return html, INVALID if form.errors else 200
