"""Privacy: download everything stored about a teen, or delete it all."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from alertsvc.domain.message import msg
from alertsvc.http import edge
from alertsvc.services import privacy, teens
from alertsvc.web.errors import INVALID, run
from alertsvc.web.languages import say
from alertsvc.web.parent.common import owned_teen
from alertsvc.web.session import login_required

blueprint = Blueprint("parent_privacy", __name__)


@blueprint.get("/teens/<teen_id>/privacy", endpoint="privacy")
@login_required
def privacy_page(teen_id: str) -> ResponseReturnValue:
    """What is stored, the export link and the delete form."""
    teen = owned_teen(teen_id)
    return render_template("parent/privacy.html", teen=teen, errors={}, typed="")


@blueprint.get("/teens/<teen_id>/export.json")
@login_required
def export(teen_id: str) -> ResponseReturnValue:
    """Everything stored about the teen, as a JSON file download (the API's export)."""
    teen = owned_teen(teen_id)
    body = json.dumps(privacy.export_teen(edge.db(), teen.id), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="alertsvc-{teen.id}.json"'},
    )


@blueprint.post("/teens/<teen_id>/delete")
@login_required
def delete(teen_id: str) -> ResponseReturnValue:
    """Delete the teen and everything about it, once the nickname is typed to confirm."""
    teen = owned_teen(teen_id)
    typed = request.form.get("confirm", "")
    if typed.strip() != teen.nickname:
        refused = msg(
            "Type %(nickname)s exactly to confirm. Nothing was deleted.", nickname=teen.nickname
        )
        errors = {"confirm": say(refused)}
        return render_template(
            "parent/privacy.html", teen=teen, errors=errors, typed=typed
        ), INVALID
    run(lambda: teens.delete_teen(edge.db(), teen))
    deleted = msg(
        "%(nickname)s and everything stored about them is deleted.", nickname=teen.nickname
    )
    flash(say(deleted), "success")
    return redirect(url_for("parent_home.home"))
