"""A teen's schedule, exceptions, calendar import and preview (SPEC §5)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    WithJsonSchema,
    model_serializer,
)

from alertsvc.api.auth import require_parent
from alertsvc.api.io import (
    ICS_BODY_LIMIT,
    Doc,
    documented,
    json_response,
    no_content,
    parse_json,
    read_body,
    validate,
)
from alertsvc.api.owned import owned_teen
from alertsvc.domain.message import msg
from alertsvc.domain.schedule import POLICY_BOUNDS, WEEKDAYS, Schedule, Window, format_hhmm
from alertsvc.http import edge
from alertsvc.http.problems import BAD_REQUEST, Problem
from alertsvc.services import calendar_import, schedules
from alertsvc.services.calendar_import import ImportResult
from alertsvc.services.inputs.exceptions import ExceptionIn
from alertsvc.services.inputs.schedules import (
    LocalDate,
    NudgePolicy,
    ScheduleIn,
    ScheduleWindow,
    SchoolTerm,
    WeeklyWindows,
)
from alertsvc.services.schedules import (
    MAX_PREVIEW_DAYS,
    ExceptionRecord,
    PreviewClockChange,
    PreviewDay,
    PreviewWindow,
)

blueprint = Blueprint("api_schedules", __name__)

# An instant on the school's clock: RFC 3339 with the zone's offset, to the second.
LocalInstant = Annotated[
    dt.datetime,
    PlainSerializer(lambda at: at.isoformat(timespec="seconds"), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]


def _windows(windows: tuple[Window, ...]) -> list[ScheduleWindow]:
    return [ScheduleWindow(start=format_hhmm(w.start), end=format_hhmm(w.end)) for w in windows]


class ScheduleOut(BaseModel):
    weekly: WeeklyWindows
    term: SchoolTerm | None
    observe_public_holidays: bool
    policy: NudgePolicy
    version: int = Field(description="1 for the first schedule, +1 on each PUT that changes it")

    @classmethod
    def of(cls, schedule: Schedule) -> ScheduleOut:
        term = schedule.term
        return cls(
            weekly=WeeklyWindows(
                **{name: _windows(schedule.weekly[i]) for i, name in enumerate(WEEKDAYS)}
            ),
            term=None
            if term is None
            else SchoolTerm(first_day=term.first_day, last_day=term.last_day),
            observe_public_holidays=schedule.observe_public_holidays,
            policy=NudgePolicy(**{name: getattr(schedule.policy, name) for name in POLICY_BOUNDS}),
            version=schedule.version,
        )


class ExceptionOut(BaseModel):
    id: str
    first_day: dt.date
    last_day: dt.date
    kind: Literal["no_school", "custom_hours"]
    windows: list[ScheduleWindow]
    note: str | None
    source: Literal["manual", "ics"]

    @classmethod
    def of(cls, record: ExceptionRecord) -> ExceptionOut:
        exception = record.exception
        return cls(
            id=exception.id,
            first_day=exception.first_day,
            last_day=exception.last_day,
            kind=exception.kind.value,
            windows=_windows(exception.windows),
            note=exception.note,
            source="manual" if record.source == "manual" else "ics",
        )


class ImportOut(BaseModel):
    imported: int
    updated: int
    skipped: int

    @classmethod
    def of(cls, result: ImportResult) -> ImportOut:
        return cls(imported=result.imported, updated=result.updated, skipped=result.skipped)


class PreviewQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_: LocalDate | None = Field(
        default=None, alias="from", description="First local date; default: today in the zone"
    )
    days: int = Field(default=7, ge=1, le=MAX_PREVIEW_DAYS)


class PreviewWindowOut(BaseModel):
    start: LocalInstant = Field(description="RFC 3339 with the school zone's offset")
    end: LocalInstant

    @classmethod
    def of(cls, window: PreviewWindow) -> PreviewWindowOut:
        return cls(start=window.start, end=window.end)


class ClockChangeOut(BaseModel):
    at: LocalInstant = Field(description="The instant, with the zone's offset after the change")
    from_offset: str = Field(examples=["-04:00"])
    to_offset: str = Field(examples=["-05:00"])

    @classmethod
    def of(cls, change: PreviewClockChange) -> ClockChangeOut:
        return cls(at=change.at, from_offset=change.from_offset, to_offset=change.to_offset)


class PreviewDayOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    date_: dt.date = Field(alias="date")
    school_day: bool
    reason: Literal["weekly_off", "public_holiday", "exception", "outside_term"] | None
    detail: str | None
    windows: list[PreviewWindowOut]
    clock_change: ClockChangeOut | None = Field(
        default=None, description="Only on a day whose UTC offset changes"
    )

    # No return annotation: pydantic would document the answer by it instead of the fields.
    @model_serializer(mode="wrap")
    def _without_absent_clock_change(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        body = handler(self)
        if body.get("clock_change") is None:
            body.pop("clock_change", None)
        return body

    @classmethod
    def of(cls, day: PreviewDay) -> PreviewDayOut:
        change = day.clock_change
        return cls(
            date_=day.day,
            school_day=day.school_day,
            reason=None if day.reason is None else day.reason.value,
            detail=day.detail,
            windows=[PreviewWindowOut.of(w) for w in day.windows],
            clock_change=None if change is None else ClockChangeOut.of(change),
        )


# --- routes --------------------------------------------------------------------------------


@blueprint.put("/v1/teens/<teen_id>/schedule")
@documented(
    Doc(
        "Set the teen's school schedule",
        auth="parent",
        body=ScheduleIn,
        responses={200: ScheduleOut},
        tags=("schedules",),
    )
)
def put_schedule(teen_id: str) -> ResponseReturnValue:
    teen = owned_teen(require_parent(), teen_id)
    schedule = parse_json(ScheduleIn).to_schedule()
    session = edge.db()
    saved = schedules.put_schedule(session, teen, schedule, edge.now())
    session.commit()
    return json_response(ScheduleOut.of(saved))


@blueprint.get("/v1/teens/<teen_id>/schedule")
@documented(
    Doc("The teen's schedule", auth="parent", responses={200: ScheduleOut}, tags=("schedules",))
)
def get_schedule(teen_id: str) -> ResponseReturnValue:
    teen = owned_teen(require_parent(), teen_id)
    return json_response(ScheduleOut.of(schedules.get_schedule(edge.db(), teen)))


@blueprint.post("/v1/teens/<teen_id>/exceptions")
@documented(
    Doc(
        "Add a dated exception (no school, or custom hours); the newest wins",
        auth="parent",
        body=ExceptionIn,
        responses={201: ExceptionOut},
        tags=("schedules",),
    )
)
def add_exception(teen_id: str) -> ResponseReturnValue:
    teen = owned_teen(require_parent(), teen_id)
    exception = parse_json(ExceptionIn).to_exception()
    session = edge.db()
    record = schedules.add_exception(session, teen, exception, edge.now())
    session.commit()
    return json_response(ExceptionOut.of(record), 201)


@blueprint.get("/v1/teens/<teen_id>/exceptions")
@documented(
    Doc(
        "The teen's exceptions, in creation order",
        auth="parent",
        responses={200: list[ExceptionOut]},
        tags=("schedules",),
    )
)
def list_exceptions(teen_id: str) -> ResponseReturnValue:
    teen = owned_teen(require_parent(), teen_id)
    records = schedules.list_exceptions(edge.db(), teen)
    return json_response([ExceptionOut.of(record) for record in records])


@blueprint.delete("/v1/teens/<teen_id>/exceptions/<exception_id>")
@documented(Doc("Delete an exception", auth="parent", responses={204: None}, tags=("schedules",)))
def delete_exception(teen_id: str, exception_id: str) -> ResponseReturnValue:
    teen = owned_teen(require_parent(), teen_id)
    session = edge.db()
    schedules.delete_exception(session, teen, exception_id)
    session.commit()
    return no_content()


@blueprint.post("/v1/teens/<teen_id>/calendar")
@documented(
    Doc(
        "Import a school calendar (ICS): all-day events become no_school exceptions",
        auth="parent",
        body_media="text/calendar",
        responses={200: ImportOut},
        tags=("schedules",),
    )
)
def import_calendar(teen_id: str) -> ResponseReturnValue:
    teen = owned_teen(require_parent(), teen_id)
    if request.mimetype != "text/calendar":
        raise Problem(400, BAD_REQUEST, msg("Send the calendar as text/calendar."))
    raw = read_body(ICS_BODY_LIMIT)
    session = edge.db()
    result = calendar_import.import_calendar(session, teen, raw, edge.now())
    session.commit()
    return json_response(ImportOut.of(result))


@blueprint.get("/v1/teens/<teen_id>/preview")
@documented(
    Doc(
        "Which of the coming local dates are school days, and their windows as instants",
        auth="parent",
        query=PreviewQuery,
        responses={200: list[PreviewDayOut]},
        tags=("schedules",),
    )
)
def preview(teen_id: str) -> ResponseReturnValue:
    teen = owned_teen(require_parent(), teen_id)
    query = validate(PreviewQuery, request.args.to_dict())
    days = schedules.preview(edge.db(), teen, query.from_, query.days, edge.now())
    return json_response([PreviewDayOut.of(day) for day in days])
