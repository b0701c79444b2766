"""Who am I: the teen's view of what is set for them (device token), and the parent's own
profile, whose display name is what their teens see (parent token)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import orjson
from flask import Blueprint, Response, g
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from alertsvc.api.auth import bearer_token, require_parent
from alertsvc.api.io import Doc, documented, json_response, parse_json, rfc3339
from alertsvc.api.nudges import AckOut, NudgeOut
from alertsvc.api.schedules import PreviewWindowOut
from alertsvc.db.repositories.nudges import AckView, NudgeView
from alertsvc.domain.calendar import local_date, zone_named
from alertsvc.domain.errors import InvalidFieldsError
from alertsvc.domain.schedule import POLICY_BOUNDS, WEEKDAYS, Schedule, format_hhmm
from alertsvc.http import edge
from alertsvc.http.problems import unauthorized, validation_problem
from alertsvc.services import pairing, profiles, teen_view
from alertsvc.services.inputs.schedules import (
    NudgePolicy,
    ScheduleWindow,
    SchoolTerm,
    WeeklyWindows,
)
from alertsvc.services.profiles import NAME_MAX_LENGTH, Profile
from alertsvc.services.schedules import PreviewWindow
from alertsvc.services.teens import TeenNotFoundError

blueprint = Blueprint("api_me", __name__)


class GuardianNameOut(BaseModel):
    model_config = ConfigDict(title="GuardianName")

    name: str = Field(description="The guardian's display name; never an email")


class TeenScheduleOut(BaseModel):
    model_config = ConfigDict(title="TeenSchedule")

    version: int
    updated_at: dt.datetime
    weekly: WeeklyWindows
    term: SchoolTerm | None
    policy: NudgePolicy


class TodayOut(BaseModel):
    model_config = ConfigDict(title="TeenToday")

    date_: dt.date = Field(alias="date")
    school_day: bool
    reason: Literal["weekly_off", "public_holiday", "exception", "outside_term"] | None
    windows: list[PreviewWindowOut]


class RecentReminderOut(BaseModel):
    model_config = ConfigDict(title="TeenReminder")

    id: str
    at: dt.datetime
    reason: str
    explanation: str
    acks: list[AckOut]


class MeOut(BaseModel):
    model_config = ConfigDict(title="TeenView")

    nickname: str
    timezone: str
    guardians: list[GuardianNameOut]
    schedule: TeenScheduleOut | None = Field(description="null until a parent sets one")
    today: TodayOut | None = Field(description="null without a schedule")
    next_window: PreviewWindowOut | None = Field(
        description="The school block in progress, else the next one within 7 days"
    )
    paused_until: dt.datetime | None
    recent: list[RecentReminderOut] = Field(description="This teen's reminders, last 14 days")


class TeenExceptionOut(BaseModel):
    model_config = ConfigDict(title="TeenException")

    first_day: dt.date
    last_day: dt.date
    kind: Literal["no_school", "custom_hours"]
    windows: list[ScheduleWindow]


class TeenDeviceOut(BaseModel):
    model_config = ConfigDict(title="TeenDevice")

    platform: str
    paired_at: dt.datetime
    last_seen_at: dt.datetime | None


class MeExportOut(MeOut):
    model_config = ConfigDict(title="TeenExport")

    exported_at: dt.datetime
    country: str | None
    subdivision: str | None
    reminders: list[NudgeOut] = Field(description="Every reminder still kept, newest first")
    exceptions: list[TeenExceptionOut] = Field(description="Days set differently, no notes")
    devices: list[TeenDeviceOut]


class ParentProfileOut(BaseModel):
    model_config = ConfigDict(title="ParentProfile")

    id: str
    email: str
    name: str = Field(description="What the parent's teens see; default: the email before @")


class ParentNameIn(BaseModel):
    model_config = ConfigDict(extra="forbid", title="ParentName")

    name: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX_LENGTH),
    ]


# --- serialising ---------------------------------------------------------------------------


def _span(window: PreviewWindow | None) -> dict[str, str] | None:
    if window is None:
        return None
    return {
        "start": window.start.isoformat(timespec="seconds"),
        "end": window.end.isoformat(timespec="seconds"),
    }


def _schedule(schedule: Schedule, updated_at: dt.datetime) -> dict[str, Any]:
    term = schedule.term
    return {
        "version": schedule.version,
        "updated_at": rfc3339(updated_at),
        "weekly": {
            name: [{"start": format_hhmm(w.start), "end": format_hhmm(w.end)} for w in day]
            for name, day in zip(WEEKDAYS, schedule.weekly, strict=True)
        },
        "term": None
        if term is None
        else {"first_day": term.first_day.isoformat(), "last_day": term.last_day.isoformat()},
        "policy": {name: getattr(schedule.policy, name) for name in POLICY_BOUNDS},
    }


def _acks(acks: tuple[AckView, ...]) -> list[dict[str, Any]]:
    return [{"action": a.action, "at": rfc3339(a.at), "comment": a.comment} for a in acks]


def _recent(nudge: NudgeView) -> dict[str, Any]:
    return {
        "id": nudge.id,
        "at": rfc3339(nudge.at),
        "reason": nudge.reason,
        "explanation": nudge.explanation,
        "acks": _acks(nudge.acks),
    }


def _reminder(nudge: NudgeView) -> dict[str, Any]:
    return {
        **_recent(nudge),
        "title": nudge.title,
        "body": nudge.body,
        "window": {"start": rfc3339(nudge.window_start), "end": rfc3339(nudge.window_end)},
        "experiment": (
            {"key": nudge.experiment_key, "variant": nudge.variant_key}
            if nudge.experiment_key and nudge.variant_key
            else None
        ),
    }


def me_json(view: teen_view.TeenOverview) -> dict[str, Any]:
    today = view.today
    return {
        "nickname": view.teen.nickname,
        "timezone": view.teen.timezone,
        "guardians": [{"name": name} for name in view.guardians],
        "schedule": (
            _schedule(view.schedule.schedule, view.schedule.updated_at) if view.schedule else None
        ),
        "today": None
        if today is None
        else {
            "date": today.day.isoformat(),
            "school_day": today.school_day,
            "reason": None if today.reason is None else today.reason.value,
            "windows": [_span(w) for w in today.windows],
        },
        "next_window": _span(view.next_window),
        "paused_until": rfc3339(view.paused_until),
        "recent": [_recent(n) for n in view.recent],
    }


def export_json(data: teen_view.TeenExport, now: dt.datetime) -> dict[str, Any]:
    teen = data.overview.teen
    return {
        "exported_at": rfc3339(now),
        **me_json(data.overview),
        "country": teen.country,
        "subdivision": teen.subdivision,
        "reminders": [_reminder(n) for n in data.reminders],
        "exceptions": [
            {
                "first_day": d.first_day.isoformat(),
                "last_day": d.last_day.isoformat(),
                "kind": d.kind,
                "windows": [{"start": start, "end": end} for start, end in d.windows],
            }
            for d in data.days_off
        ],
        "devices": [
            {
                "platform": d.platform,
                "paired_at": rfc3339(d.paired_at),
                "last_seen_at": rfc3339(d.last_seen_at),
            }
            for d in data.devices
        ],
    }


def _profile_json(profile: Profile) -> dict[str, str]:
    return {"id": profile.id, "email": profile.email, "name": profile.name}


# --- routes --------------------------------------------------------------------------------


def _device_teen() -> str:
    """The teen behind the request's device token, or 401 (a revoked device included)."""
    token = bearer_token()
    device = pairing.device_for_token(edge.db(), token) if token else None
    if device is None:
        raise unauthorized()
    g.authenticated = True
    return device.teen_id


@blueprint.get("/v1/me")
@documented(
    Doc(
        "What is set for the teen: guardians' names, schedule, today, pause, recent reminders",
        auth="device",
        responses={200: MeOut},
        tags=("teen",),
    )
)
def me() -> ResponseReturnValue:
    teen_id = _device_teen()
    try:
        view = teen_view.overview(edge.db(), teen_id, edge.now())
    except TeenNotFoundError:
        raise unauthorized() from None
    return json_response(me_json(view))


@blueprint.get("/v1/me/export")
@documented(
    Doc(
        "The teen's own data as a JSON download",
        auth="device",
        responses={200: MeExportOut},
        tags=("teen",),
    )
)
def export() -> ResponseReturnValue:
    teen_id = _device_teen()
    now = edge.now()
    try:
        data = teen_view.export(edge.db(), teen_id, now)
    except TeenNotFoundError:
        raise unauthorized() from None
    day = local_date(now, zone_named(data.overview.teen.timezone)).isoformat()
    return Response(
        orjson.dumps(export_json(data, now), option=orjson.OPT_INDENT_2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="my-school-reminders-{day}.json"'},
    )


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
    return json_response(_profile_json(profiles.get_profile(edge.db(), identity.parent_id)))


@blueprint.patch("/v1/parents/me")
@documented(
    Doc(
        "Set the display name the caller's teens see",
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
    try:
        profile = profiles.rename(session, identity.parent_id, data.name)
    except InvalidFieldsError as exc:
        raise validation_problem(exc.errors) from None
    session.commit()
    return json_response(_profile_json(profile))
