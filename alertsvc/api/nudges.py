"""The parent's side of nudges: pause and resume, history, export."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from alertsvc.api.auth import require_parent
from alertsvc.api.io import (
    Doc,
    Instant,
    documented,
    json_response,
    no_content,
    parse_json,
    validate,
)
from alertsvc.api.owned import owned_teen
from alertsvc.db.repositories.nudges import NudgeView
from alertsvc.http import edge
from alertsvc.services import nudges, privacy

blueprint = Blueprint("api_nudges", __name__)


class PauseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Pause")

    until: AwareDatetime


class PauseOut(BaseModel):
    model_config = ConfigDict(title="PauseState")

    paused_until: Instant


class HistoryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=500)


class AckOut(BaseModel):
    model_config = ConfigDict(title="AckRecord", from_attributes=True)

    action: str
    at: Instant
    comment: str | None = None


class WindowOut(BaseModel):
    model_config = ConfigDict(title="NudgeWindow")

    start: Instant
    end: Instant


class VariantRef(BaseModel):
    model_config = ConfigDict(title="NudgeExperiment")

    key: str
    variant: str


class NudgeOut(BaseModel):
    model_config = ConfigDict(title="NudgeRecord")

    id: str
    at: Instant
    reason: str
    explanation: str
    title: str
    body: str
    window: WindowOut
    experiment: VariantRef | None
    acks: list[AckOut]

    @classmethod
    def of(cls, nudge: NudgeView) -> NudgeOut:
        experiment = None
        if nudge.experiment_key and nudge.variant_key:
            experiment = VariantRef(key=nudge.experiment_key, variant=nudge.variant_key)
        return cls(
            id=nudge.id,
            at=nudge.at,
            reason=nudge.reason,
            explanation=nudge.explanation,
            title=nudge.title,
            body=nudge.body,
            window=WindowOut(start=nudge.window_start, end=nudge.window_end),
            experiment=experiment,
            acks=[AckOut.model_validate(ack) for ack in nudge.acks],
        )


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
    nudges.pause(session, teen.id, data.until, edge.now())
    session.commit()
    return json_response(PauseOut(paused_until=data.until))


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
    teen = owned_teen(require_parent(), teen_id)
    query = validate(HistoryQuery, request.args.to_dict())
    views = nudges.history(edge.db(), teen.id, query.limit)
    return json_response([NudgeOut.of(view) for view in views])


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
