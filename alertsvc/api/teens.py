"""Teens and their guardians (SPEC §5). Another family's teen is a 404 on every route."""

from __future__ import annotations

from typing import Annotated

from flask import Blueprint, Response
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from alertsvc.api.auth import require_parent
from alertsvc.api.io import Doc, documented, json_response, no_content, parse_json
from alertsvc.api.owned import owned_teen
from alertsvc.domain.errors import InvalidFieldsError
from alertsvc.http import edge
from alertsvc.http.problems import conflict, not_found, validation_problem
from alertsvc.services import teens
from alertsvc.services.teens import TeenView

blueprint = Blueprint("api_teens", __name__)

Nickname = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
ZoneName = Annotated[
    str, Field(min_length=1, max_length=64, description="IANA name, e.g. America/New_York")
]
CountryCode = Annotated[
    str, Field(min_length=1, max_length=8, description="ISO 3166-1 alpha-2, e.g. US")
]
SubdivisionCode = Annotated[
    str, Field(min_length=1, max_length=16, description="ISO 3166-2 code part, e.g. CA")
]


class TeenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nickname: Nickname
    timezone: ZoneName
    country: CountryCode | None = None
    subdivision: SubdivisionCode | None = None


class TeenPatchIn(BaseModel):
    """Only the fields sent are changed; `country`/`subdivision` may be set to null."""

    model_config = ConfigDict(extra="forbid")

    nickname: Nickname | None = None
    timezone: ZoneName | None = None
    country: CountryCode | None = None
    subdivision: SubdivisionCode | None = None


class TeenOut(BaseModel):
    id: str
    nickname: str
    timezone: str
    country: str | None
    subdivision: str | None


class GuardianIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=254)


class GuardianOut(BaseModel):
    teen_id: str
    parent_id: str
    email: str


def service_problem(exc: Exception) -> Response:
    """Answer for the errors services raise (shared with the schedule routes)."""
    if isinstance(exc, InvalidFieldsError):
        return validation_problem(exc.errors).response()
    if isinstance(exc, teens.NotFoundError):
        return not_found(exc.what).response()
    raise exc  # pragma: no cover - registered only for the two types above


blueprint.register_error_handler(InvalidFieldsError, service_problem)
blueprint.register_error_handler(teens.NotFoundError, service_problem)


def teen_json(teen: TeenView) -> dict[str, str | None]:
    return TeenOut(
        id=teen.id,
        nickname=teen.nickname,
        timezone=teen.timezone,
        country=teen.country,
        subdivision=teen.subdivision,
    ).model_dump()


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
    teen = teens.create_teen(
        session,
        identity.parent_id,
        nickname=data.nickname,
        timezone=data.timezone,
        country=data.country,
        subdivision=data.subdivision,
        now=edge.now(),
    )
    session.commit()
    return json_response(teen_json(teen), 201)


@blueprint.get("/v1/teens")
@documented(
    Doc("The caller's teens", auth="parent", responses={200: list[TeenOut]}, tags=("teens",))
)
def list_teens() -> ResponseReturnValue:
    identity = require_parent()
    return json_response(
        [teen_json(t) for t in teens.teens_of_parent(edge.db(), identity.parent_id)]
    )


@blueprint.get("/v1/teens/<teen_id>")
@documented(Doc("One teen", auth="parent", responses={200: TeenOut}, tags=("teens",)))
def get_teen(teen_id: str) -> ResponseReturnValue:
    return json_response(teen_json(owned_teen(require_parent(), teen_id)))


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
    updated = teens.update_teen(session, teen, data.model_dump(include=data.model_fields_set))
    session.commit()
    return json_response(teen_json(updated))


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
    try:
        guardian = teens.add_guardian(session, teen, data.email, edge.now())
    except teens.AlreadyGuardianError:
        raise conflict("This parent is already a guardian of the teen.") from None
    session.commit()
    body = GuardianOut(teen_id=guardian.teen_id, parent_id=guardian.parent_id, email=guardian.email)
    return json_response(body.model_dump(), 201)
