"""A dated exception to the school week: no school, or different hours."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from alertsvc.domain.errors import FieldError, InvalidFieldsError
from alertsvc.domain.message import msg
from alertsvc.domain.schedule import (
    ExceptionKind,
    SchoolException,
    Window,
    build_windows,
    check_dates,
)
from alertsvc.services.inputs.schedules import LocalDate, ScheduleWindow, window_pairs

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

    def to_exception(self) -> SchoolException:
        """The exception (without an id yet), or `InvalidFieldsError` naming every bad field."""
        kind = ExceptionKind(self.kind)
        errors = check_dates("", ("first_day", self.first_day), ("last_day", self.last_day))
        if self.first_day > self.last_day:
            errors.append(
                FieldError("last_day", msg("must not be before %(field)s", field="first_day"))
            )
        windows: tuple[Window, ...] = ()
        if kind is ExceptionKind.CUSTOM_HOURS:
            if not self.windows:
                errors.append(
                    FieldError(
                        "windows", msg("%(kind)s needs at least one window", kind="custom_hours")
                    )
                )
            else:
                try:
                    windows = build_windows("windows", window_pairs(self.windows))
                except InvalidFieldsError as exc:
                    errors += exc.errors
        elif self.windows:
            errors.append(FieldError("windows", msg("%(kind)s takes no windows", kind="no_school")))
        if errors:
            raise InvalidFieldsError(errors)
        return SchoolException("", self.first_day, self.last_day, kind, windows, self.note or None)
