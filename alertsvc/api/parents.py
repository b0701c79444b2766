"""Sign-up, API tokens and the profile of parents (the name their teens see)."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import Blueprint
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from alertsvc.api.auth import require_parent
from alertsvc.api.io import Doc, documented, json_response, parse_json
from alertsvc.http import attempts, edge
from alertsvc.services import accounts, profiles
from alertsvc.services.inputs.accounts import Credentials, SignUp

blueprint = Blueprint("api_parents", __name__)


class ParentOut(BaseModel):
    model_config = ConfigDict(title="Parent")

    id: str
    email: str


class TokenOut(BaseModel):
    model_config = ConfigDict(title="Token")

    token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a scheme name


class ParentProfileOut(BaseModel):
    model_config = ConfigDict(title="ParentProfile", from_attributes=True)

    id: str
    email: str
    name: str = Field(description="What the parent's teens see; default: the email before @")
    language: str | None = Field(
        default=None,
        description="The pages' language the parent picked (BCP 47, e.g. `de`, `pt-BR`); "
        "null: the browser's Accept-Language",
    )


class ParentNameIn(BaseModel):
    model_config = ConfigDict(extra="forbid", title="ParentProfileChange")

    name: (
        Annotated[
            str,
            StringConstraints(
                strip_whitespace=True, min_length=1, max_length=profiles.NAME_MAX_LENGTH
            ),
        ]
        | None
    ) = Field(default=None, description="The name the parent's teens see")
    language: str | None = Field(
        default=None,
        max_length=35,
        description="The pages' language (BCP 47: en, es, fr, de, pt-BR, ja, ar, or a "
        "regional form such as en-GB); 422 naming `language` when we do not speak it",
    )


@blueprint.post("/v1/parents")
@documented(Doc("Sign up as a parent", body=SignUp, responses={201: ParentOut}, tags=("parents",)))
def sign_up() -> ResponseReturnValue:
    data = parse_json(SignUp)
    session = edge.db()
    identity = accounts.register_parent(
        session, data.email, data.password, edge.now(), passwords=edge.runtime().passwords
    )
    session.commit()
    return json_response(ParentOut(id=identity.parent_id, email=identity.email), 201)


@blueprint.post("/v1/auth/token")
@documented(
    Doc(
        "Exchange email and password for a bearer token",
        body=Credentials,
        responses={200: TokenOut},
        problems=(401,),
        tags=("parents",),
    )
)
def issue_token() -> ResponseReturnValue:
    data = parse_json(Credentials)
    identity = attempts.authenticate(data.email, data.password)
    session = edge.db()
    token = accounts.issue_token(session, identity.parent_id, "api", edge.now())
    session.commit()
    return json_response(TokenOut(token=token))


@blueprint.get("/v1/parents/me")
@documented(
    Doc(
        "The caller's account and the name their teens see",
        auth="parent",
        responses={200: ParentProfileOut},
        tags=("parents",),
    )
)
def my_profile() -> ResponseReturnValue:
    identity = require_parent()
    profile = profiles.get_profile(edge.db(), identity.parent_id)
    return json_response(ParentProfileOut.model_validate(profile))


@blueprint.patch("/v1/parents/me")
@documented(
    Doc(
        "Set the display name the caller's teens see, and the pages' language",
        auth="parent",
        body=ParentNameIn,
        responses={200: ParentProfileOut},
        tags=("parents",),
    )
)
def rename() -> ResponseReturnValue:
    identity = require_parent()
    data = parse_json(ParentNameIn)
    session = edge.db()
    profile = profiles.change(session, identity.parent_id, data.name, data.language)
    session.commit()
    return json_response(ParentProfileOut.model_validate(profile))
