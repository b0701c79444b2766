"""Who am I, for the teen's app: what is set for the teen, the device's language and their own
data's export (device token). Answers are in the request's Accept-Language, else the language
stored on the device, else English."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from flask import Blueprint
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from alertsvc.api.auth import bearer_token
from alertsvc.api.io import Doc, Instant, documented, json_response, parse_json
from alertsvc.api.nudges import AckOut, NudgeOut
from alertsvc.api.schedules import PreviewWindowOut, ScheduleOut
from alertsvc.db.repositories.exceptions import DayOff
from alertsvc.db.repositories.nudges import NudgeView
from alertsvc.db.repositories.schedules import StampedSchedule
from alertsvc.domain.schedule import format_hhmm
from alertsvc.http import edge
from alertsvc.i18n import best_language
from alertsvc.services import pairing, teen_view
from alertsvc.services.inputs.schedules import (
    NudgePolicy,
    ScheduleWindow,
    SchoolTerm,
    WeeklyWindows,
)
from alertsvc.services.pairing import DeviceIdentity, DeviceView
from alertsvc.services.schedules import PreviewWindow

blueprint = Blueprint("api_me", __name__)


def _window(window: PreviewWindow | None) -> PreviewWindowOut | None:
    return None if window is None else PreviewWindowOut.of(window)


class GuardianNameOut(BaseModel):
    model_config = ConfigDict(title="GuardianName")

    name: str = Field(description="The guardian's display name; never an email")


class TeenScheduleOut(BaseModel):
    model_config = ConfigDict(title="TeenSchedule")

    version: int
    updated_at: Instant
    weekly: WeeklyWindows
    term: SchoolTerm | None
    policy: NudgePolicy

    @classmethod
    def of(cls, stored: StampedSchedule) -> TeenScheduleOut:
        schedule = ScheduleOut.of(stored.schedule)
        return cls(
            version=schedule.version,
            updated_at=stored.updated_at,
            weekly=schedule.weekly,
            term=schedule.term,
            policy=schedule.policy,
        )


class TodayOut(BaseModel):
    model_config = ConfigDict(title="TeenToday", populate_by_name=True)

    date_: dt.date = Field(alias="date")
    school_day: bool
    reason: Literal["weekly_off", "public_holiday", "exception", "outside_term"] | None
    windows: list[PreviewWindowOut]

    @classmethod
    def of(cls, today: teen_view.TeenDay) -> TodayOut:
        return cls(
            date_=today.day,
            school_day=today.school_day,
            reason=None if today.reason is None else today.reason.value,
            windows=[PreviewWindowOut.of(w) for w in today.windows],
        )


class RecentReminderOut(BaseModel):
    model_config = ConfigDict(title="TeenReminder")

    id: str
    at: Instant
    reason: str
    explanation: str
    acks: list[AckOut]

    @classmethod
    def of(cls, nudge: NudgeView) -> RecentReminderOut:
        return cls(
            id=nudge.id,
            at=nudge.at,
            reason=nudge.reason,
            explanation=nudge.explanation,
            acks=[AckOut.model_validate(ack) for ack in nudge.acks],
        )


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
    paused_until: Instant | None
    recent: list[RecentReminderOut] = Field(description="This teen's reminders, last 14 days")
    locale: str | None = Field(
        description="The language picked on this device (BCP 47), null when none is: its "
        "answers then follow Accept-Language"
    )

    @classmethod
    def of(cls, view: teen_view.TeenOverview) -> MeOut:
        return cls(**_overview_fields(view))


def _overview_fields(view: teen_view.TeenOverview) -> dict[str, object]:
    return {
        "nickname": view.teen.nickname,
        "timezone": view.teen.timezone,
        "guardians": [GuardianNameOut(name=name) for name in view.guardians],
        "schedule": None if view.schedule is None else TeenScheduleOut.of(view.schedule),
        "today": None if view.today is None else TodayOut.of(view.today),
        "next_window": _window(view.next_window),
        "paused_until": view.paused_until,
        "recent": [RecentReminderOut.of(n) for n in view.recent],
        "locale": view.locale,
    }


class MeUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", title="TeenSettings")

    locale: str | None = Field(
        default=None,
        description="The device's language (BCP 47, e.g. `es-MX`); null clears it. Its "
        "checks and `/v1/me` use it when a request has no Accept-Language.",
        examples=["es-MX"],
    )


def _speak_for(locale: str | None) -> None:
    """Answer in the request's Accept-Language, else the device's stored language."""
    edge.speak(best_language((*edge.accepted_languages(), locale)))


class TeenExceptionOut(BaseModel):
    model_config = ConfigDict(title="TeenException")

    first_day: dt.date
    last_day: dt.date
    kind: Literal["no_school", "custom_hours"]
    windows: list[ScheduleWindow]

    @classmethod
    def of(cls, day: DayOff) -> TeenExceptionOut:
        return cls(
            first_day=day.first_day,
            last_day=day.last_day,
            kind=day.kind.value,
            windows=[
                ScheduleWindow(start=format_hhmm(w.start), end=format_hhmm(w.end))
                for w in day.windows
            ],
        )


class TeenDeviceOut(BaseModel):
    model_config = ConfigDict(title="TeenDevice")

    platform: str
    paired_at: Instant
    last_seen_at: Instant | None

    @classmethod
    def of(cls, device: DeviceView) -> TeenDeviceOut:
        return cls(
            platform=device.platform,
            paired_at=device.paired_at,
            last_seen_at=device.last_seen_at,
        )


class MeExportOut(MeOut):
    model_config = ConfigDict(title="TeenExport")

    exported_at: Instant
    country: str | None
    subdivision: str | None
    reminders: list[NudgeOut] = Field(description="Every reminder still kept, newest first")
    exceptions: list[TeenExceptionOut] = Field(description="Days set differently, no notes")
    devices: list[TeenDeviceOut]

    @classmethod
    def of_export(cls, data: teen_view.TeenExport) -> MeExportOut:
        teen = data.overview.teen
        return cls(
            **_overview_fields(data.overview),
            exported_at=data.exported_at,
            country=teen.country,
            subdivision=teen.subdivision,
            reminders=[NudgeOut.of(n) for n in data.reminders],
            exceptions=[TeenExceptionOut.of(d) for d in data.days_off],
            devices=[TeenDeviceOut.of(d) for d in data.devices],
        )


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
    session = edge.db()
    device = teen_view.device_of(session, bearer_token())
    _speak_for(device.locale)
    return json_response(MeOut.of(teen_view.overview_of(session, device, edge.now())))


@blueprint.patch("/v1/me")
@documented(
    Doc(
        "Set (or clear, with null) the device's language",
        auth="device",
        body=MeUpdateIn,
        responses={200: MeOut},
        tags=("teen",),
    )
)
def update_me() -> ResponseReturnValue:
    data = parse_json(MeUpdateIn)
    session = edge.db()
    device = teen_view.device_of(session, bearer_token())
    if "locale" in data.model_fields_set:
        device = _store_locale(session, device, data.locale)
        session.commit()
    _speak_for(device.locale)
    return json_response(MeOut.of(teen_view.overview_of(session, device, edge.now())))


def _store_locale(session: Session, device: DeviceIdentity, locale: str | None) -> DeviceIdentity:
    """Raises UnsupportedLocaleError (a 422 naming `locale`, said in the device's language
    unless the request names one) before anything is written."""
    _speak_for(device.locale)
    stored = pairing.set_locale(session, device, locale)
    return DeviceIdentity(device.device_id, device.teen_id, stored)


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
    data = teen_view.export(edge.db(), bearer_token(), edge.now())
    _speak_for(data.overview.locale)
    name = f"my-school-reminders-{data.local_day.isoformat()}.json"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    return json_response(MeExportOut.of_export(data), headers=disposition, indent=2)
