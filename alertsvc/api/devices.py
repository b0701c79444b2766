"""Pairing codes, devices and the teen's app side: pairing, checks and acks."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Literal

from flask import Blueprint
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field

from alertsvc import metrics
from alertsvc.api.auth import bearer_token, guard_failures, note_failure, require_parent
from alertsvc.api.io import Doc, documented, json_response, no_content, parse_json, rfc3339
from alertsvc.api.owned import owned_teen
from alertsvc.domain.decision import AckAction
from alertsvc.http import edge
from alertsvc.http.problems import Problem, not_found, too_many, unauthorized
from alertsvc.services import check as check_service
from alertsvc.services import experiments, nudges, pairing
from alertsvc.services.check import CheckResult

blueprint = Blueprint("api_devices", __name__)


class PairingCodeOut(BaseModel):
    model_config = ConfigDict(title="PairingCode")

    code: str
    expires_at: datetime


class DeviceOut(BaseModel):
    model_config = ConfigDict(title="Device")

    id: str
    platform: str
    paired_at: datetime
    last_seen_at: datetime | None


class PairIn(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Pairing")

    pairing_code: str = Field(min_length=1, max_length=32)
    platform: Literal["ios", "android", "web"]


class PairedOut(BaseModel):
    model_config = ConfigDict(title="PairedDevice")

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

    start: datetime
    end: datetime


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
    next_check_at: datetime
    experiment: ExperimentRef | None
    schedule_version: int | None


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
    return json_response({"code": issued.code, "expires_at": rfc3339(issued.expires_at)}, 201)


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
    return json_response(
        [
            {
                "id": d.id,
                "platform": d.platform,
                "paired_at": rfc3339(d.paired_at),
                "last_seen_at": rfc3339(d.last_seen_at),
            }
            for d in pairing.list_devices(edge.db(), teen.id)
        ]
    )


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
    try:
        paired = pairing.pair_device(session, data.pairing_code, data.platform, edge.now())
    except pairing.InvalidCodeError:
        session.rollback()
        note_failure(keys)
        raise Problem(
            400,
            "Invalid pairing code",
            "This code is unknown, already used or expired. Ask a parent for a new one.",
        ) from None
    session.commit()
    return json_response({"device_id": paired.device_id, "device_token": paired.device_token}, 201)


def _check_body(result: CheckResult) -> dict[str, object]:
    decision = result.decision
    nudge = decision.nudge
    window = decision.window
    return {
        "nudge": (
            {"id": result.nudge_id, "title": nudge.title, "body": nudge.body} if nudge else None
        ),
        "reason": decision.reason.value,
        "explanation": decision.explanation,
        "window": (
            {"start": rfc3339(window.start), "end": rfc3339(window.end)} if window else None
        ),
        "next_check_at": rfc3339(decision.next_check_at),
        "experiment": (
            {"key": result.arm.experiment_key, "variant": result.arm.variant_key}
            if result.arm
            else None
        ),
        "schedule_version": result.schedule_version,
    }


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
    started = time.perf_counter()
    data = parse_json(CheckIn, allow_empty=True)
    token = bearer_token()
    reader = edge.reader()
    subject = check_service.find_subject(reader, token) if token else None
    if subject is None:
        raise unauthorized()
    now = edge.now()
    wait = edge.check_limiter().retry_after(subject.device_id, now)
    if wait is not None:
        raise too_many(wait)
    result = check_service.answer_check(
        reader,
        edge.db,
        subject,
        now=now,
        device_offset_minutes=data.utc_offset_minutes,
        kill_switch=subject.kill_switch,
        arm=experiments.arm_for_teen(
            reader,
            subject.teen_id,
            subject.place.country,
            subject.place.timezone,
            now,
            version=subject.experiments_version,
            exposures=subject.exposures,
        ),
    )
    if result.new_nudge:
        edge.db().commit()
        metrics.NUDGES.inc()
    elif result.nudge_id:
        metrics.REDELIVERIES.inc()
    metrics.CHECKS.labels(result.decision.reason.value).inc()
    metrics.CHECK_LATENCY.observe(time.perf_counter() - started)
    return json_response(_check_body(result))


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
    token = bearer_token()
    session = edge.db()
    device = pairing.device_for_token(session, token) if token else None
    if device is None:
        raise unauthorized()
    if not nudges.record_ack(
        session,
        teen_id=device.teen_id,
        nudge_id=nudge_id,
        action=data.action.value,
        comment=data.comment,
        now=edge.now(),
    ):
        raise not_found("nudge")
    session.commit()
    metrics.ACKS.labels(data.action.value).inc()
    return no_content()
