"""Page forms: WTForms renders fields and carries the CSRF token; the rules are the shared
input models' (`services.inputs`), as for the API.

A form's values are validated with the same pydantic model that validates the JSON API's
request, so each rule (a password's minimum length, what an email looks like) is written
once; `check` turns that model's errors into friendly messages next to the fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from annotated_types import MinLen
from flask_wtf import FlaskForm
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from wtforms import EmailField, PasswordField

from alertsvc.domain.message import Message, msg
from alertsvc.http import edge
from alertsvc.services.inputs.accounts import Credentials, SignUp

M = TypeVar("M", bound=BaseModel)


def mark(text: str) -> str:
    """Marks a label for the catalogs (imported as `_`, an extraction keyword); the label is
    said in the reader's language where it is shown (`_macros.html` and `_message`)."""
    return text


_ = mark


class NewPassword(BaseModel):
    """A new password follows the sign-up rule."""

    password: Annotated[str, SignUp.model_fields["password"]]


class CurrentPassword(BaseModel):
    """The current password, checked like a log-in's."""

    password: Annotated[str, Credentials.model_fields["password"]]


def password_min_length() -> int:
    """The sign-up rule's minimum, for the hint under the field."""
    for rule in SignUp.model_fields["password"].metadata:
        if isinstance(rule, MinLen):
            return int(rule.min_length)
    return 1  # pragma: no cover - SignUp always sets one


class SignUpForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(_("Email"))
    password = PasswordField(_("Password"))


class LogInForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(_("Email"))
    password = PasswordField(_("Password"))


class PasswordForm(FlaskForm):  # type: ignore[misc]
    current_password = PasswordField(_("Current password"))
    new_password = PasswordField(_("New password"))


def check(form: Any, model: type[M], fields: Mapping[str, str]) -> M | None:
    """Validate form fields with `model` (`fields` maps model field -> form field).

    Returns the model, or None after adding a message to each field that failed. Call it
    after `form.validate_on_submit()`, which makes every field's `errors` a list.
    """
    data = {name: form[field].data or "" for name, field in fields.items()}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            field = form[fields[str(error["loc"][0])]]
            said = _message(error, str(field.label.text))
            field.errors.append(said if isinstance(said, str) else edge.language().say(said))
        return None


def _message(error: ErrorDetails, label: str) -> Message | str:
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if error.get("input") in ("", None):
        return _required(label)
    if kind == "string_too_short":
        return msg("Use at least %(count)s characters.", count=ctx["min_length"])
    if kind == "string_too_long":
        return msg("Use at most %(count)s characters.", count=ctx["max_length"])
    if kind == "value_error" and "email" in label.lower():
        return msg("Enter an email address in the form name@example.com.")
    return str(error["msg"])  # pragma: no cover - the shared models' rules are all above


def _required(label: str) -> Message:
    """Each form's own sentence for an empty field (a whole sentence per field for the
    translators, not `Enter your` glued to a label)."""
    if label == "Email":
        return msg("Enter your email.")
    if label == "Password":
        return msg("Enter your password.")
    if label == "Current password":
        return msg("Enter your current password.")
    if label == "New password":
        return msg("Enter your new password.")
    language = edge.language()
    name = language.gettext(label)
    # Mid-sentence, a label starts in lower case, except where every noun is capitalised.
    return msg("Enter your %(field)s.", field=name if language.catalog == "de" else name.lower())
