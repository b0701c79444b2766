"""Sign-up and API tokens for parents."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from alertsvc.api.auth import guard_failures, note_failure
from alertsvc.api.io import Doc, documented, json_response, parse_json
from alertsvc.http import edge
from alertsvc.http.problems import conflict, unauthorized
from alertsvc.services import accounts

blueprint = Blueprint("api_parents", __name__)


class SignUp(BaseModel):
    model_config = ConfigDict(extra="forbid", title="SignUp")

    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=10, max_length=1024)


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Credentials")

    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class ParentOut(BaseModel):
    model_config = ConfigDict(title="Parent")

    id: str
    email: str


class TokenOut(BaseModel):
    model_config = ConfigDict(title="Token")

    token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a scheme name


@blueprint.post("/v1/parents")
@documented(Doc("Sign up as a parent", body=SignUp, responses={201: ParentOut}, tags=("parents",)))
def sign_up() -> ResponseReturnValue:
    data = parse_json(SignUp)
    session = edge.db()
    try:
        identity = accounts.register_parent(session, data.email, data.password, edge.now())
    except accounts.EmailTakenError:
        raise conflict("A parent with this email already exists.") from None
    session.commit()
    return json_response(ParentOut(id=identity.parent_id, email=identity.email).model_dump(), 201)


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
    keys = guard_failures("login", data.email)
    session = edge.db()
    identity = accounts.authenticate(session, data.email, data.password)
    if identity is None:
        note_failure(keys)
        raise unauthorized("Wrong email or password.")
    token = accounts.issue_token(session, identity.parent_id, "api", edge.now())
    session.commit()
    return json_response(TokenOut(token=token).model_dump())
