"""Operations: the kill switch and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field

from alertsvc.api.admin.blueprint import TAGS, blueprint
from alertsvc.api.auth import require_admin
from alertsvc.api.io import Doc, documented, json_response, parse_json, validate
from alertsvc.http import edge
from alertsvc.services import audit, flags
from alertsvc.services.audit import AuditRecord
from alertsvc.services.flags import KillSwitch
from alertsvc.services.inputs.experiments import KillSwitchIn


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", title="AuditQuery")

    limit: int = Field(50, ge=1, le=audit.MAX_LIMIT)


class KillSwitchOut(BaseModel):
    model_config = ConfigDict(title="KillSwitch")

    enabled: bool
    reason: str
    updated_at: datetime | None
    updated_by: str | None

    @classmethod
    def of(cls, switch: KillSwitch) -> KillSwitchOut:
        return cls(
            enabled=switch.enabled,
            reason=switch.reason,
            updated_at=switch.updated_at,
            updated_by=switch.updated_by,
        )


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(title="AuditEntry")

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @classmethod
    def of(cls, entry: AuditRecord) -> AuditEntryOut:
        return cls(
            id=entry.id,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            target=entry.target,
            before=entry.before,
            after=entry.after,
        )


@blueprint.get("/v1/admin/kill-switch")
@documented(
    Doc("The operator kill switch", auth="admin", responses={200: KillSwitchOut}, tags=TAGS)
)
def get_kill_switch() -> ResponseReturnValue:
    require_admin()
    switch = flags.get_kill_switch(edge.db())
    return json_response(KillSwitchOut.of(switch))


@blueprint.put("/v1/admin/kill-switch")
@documented(
    Doc(
        "Turn the kill switch on or off; while on, every check answers `disabled`",
        auth="admin",
        body=KillSwitchIn,
        responses={200: KillSwitchOut},
        tags=TAGS,
    )
)
def put_kill_switch() -> ResponseReturnValue:
    identity = require_admin()
    data = parse_json(KillSwitchIn)
    session = edge.db()
    switch = flags.set_kill_switch(session, data.enabled, data.reason, identity.email, edge.now())
    session.commit()
    return json_response(KillSwitchOut.of(switch))


@blueprint.get("/v1/admin/audit")
@documented(
    Doc(
        "The audit log, newest first: every admin and automatic change",
        auth="admin",
        query=AuditQuery,
        responses={200: list[AuditEntryOut]},
        tags=TAGS,
    )
)
def list_audit() -> ResponseReturnValue:
    require_admin()
    query = validate(AuditQuery, request.args.to_dict())
    entries = audit.list_audit(edge.db(), query.limit)
    return json_response([AuditEntryOut.of(e) for e in entries])
