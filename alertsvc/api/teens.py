"""Teens and their guardians (SPEC §5). Another family's teen is a 404 on every route."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue
from pydantic import BaseModel

from alertsvc.api.auth import require_parent
from alertsvc.api.io import Doc, documented, json_response, no_content, parse_json
from alertsvc.api.owned import owned_teen
from alertsvc.http import edge
from alertsvc.services import teens
from alertsvc.services.inputs.teens import GuardianIn, TeenIn, TeenPatchIn
from alertsvc.services.teens import Guardian, TeenView

blueprint = Blueprint("api_teens", __name__)


class TeenOut(BaseModel):
    id: str
    nickname: str
    timezone: str
    country: str | None
    subdivision: str | None

    @classmethod
    def of(cls, teen: TeenView) -> TeenOut:
        return cls(
            id=teen.id,
            nickname=teen.nickname,
            timezone=teen.timezone,
            country=teen.country,
            subdivision=teen.subdivision,
        )


class GuardianOut(BaseModel):
    teen_id: str
    parent_id: str
    email: str

    @classmethod
    def of(cls, guardian: Guardian) -> GuardianOut:
        return cls(teen_id=guardian.teen_id, parent_id=guardian.parent_id, email=guardian.email)


@blueprint.post("/v1/teens")
@documented(
    Doc(
        "Add a teen; the caller becomes a guardian",
        auth="parent",
        body=TeenIn,
        responses={201: TeenOut},
        tags=("teens",),
    )
)
def create_teen() -> ResponseReturnValue:
    identity = require_parent()
    data = parse_json(TeenIn)
    session = edge.db()
    teen = teens.create_teen(session, identity.parent_id, **data.model_dump(), now=edge.now())
    session.commit()
    return json_response(TeenOut.of(teen), 201)


@blueprint.get("/v1/teens")
@documented(
    Doc("The caller's teens", auth="parent", responses={200: list[TeenOut]}, tags=("teens",))
)
def list_teens() -> ResponseReturnValue:
    identity = require_parent()
    found = teens.teens_of_parent(edge.db(), identity.parent_id)
    return json_response([TeenOut.of(teen) for teen in found])


@blueprint.get("/v1/teens/<teen_id>")
@documented(Doc("One teen", auth="parent", responses={200: TeenOut}, tags=("teens",)))
def get_teen(teen_id: str) -> ResponseReturnValue:
    return json_response(TeenOut.of(owned_teen(require_parent(), teen_id)))


@blueprint.patch("/v1/teens/<teen_id>")
@documented(
    Doc(
        "Change some of a teen's fields",
        auth="parent",
        body=TeenPatchIn,
        responses={200: TeenOut},
        tags=("teens",),
    )
)
def update_teen(teen_id: str) -> ResponseReturnValue:
    teen = owned_teen(require_parent(), teen_id)
    data = parse_json(TeenPatchIn)
    session = edge.db()
    updated = teens.update_teen(session, teen, data.changes())
    session.commit()
    return json_response(TeenOut.of(updated))


@blueprint.delete("/v1/teens/<teen_id>")
@documented(
    Doc(
        "Delete the teen and everything stored about it",
        auth="parent",
        responses={204: None},
        tags=("teens",),
    )
)
def delete_teen(teen_id: str) -> ResponseReturnValue:
    teen = owned_teen(require_parent(), teen_id)
    session = edge.db()
    teens.delete_teen(session, teen)
    session.commit()
    return no_content()


@blueprint.post("/v1/teens/<teen_id>/guardians")
@documented(
    Doc(
        "Make an existing parent a co-guardian (equal rights)",
        auth="parent",
        body=GuardianIn,
        responses={201: GuardianOut},
        tags=("teens",),
    )
)
def add_guardian(teen_id: str) -> ResponseReturnValue:
    teen = owned_teen(require_parent(), teen_id)
    data = parse_json(GuardianIn)
    session = edge.db()
    guardian = teens.add_guardian(session, teen, data.email, edge.now())
    session.commit()
    return json_response(GuardianOut.of(guardian), 201)
