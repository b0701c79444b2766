"""The parent's side of nudges: pause and resume, history, export."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint
from flask.typing import ResponseReturnValue
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from alertsvc.api.auth import require_parent
from alertsvc.api.io import (
    Doc,
    documented,
    json_response,
    no_content,
    parse_json,
    rfc3339,
    validate,
)
from alertsvc.api.owned import owned_teen
from alertsvc.domain.errors import InvalidFieldsError
from alertsvc.http import edge
from alertsvc.http.problems import validation_problem
from alertsvc.services import nudges, privacy

blueprint = Blueprint("api_nudges", __name__)


class PauseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Pause")

    until: AwareDatetime


class PauseOut(BaseModel):
    model_config = ConfigDict(title="PauseState")

    paused_until: datetime


class HistoryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=500)


class AckOut(BaseModel):
    model_config = ConfigDict(title="AckRecord")

    action: str
    at: datetime
    comment: str | None = None


class WindowOut(BaseModel):
    model_config = ConfigDict(title="NudgeWindow")

    start: datetime
    end: datetime


class VariantRef(BaseModel):
    model_config = ConfigDict(title="NudgeExperiment")

    key: str
    variant: str


class NudgeOut(BaseModel):
    model_config = ConfigDict(title="NudgeRecord")

    id: str
    at: datetime
    reason: str
    explanation: str
    title: str
    body: str
    window: WindowOut
    experiment: VariantRef | None
    acks: list[AckOut]


@blueprint.post("/v1/teens/<teen_id>/pause")
@documented(
    Doc(
        "Pause reminders until an instant",
        auth="parent",
        body=PauseIn,
        responses={200: PauseOut},
        tags=("nudges",),
    )
)
def pause(teen_id: str) -> ResponseReturnValue:
    teen = owned_teen(require_parent(), teen_id)
    data = parse_json(PauseIn)
    session = edge.db()
    try:
        nudges.pause(session, teen.id, data.until, edge.now())
    except InvalidFieldsError as exc:
        raise validation_problem(exc.errors) from None
    session.commit()
    return json_response({"paused_until": rfc3339(data.until)})


@blueprint.delete("/v1/teens/<teen_id>/pause")
@documented(Doc("Resume reminders now", auth="parent", responses={204: None}, tags=("nudges",)))
def resume(teen_id: str) -> ResponseReturnValue:
    teen = owned_teen(require_parent(), teen_id)
    session = edge.db()
    nudges.resume(session, teen.id)
    session.commit()
    return no_content()


@blueprint.get("/v1/teens/<teen_id>/nudges")
@documented(
    Doc(
        "The teen's nudges, newest first, with explanations and acks",
        auth="parent",
        query=HistoryQuery,
        responses={200: list[NudgeOut]},
        tags=("nudges",),
    )
)
def history(teen_id: str) -> ResponseReturnValue:
    from flask import request

    teen = owned_teen(require_parent(), teen_id)
    query = validate(HistoryQuery, request.args.to_dict())
    return json_response(
        [
            {
                "id": n.id,
                "at": rfc3339(n.at),
                "reason": n.reason,
                "explanation": n.explanation,
                "title": n.title,
                "body": n.body,
                "window": {"start": rfc3339(n.window_start), "end": rfc3339(n.window_end)},
                "experiment": (
                    {"key": n.experiment_key, "variant": n.variant_key}
                    if n.experiment_key and n.variant_key
                    else None
                ),
                "acks": [
                    {"action": a.action, "at": rfc3339(a.at), "comment": a.comment} for a in n.acks
                ],
            }
            for n in nudges.history(edge.db(), teen.id, query.limit)
        ]
    )


@blueprint.get("/v1/teens/<teen_id>/export")
@documented(
    Doc(
        "Everything stored about the teen, as JSON",
        auth="parent",
        responses={200: dict[str, list[dict[str, object]]]},
        tags=("privacy",),
    )
)
def export(teen_id: str) -> ResponseReturnValue:
    teen = owned_teen(require_parent(), teen_id)
    return json_response(privacy.export_teen(edge.db(), teen.id))
