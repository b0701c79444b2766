"""Pairing codes, devices and the teen's app side: pairing, checks and acks."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field

from alertsvc import metrics
from alertsvc.api.auth import bearer_token, guard_failures, note_failure, require_parent
from alertsvc.api.io import (
    Doc,
    Instant,
    documented,
    json_response,
    no_content,
    parse_json,
)
from alertsvc.api.owned import owned_teen
from alertsvc.domain.message import msg
from alertsvc.domain.state import AckAction
from alertsvc.http import edge
from alertsvc.http.problems import PROBLEM_TYPE_BASE, Problem, not_found
from alertsvc.i18n import best_language
from alertsvc.services import check as check_service
from alertsvc.services import nudges, pairing
from alertsvc.services.check import CheckAnswer

blueprint = Blueprint("api_devices", __name__)

INVALID_CODE_TYPE = PROBLEM_TYPE_BASE + "invalid-pairing-code"  # the same in every language
INVALID_CODE_TITLE = msg("Invalid pairing code")
INVALID_CODE_DETAIL = msg(
    "This code is unknown, already used or expired. Ask a parent for a new one."
)


class PairingCodeOut(BaseModel):
    model_config = ConfigDict(title="PairingCode", from_attributes=True)

    code: str
    expires_at: Instant


class DeviceOut(BaseModel):
    model_config = ConfigDict(title="Device", from_attributes=True)

    id: str
    platform: str
    paired_at: Instant
    last_seen_at: Instant | None


class PairIn(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Pairing")

    pairing_code: str = Field(min_length=1, max_length=32)
    platform: Literal["ios", "android", "web"]
    locale: str | None = Field(
        default=None,
        description="The language the teen reads (BCP 47, e.g. `es-MX`): the device's checks "
        "use it when a request has no Accept-Language",
        examples=["es-MX"],
    )


class PairedOut(BaseModel):
    model_config = ConfigDict(title="PairedDevice", from_attributes=True)

    device_id: str
    device_token: str


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid", title="CheckRequest")

    # Real offsets run from -12:00 to +14:00; anything else is a broken client.
    utc_offset_minutes: int | None = Field(default=None, ge=-16 * 60, le=16 * 60)


class NudgeCopyOut(BaseModel):
    model_config = ConfigDict(title="NudgeCopy")

    id: str
    title: str
    body: str


class Span(BaseModel):
    model_config = ConfigDict(title="Window")

    start: Instant
    end: Instant


class ExperimentRef(BaseModel):
    model_config = ConfigDict(title="ExperimentRef")

    key: str
    variant: str


class CheckOut(BaseModel):
    model_config = ConfigDict(title="CheckResult")

    nudge: NudgeCopyOut | None
    reason: str
    explanation: str
    window: Span | None
    next_check_at: Instant
    experiment: ExperimentRef | None
    schedule_version: int | None

    @classmethod
    def of(cls, answer: CheckAnswer) -> CheckOut:
        decision, arm = answer.decision, answer.arm
        nudge, window = decision.nudge, decision.window
        return cls(
            nudge=(
                NudgeCopyOut(id=answer.nudge_id, title=answer.title or "", body=answer.body or "")
                if nudge is not None and answer.nudge_id is not None
                else None
            ),
            reason=decision.reason.value,
            explanation=answer.explanation,
            window=Span(start=window.start, end=window.end) if window is not None else None,
            next_check_at=decision.next_check_at,
            experiment=(
                ExperimentRef(key=arm.experiment_key, variant=arm.variant_key)
                if arm is not None
                else None
            ),
            schedule_version=answer.schedule_version,
        )


class AckIn(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Ack")

    action: AckAction
    comment: str | None = Field(default=None, max_length=500)


@blueprint.post("/v1/teens/<teen_id>/pairing-codes")
@documented(
    Doc(
        "Create a single-use pairing code (15 minutes)",
        auth="parent",
        responses={201: PairingCodeOut},
        tags=("devices",),
    )
)
def create_pairing_code(teen_id: str) -> ResponseReturnValue:
    teen = owned_teen(require_parent(), teen_id)
    session = edge.db()
    issued = pairing.issue_code(session, teen.id, edge.now())
    session.commit()
    return json_response(PairingCodeOut.model_validate(issued), 201)


@blueprint.get("/v1/teens/<teen_id>/devices")
@documented(
    Doc(
        "List the teen's paired devices",
        auth="parent",
        responses={200: list[DeviceOut]},
        tags=("devices",),
    )
)
def list_devices(teen_id: str) -> ResponseReturnValue:
    teen = owned_teen(require_parent(), teen_id)
    devices = pairing.list_devices(edge.db(), teen.id)
    return json_response([DeviceOut.model_validate(device) for device in devices])


@blueprint.delete("/v1/teens/<teen_id>/devices/<device_id>")
@documented(
    Doc(
        "Revoke a device; its token stops working at once",
        auth="parent",
        responses={204: None},
        tags=("devices",),
    )
)
def revoke_device(teen_id: str, device_id: str) -> ResponseReturnValue:
    teen = owned_teen(require_parent(), teen_id)
    session = edge.db()
    if not pairing.revoke_device(session, teen.id, device_id):
        raise not_found("device")
    session.commit()
    return no_content()


@blueprint.post("/v1/devices")
@documented(
    Doc(
        "Pair the teen's app with a code",
        body=PairIn,
        responses={201: PairedOut},
        tags=("devices",),
    )
)
def pair_device() -> ResponseReturnValue:
    data = parse_json(PairIn)
    keys = guard_failures("pairing")
    session = edge.db()
    # A new device answers in the language it asked for, unless its request says otherwise
    # (an unsupported `locale` is a 422 naming it, said in the request's language).
    edge.speak(best_language((*edge.accepted_languages(), data.locale)))
    try:
        paired = pairing.pair_device(
            session, data.pairing_code, data.platform, edge.now(), data.locale
        )
    except pairing.InvalidCodeError:
        session.rollback()
        note_failure(keys)
        raise Problem(
            400, INVALID_CODE_TITLE, INVALID_CODE_DETAIL, type_=INVALID_CODE_TYPE
        ) from None
    session.commit()
    return json_response(PairedOut.model_validate(paired), 201)


@blueprint.post("/v1/check")
@documented(
    Doc(
        "Should the app remind the teen now?",
        auth="device",
        body=CheckIn,
        responses={200: CheckOut},
        tags=("check",),
    )
)
def check() -> ResponseReturnValue:
    data = parse_json(CheckIn, allow_empty=True)
    unit = check_service.CheckUnit(edge.reader(), edge.db, edge.check_limiter())
    answer = check_service.check(
        unit, bearer_token(), data.utc_offset_minutes, edge.now(), edge.accepted_languages()
    )
    edge.speak(answer.language)
    return json_response(CheckOut.of(answer))


@blueprint.post("/v1/nudges/<nudge_id>/ack")
@documented(
    Doc(
        "Acknowledge a nudge (idempotent per action)",
        auth="device",
        body=AckIn,
        responses={204: None},
        tags=("check",),
    )
)
def ack(nudge_id: str) -> ResponseReturnValue:
    data = parse_json(AckIn)
    session = edge.db()
    nudges.acknowledge(session, bearer_token(), nudge_id, data.action, data.comment, edge.now())
    session.commit()
    metrics.ACKS.labels(data.action.value).inc()
    return no_content()
