"""Pages for everyone: the landing page, and the language picker's target."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from alertsvc.domain.message import msg
from alertsvc.http import edge
from alertsvc.i18n import language, supported_tag
from alertsvc.services import profiles
from alertsvc.web import languages
from alertsvc.web.errors import Refusal, run
from alertsvc.web.session import current_parent, safe_next

blueprint = Blueprint("public", __name__)


@blueprint.get("/")
def landing() -> ResponseReturnValue:
    """What the service does, and the way in."""
    return render_template("landing.html")


@blueprint.post("/language")
def choose_language() -> ResponseReturnValue:
    """The picker: store the language on the account (signed in) and in this browser, then
    go back to the page it was picked on. An empty choice goes back to the browser's own."""
    typed = (request.form.get("language") or "").strip()
    tag = supported_tag(typed)
    target = safe_next(request.form.get("next")) or url_for("public.landing")
    if typed and tag is None:
        flash(languages.say(msg("We do not have that language yet.")), "info")
        return redirect(target, 303)
    parent = current_parent()
    if parent is not None:
        stored = run(lambda: profiles.choose_language(edge.db(), parent.parent_id, tag))
        if isinstance(stored, Refusal):  # pragma: no cover - the tag was checked above
            return redirect(target, 303)
    if tag is not None:
        edge.speak(language(tag))
    response = redirect(target, 303)
    languages.remember(response, tag)
    return response
