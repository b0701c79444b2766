"""Schedule value objects and their validation (SPEC §3, §4.1, §4.2)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from alertsvc.domain.errors import FieldError, InvalidFieldsError, reason
from alertsvc.domain.message import Hours, msg

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_WINDOWS_PER_DAY = 8
MINUTES_PER_DAY = 24 * 60
# pytz carries no transition rules past 2037, so local dates beyond it cannot be trusted.
FIRST_SUPPORTED_DATE = date(2000, 1, 1)
LAST_SUPPORTED_DATE = date(2037, 12, 31)

# Matched with `fullmatch`: `$` would also accept a trailing newline ("08:15\n").
_HHMM = re.compile(r"([01][0-9]|2[0-4]):([0-5][0-9])")


def parse_hhmm(text: str) -> int:
    """`"08:15"` -> 495 minutes after local midnight; `"24:00"` is allowed (end of day)."""
    match = _HHMM.fullmatch(text)
    if match is None:
        raise ValueError(msg("must be a 24-hour time HH:MM"))
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > MINUTES_PER_DAY:
        raise ValueError(msg("must be at most 24:00"))
    return minutes


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True, order=True)
class Window:
    """A school window in local wall-clock minutes: `start <= t < end` (SPEC §4.1)."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{format_hhmm(self.start)}–{format_hhmm(self.end)}"


@dataclass(frozen=True, slots=True)
class Policy:
    """Nudge cadence (SPEC §4.2); experiments may override some fields per variant."""

    grace_minutes: int = 10
    min_interval_minutes: int = 30
    max_per_day: int = 4
    snooze_minutes: int = 30
    away_threshold_minutes: int = 90


POLICY_BOUNDS: Mapping[str, tuple[int, int]] = {
    "grace_minutes": (0, 120),
    "min_interval_minutes": (5, 480),
    "max_per_day": (1, 50),
    "snooze_minutes": (5, 240),
    "away_threshold_minutes": (30, 720),
}


@dataclass(frozen=True, slots=True)
class Term:
    first_day: date
    last_day: date


class ExceptionKind(StrEnum):
    NO_SCHOOL = "no_school"
    CUSTOM_HOURS = "custom_hours"


@dataclass(frozen=True, slots=True)
class SchoolException:
    """A dated override; among several covering a date the most recently created wins."""

    id: str
    first_day: date
    last_day: date
    kind: ExceptionKind
    windows: tuple[Window, ...] = ()
    note: str | None = None
    created_at: datetime | None = None

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True, slots=True)
class Place:
    """Where the school is: its IANA zone and, optionally, where its public holidays come from."""

    timezone: str
    country: str | None = None
    subdivision: str | None = None


@dataclass(frozen=True, slots=True)
class Schedule:
    """One teen's school week. `weekly[0]` is Monday, as `date.weekday()` counts."""

    weekly: tuple[tuple[Window, ...], ...] = field(default_factory=lambda: ((),) * 7)
    term: Term | None = None
    observe_public_holidays: bool = True
    policy: Policy = Policy()
    version: int = 0

    def windows_for_weekday(self, weekday: int) -> tuple[Window, ...]:
        return self.weekly[weekday]


def check_windows(path: str, windows: Sequence[Window | None]) -> list[FieldError]:
    """Order, overlap and count rules for one day's windows (SPEC §4.1).

    `None` stands for a window that did not parse: it still counts and keeps its index, so
    every error names the window the client sent.
    """
    errors: list[FieldError] = []
    if len(windows) > MAX_WINDOWS_PER_DAY:
        errors.append(
            FieldError(path, msg("at most %(max)d windows per day", max=MAX_WINDOWS_PER_DAY))
        )
    valid: list[tuple[Window, int]] = []
    for index, window in enumerate(windows):
        if window is None:
            continue
        if window.start >= MINUTES_PER_DAY:
            errors.append(FieldError(f"{path}[{index}].start", msg("must be before 24:00")))
        if window.start >= window.end:
            errors.append(FieldError(f"{path}[{index}].end", msg("must be later than start")))
        else:
            valid.append((window, index))
    # Compare each window with the one reaching furthest so far, not just its neighbour:
    # 08:00–18:00 overlaps both 09:00–10:00 and 11:00–12:00.
    reaching: tuple[Window, int] | None = None
    for window, index in sorted(valid):
        if reaching is not None and window.start < reaching[0].end:
            other = f"{path}[{reaching[1]}]"
            errors.append(
                FieldError(
                    f"{path}[{index}].start",
                    msg(
                        "overlaps %(other)s (%(window)s)",
                        other=other,
                        window=Hours(((reaching[0].start, reaching[0].end),)),
                    ),
                )
            )
        if reaching is None or window.end > reaching[0].end:
            reaching = (window, index)
    return errors


OUTSIDE_SUPPORTED_DATES = msg(
    "must be between %(first)s and %(last)s",
    first=FIRST_SUPPORTED_DATE.isoformat(),
    last=LAST_SUPPORTED_DATE.isoformat(),
)


def check_dates(path: str, *days: tuple[str, date]) -> list[FieldError]:
    return [
        FieldError(f"{path}{name}", OUTSIDE_SUPPORTED_DATES)
        for name, day in days
        if not FIRST_SUPPORTED_DATE <= day <= LAST_SUPPORTED_DATE
    ]


def check_policy(path: str, values: Mapping[str, Any]) -> list[FieldError]:
    """Bounds of SPEC §4.2; an unknown name or a non-integer is a field error, not a crash."""
    errors: list[FieldError] = []
    for name, value in values.items():
        bounds = POLICY_BOUNDS.get(name)
        if bounds is None:
            errors.append(FieldError(f"{path}{name}", msg("is not a policy field")))
        elif isinstance(value, bool) or not isinstance(value, int):
            errors.append(FieldError(f"{path}{name}", msg("must be an integer")))
        elif not bounds[0] <= value <= bounds[1]:
            errors.append(
                FieldError(
                    f"{path}{name}",
                    msg("must be between %(low)d and %(high)d", low=bounds[0], high=bounds[1]),
                )
            )
    return errors


def _parse_windows(
    path: str, pairs: Iterable[tuple[str, str]]
) -> tuple[list[Window | None], list[FieldError]]:
    """Parse `(start, end)` strings in place; a bad one becomes `None` and a field error."""
    slots: list[Window | None] = []
    errors: list[FieldError] = []
    for index, (start, end) in enumerate(pairs):
        bounds = []
        for part, text in (("start", start), ("end", end)):
            try:
                bounds.append(parse_hhmm(text))
            except ValueError as exc:
                errors.append(FieldError(f"{path}[{index}].{part}", reason(exc)))
        slots.append(Window(bounds[0], bounds[1]) if len(bounds) == 2 else None)
    return slots, errors


def build_schedule(
    weekly: Mapping[str, Sequence[tuple[str, str]]],
    term: tuple[date, date] | None,
    observe_public_holidays: bool,
    policy: Mapping[str, int],
    version: int = 0,
) -> Schedule:
    """Turn parsed input into a `Schedule`, or raise `InvalidFieldsError` naming every bad field."""
    errors: list[FieldError] = []
    days: list[tuple[Window, ...]] = []
    for name in WEEKDAYS:
        slots, parse_errors = _parse_windows(f"weekly.{name}", weekly.get(name, ()))
        errors += parse_errors
        errors += check_windows(f"weekly.{name}", slots)
        days.append(tuple(sorted(w for w in slots if w is not None)))
    unknown = sorted(set(weekly) - set(WEEKDAYS))
    errors += [FieldError(f"weekly.{name}", msg("is not a weekday (mon..sun)")) for name in unknown]
    term_value = None
    if term is not None:
        errors += check_dates("term.", ("first_day", term[0]), ("last_day", term[1]))
        if term[0] > term[1]:
            errors.append(
                FieldError("term.last_day", msg("must not be before %(field)s", field="first_day"))
            )
        term_value = Term(term[0], term[1])
    errors += check_policy("policy.", policy)
    if errors:
        raise InvalidFieldsError(errors)
    return Schedule(
        weekly=tuple(days),
        term=term_value,
        observe_public_holidays=observe_public_holidays,
        policy=Policy(**policy),
        version=version,
    )


def build_windows(path: str, pairs: Iterable[tuple[str, str]]) -> tuple[Window, ...]:
    """Parse and check one list of windows (used by `custom_hours` exceptions)."""
    slots, errors = _parse_windows(path, pairs)
    errors += check_windows(path, slots)
    if errors:
        raise InvalidFieldsError(errors)
    return tuple(sorted(w for w in slots if w is not None))
