"""A teen's school week: windows per weekday, the term, holidays and the nudge policy."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt
from pydantic_core import PydanticCustomError

from alertsvc.domain.schedule import POLICY_BOUNDS, WEEKDAYS, Policy, Schedule, build_schedule

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    """Only `YYYY-MM-DD` (no other format pydantic would read), or a date value itself."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
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


def window_pairs(windows: list[ScheduleWindow]) -> list[tuple[str, str]]:
    return [(w.start, w.end) for w in windows]


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

    def to_schedule(self) -> Schedule:
        """The domain `Schedule`, or `InvalidFieldsError` naming every bad field."""
        term = self.term
        return build_schedule(
            {name: window_pairs(getattr(self.weekly, name)) for name in WEEKDAYS},
            None if term is None else (term.first_day, term.last_day),
            self.observe_public_holidays,
            self.policy.model_dump(),
        )
