"""Sign-up and API tokens for parents."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict

from alertsvc.api.io import Doc, documented, json_response, parse_json
from alertsvc.http import attempts, edge
from alertsvc.services import accounts
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
