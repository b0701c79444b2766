"""Sign up, log in, log out and change the password: the same services and limits as the API."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from alertsvc.api.auth import guard_failures, note_failure
from alertsvc.api.parents import Credentials, SignUp
from alertsvc.http import edge
from alertsvc.http.problems import Problem
from alertsvc.services import accounts
from alertsvc.web import forms
from alertsvc.web.session import (
    current_parent,
    log_in,
    log_out,
    logged_in_parent,
    login_required,
    safe_next,
)

blueprint = Blueprint("parent_auth", __name__)

# A form sent back with mistakes to correct.
INVALID = 422


def _home() -> str:
    return url_for("parent_home.home")


@blueprint.route("/signup", methods=["GET", "POST"])
def signup() -> ResponseReturnValue:
    """Create a parent account (the API's sign-up rules) and log straight in."""
    if current_parent() is not None:
        return redirect(_home())
    form = forms.SignUpForm()
    if form.validate_on_submit():
        data = forms.check(form, SignUp, {"email": "email", "password": "password"})
        if data is not None:
            session = edge.db()
            try:
                identity = accounts.register_parent(session, data.email, data.password, edge.now())
            except accounts.EmailTakenError:
                form.email.errors.append(
                    "There is already an account with this email. Log in instead?"
                )
            else:
                response = redirect(_home())
                log_in(response, identity)
                session.commit()
                flash("Welcome! Your account is ready.", "success")
                return response
    return _page("parent/signup.html", form)


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Log in with email and password, then go back to the page that asked for it."""
    next_url = safe_next(request.args.get("next"))
    if current_parent() is not None and request.method == "GET":
        return redirect(next_url or _home())
    form = forms.LogInForm()
    if form.validate_on_submit():
        data = forms.check(form, Credentials, {"email": "email", "password": "password"})
        if data is not None:
            try:
                keys = guard_failures("login", data.email)
            except Problem as problem:
                return _too_many_attempts("parent/login.html", form, problem)
            session = edge.db()
            identity = accounts.authenticate(session, data.email, data.password)
            if identity is None:
                note_failure(keys)
                form.form_errors.append(
                    "That email and password don't match an account. Check both and try again."
                )
            else:
                response = redirect(next_url or _home())
                log_in(response, identity)
                session.commit()
                return response
    return _page("parent/login.html", form, next_url=next_url)


@blueprint.post("/logout")
def logout() -> ResponseReturnValue:
    """End this browser's session on the server."""
    response = redirect(url_for("parent_auth.login"))
    log_out(response)
    edge.db().commit()
    flash("You are logged out.", "success")
    return response


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    """Change the password; every other session and API token ends."""
    parent = logged_in_parent()
    form = forms.PasswordForm()
    if form.validate_on_submit():
        current = forms.check(form, forms.CurrentPassword, {"password": "current_password"})
        new = forms.check(form, forms.NewPassword, {"password": "new_password"})
        if current is not None and new is not None:
            try:
                keys = guard_failures("login", parent.email)
            except Problem as problem:
                return _too_many_attempts("parent/password.html", form, problem)
            session = edge.db()
            if accounts.authenticate(session, parent.email, current.password) is None:
                note_failure(keys)
                form.current_password.errors.append("That is not your current password.")
            else:
                # set_password ends every session and token; this browser gets a new one.
                accounts.set_password(session, parent.parent_id, new.password)
                response = redirect(_home())
                log_in(response, parent)
                session.commit()
                flash(
                    "Your password is changed. Every other browser and app was logged out.",
                    "success",
                )
                return response
    return _page("parent/password.html", form)


def _page(template: str, form: Any, **context: object) -> ResponseReturnValue:
    status = INVALID if form.errors else 200
    return render_template(
        template, form=form, password_min_length=forms.password_min_length(), **context
    ), status


def _too_many_attempts(template: str, form: Any, problem: Problem) -> Response:
    if problem.status != 429:
        raise problem
    wait = problem.headers.get("Retry-After", "60")
    form.form_errors.append(
        f"Too many attempts. To keep the account safe, please wait {wait} seconds and try again."
    )
    html = render_template(template, form=form, password_min_length=forms.password_min_length())
    return Response(html, status=429, headers={"Retry-After": wait})
