"""A teen's schedule, exceptions, calendar import and preview (SPEC §5)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

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
from alertsvc.api.teens import service_problem
from alertsvc.db.repositories import ExceptionRecord
from alertsvc.domain.errors import FieldError, InvalidFieldsError
from alertsvc.domain.schedule import (
    POLICY_BOUNDS,
    WEEKDAYS,
    ExceptionKind,
    Policy,
    Schedule,
    Window,
    format_hhmm,
)
from alertsvc.http import edge
from alertsvc.http.problems import Problem, validation_problem
from alertsvc.services import calendar_import, schedules, teens
from alertsvc.services.schedules import MAX_PREVIEW_DAYS, PreviewDay

blueprint = Blueprint("api_schedules", __name__)
blueprint.register_error_handler(InvalidFieldsError, service_problem)
blueprint.register_error_handler(teens.NotFoundError, service_problem)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    if not (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        raise PydanticCustomError("date_format", "must be a date YYYY-MM-DD")
    return value


LocalDate = Annotated[dt.date, BeforeValidator(_iso_date)]
_DEFAULT_POLICY = Policy()


def _bounded(name: str) -> Any:
    low, high = POLICY_BOUNDS[name]
    return Field(default=getattr(_DEFAULT_POLICY, name), ge=low, le=high)


class ScheduleWindow(BaseModel):
    """`start <= t < end` in local wall-clock time; `end` may be `24:00`."""

    model_config = ConfigDict(extra="forbid")

    start: str = Field(examples=["08:15"], description="HH:MM, 24-hour")
    end: str = Field(examples=["11:45"], description="HH:MM, 24-hour; 24:00 allowed")


Day = Annotated[list[ScheduleWindow], Field(default_factory=list)]


class WeeklyWindows(BaseModel):
    """Windows per weekday; a missing weekday (or `[]`) has no school."""

    model_config = ConfigDict(extra="forbid")

    mon: Day
    tue: Day
    wed: Day
    thu: Day
    fri: Day
    sat: Day
    sun: Day


class SchoolTerm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_day: LocalDate
    last_day: LocalDate


class NudgePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_minutes: StrictInt = _bounded("grace_minutes")
    min_interval_minutes: StrictInt = _bounded("min_interval_minutes")
    max_per_day: StrictInt = _bounded("max_per_day")
    snooze_minutes: StrictInt = _bounded("snooze_minutes")
    away_threshold_minutes: StrictInt = _bounded("away_threshold_minutes")


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weekly: WeeklyWindows
    term: SchoolTerm | None = None
    observe_public_holidays: StrictBool = True
    policy: NudgePolicy = Field(default_factory=NudgePolicy)


class ScheduleOut(BaseModel):
    weekly: WeeklyWindows
    term: SchoolTerm | None
    observe_public_holidays: bool
    policy: NudgePolicy
    version: int = Field(description="1 for the first schedule, +1 on each PUT that changes it")


Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class ExceptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_day: LocalDate
    last_day: LocalDate
    kind: Literal["no_school", "custom_hours"]
    windows: list[ScheduleWindow] | None = Field(
        default=None, description="Required (1..8) for custom_hours; not allowed for no_school"
    )
    note: Note | None = None


class ExceptionOut(BaseModel):
    id: str
    first_day: dt.date
    last_day: dt.date
    kind: Literal["no_school", "custom_hours"]
    windows: list[ScheduleWindow]
    note: str | None
    source: Literal["manual", "ics"]


class ImportOut(BaseModel):
    imported: int
    updated: int
    skipped: int


class PreviewQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_: LocalDate | None = Field(
        default=None, alias="from", description="First local date; default: today in the zone"
    )
    days: int = Field(default=7, ge=1, le=MAX_PREVIEW_DAYS)


class PreviewWindowOut(BaseModel):
    start: dt.datetime = Field(description="RFC 3339 with the school zone's offset")
    end: dt.datetime


class ClockChangeOut(BaseModel):
    at: dt.datetime = Field(description="The instant, with the zone's offset after the change")
    from_offset: str = Field(examples=["-04:00"])
    to_offset: str = Field(examples=["-05:00"])


class PreviewDayOut(BaseModel):
    date_: dt.date = Field(alias="date")
    school_day: bool
    reason: Literal["weekly_off", "public_holiday", "exception", "outside_term"] | None
    detail: str | None
    windows: list[PreviewWindowOut]
    clock_change: ClockChangeOut | None = Field(
        default=None, description="Only on a day whose UTC offset changes"
    )


# --- serialising ---------------------------------------------------------------------------


def _windows_json(windows: tuple[Window, ...]) -> list[dict[str, str]]:
    return [{"start": format_hhmm(w.start), "end": format_hhmm(w.end)} for w in windows]


def _schedule_json(schedule: Schedule) -> dict[str, Any]:
    term = schedule.term
    return {
        "weekly": {name: _windows_json(schedule.weekly[i]) for i, name in enumerate(WEEKDAYS)},
        "term": None
        if term is None
        else {"first_day": term.first_day.isoformat(), "last_day": term.last_day.isoformat()},
        "observe_public_holidays": schedule.observe_public_holidays,
        "policy": {name: getattr(schedule.policy, name) for name in POLICY_BOUNDS},
        "version": schedule.version,
    }


def _exception_json(record: ExceptionRecord) -> dict[str, Any]:
    exception = record.exception
    return {
        "id": exception.id,
        "first_day": exception.first_day.isoformat(),
        "last_day": exception.last_day.isoformat(),
        "kind": exception.kind.value,
        "windows": _windows_json(exception.windows),
        "note": exception.note,
        "source": record.source,
    }


def _preview_json(day: PreviewDay) -> dict[str, Any]:
    body: dict[str, Any] = {
        "date": day.day.isoformat(),
        "school_day": day.school_day,
        "reason": None if day.reason is None else day.reason.value,
        "detail": day.detail,
        "windows": [
            {
                "start": w.start.isoformat(timespec="seconds"),
                "end": w.end.isoformat(timespec="seconds"),
            }
            for w in day.windows
        ],
    }
    if day.clock_change is not None:
        change = day.clock_change
        body["clock_change"] = {
            "at": change.at.isoformat(timespec="seconds"),
            "from_offset": change.from_offset,
            "to_offset": change.to_offset,
        }
    return body


def _pairs(windows: list[ScheduleWindow] | None) -> list[tuple[str, str]] | None:
    return None if windows is None else [(w.start, w.end) for w in windows]


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
    data = parse_json(ScheduleIn)
    session = edge.db()
    weekly = {name: [(w.start, w.end) for w in getattr(data.weekly, name)] for name in WEEKDAYS}
    schedule = schedules.put_schedule(
        session,
        teen,
        weekly=weekly,
        term=None if data.term is None else (data.term.first_day, data.term.last_day),
        observe_public_holidays=data.observe_public_holidays,
        policy=data.policy.model_dump(),
        now=edge.now(),
    )
    session.commit()
    return json_response(_schedule_json(schedule))


@blueprint.get("/v1/teens/<teen_id>/schedule")
@documented(
    Doc("The teen's schedule", auth="parent", responses={200: ScheduleOut}, tags=("schedules",))
)
def get_schedule(teen_id: str) -> ResponseReturnValue:
    teen = owned_teen(require_parent(), teen_id)
    return json_response(_schedule_json(schedules.get_schedule(edge.db(), teen)))


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
    data = parse_json(ExceptionIn)
    session = edge.db()
    record = schedules.add_exception(
        session,
        teen,
        first_day=data.first_day,
        last_day=data.last_day,
        kind=ExceptionKind(data.kind),
        windows=_pairs(data.windows),
        note=data.note,
        now=edge.now(),
    )
    session.commit()
    return json_response(_exception_json(record), 201)


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
    return json_response([_exception_json(r) for r in schedules.list_exceptions(edge.db(), teen)])


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
        raise Problem(400, "Bad request", "Send the calendar as text/calendar.")
    raw = read_body(ICS_BODY_LIMIT)
    session = edge.db()
    try:
        result = calendar_import.import_calendar(session, teen, raw, edge.now())
    except calendar_import.CalendarFormatError as exc:
        raise validation_problem([FieldError("body", str(exc))]) from None
    session.commit()
    return json_response(
        ImportOut(
            imported=result.imported, updated=result.updated, skipped=result.skipped
        ).model_dump()
    )


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
    return json_response([_preview_json(day) for day in days])
