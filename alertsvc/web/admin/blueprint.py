"""The admin pages' blueprint, the admin-only guard and the helpers every admin view shares,
among them the one place that turns a service's refusal into what the page shows."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, ParamSpec, TypeVar

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from alertsvc.domain.errors import ConflictError, InvalidFieldsError, NotFoundError
from alertsvc.domain.message import Localized, Message, Sayable
from alertsvc.http import edge
from alertsvc.i18n import NATIVE_NAMES
from alertsvc.services import flags
from alertsvc.web.admin import forms
from alertsvc.web.languages import say
from alertsvc.web.session import logged_in_parent, login_required

blueprint = Blueprint("admin_pages", __name__, url_prefix="/admin")

# A form sent back with mistakes to correct (the parent pages answer the same).
INVALID = 422
# A change the experiment's current state does not allow.
CONFLICT = 409

P = ParamSpec("P")
T = TypeVar("T")


def admin_required(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
    """Visitors log in first; a parent without the admin role gets the plain 404 page, so
    the admin area is never advertised to them."""

    @functools.wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        if not logged_in_parent().is_admin:
            raise NotFoundError("page")
        return view(*args, **kwargs)

    return login_required(guarded)


def render(template: str, status: int = 200, **context: Any) -> ResponseReturnValue:
    """An admin page; the layout shows a banner on every page while the kill switch is on."""
    switch = flags.get_kill_switch(edge.db())
    return (
        render_template(template, kill_switch=switch, language_names=NATIVE_NAMES, **context),
        status,
    )


def actor() -> str:
    """Who the audit log names for a change made on these pages."""
    return logged_in_parent().email


@blueprint.app_template_filter("admin_time")
def format_time(value: datetime | None) -> str:
    """An instant as the audit log and the pages show it: UTC to the minute."""
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@blueprint.app_template_filter("say")
def say_filter(message: Sayable) -> str:
    """A sentence made in Python (`msg(...)`), in the request's language."""
    return say(message)


@blueprint.app_template_filter("admin_json")
def compact_json(value: object) -> str:
    """A before/after value of the audit log on one line."""
    if value is None:
        return "—"
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """What became of a change: its result, or the status the page answers and the
    refusal's message (a conflict's, or any refusal's when there was no form to show it)."""

    value: T | None = None
    status: int = 200
    message: str = ""

    @property
    def done(self) -> bool:
        return self.status == 200


def commit_change(
    change: Callable[[Session], T], form: Any | None = None, rows: Sequence[int] = ()
) -> Outcome[T]:
    """Run one service change in the request's unit of work and commit it. A refusal rolls
    it back and shows on `form`: invalid fields (422) next to their fields, a conflict with
    the current state (409) next to the field it names or among the form's own errors, and
    its message comes back too, for a page that shows it elsewhere. Any other service error
    goes on to the error page. `rows` maps request variant indexes to form rows."""
    session = edge.db()
    try:
        value = change(session)
    except (InvalidFieldsError, ConflictError) as error:
        session.rollback()
        return _refused(error, form, rows)
    session.commit()
    return Outcome(value)


def _refused(
    error: InvalidFieldsError | ConflictError, form: Any | None, rows: Sequence[int]
) -> Outcome[Any]:
    field: str | None = getattr(error, "field", None)
    detail = getattr(error, "detail", None)  # a refusal's sentence, said in the language
    said = say(detail) if isinstance(detail, Message | Localized) else str(error)
    if isinstance(error, InvalidFieldsError):
        status, errors = INVALID, forms.domain_errors(error.errors)
    elif field is not None:
        status, errors = INVALID, [((field,), said)]
    else:
        status, errors = CONFLICT, [((), said)]
    if form is None:
        return Outcome(status=status, message=said)
    forms.show_errors(form, errors, rows)
    return Outcome(status=status, message=said if status == CONFLICT else "")
