"""The school week drawn as an SVG timetable: coordinates computed here, since the CSP
forbids inline styles (SVG presentation attributes are fine)."""

from __future__ import annotations

from dataclasses import dataclass

from alertsvc.domain.schedule import Schedule, format_hhmm

WEEKDAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

WIDTH = 360
LEFT = 34  # room for the hour labels
TOP = 22  # room for the weekday labels
HEIGHT = 300  # of the drawn hours
COLUMN = (WIDTH - LEFT) / 7


@dataclass(frozen=True, slots=True)
class Block:
    x: float
    y: float
    width: float
    height: float
    start: str
    end: str
    label_inside: bool


@dataclass(frozen=True, slots=True)
class HourLine:
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class Timetable:
    width: int
    height: int
    columns: tuple[tuple[str, float], ...]  # label, centre x
    blocks: tuple[Block, ...]
    hours: tuple[HourLine, ...]
    summary: str
    empty: bool


def draw(schedule: Schedule | None) -> Timetable:
    """Columns per weekday, a block per window, hours from the earliest start to the latest end."""
    weekly = schedule.weekly if schedule is not None else ((),) * 7
    windows = [w for day in weekly for w in day]
    first_hour = min((w.start // 60 for w in windows), default=8)
    last_hour = max(((w.end + 59) // 60 for w in windows), default=16)
    last_hour = max(last_hour, first_hour + 1)
    span = (last_hour - first_hour) * 60

    def y_of(minutes: int) -> float:
        return round(TOP + (minutes - first_hour * 60) / span * HEIGHT, 1)

    blocks = []
    for day, day_windows in enumerate(weekly):
        for window in day_windows:
            top, bottom = y_of(window.start), y_of(window.end)
            blocks.append(
                Block(
                    x=round(LEFT + day * COLUMN + 2, 1),
                    y=top,
                    width=round(COLUMN - 4, 1),
                    height=round(max(bottom - top, 1.0), 1),
                    start=format_hhmm(window.start),
                    end=format_hhmm(window.end),
                    label_inside=bottom - top >= 26,
                )
            )
    hours = tuple(
        HourLine(y_of(hour * 60), f"{hour:02d}:00") for hour in range(first_hour, last_hour + 1)
    )
    parts = []
    for day, day_windows in enumerate(weekly):
        text = ", ".join(str(w) for w in day_windows) if day_windows else "no school"
        parts.append(f"{WEEKDAY_NAMES[day]}: {text}")
    return Timetable(
        width=WIDTH,
        height=TOP + HEIGHT + 6,
        columns=tuple(
            (label, round(LEFT + (i + 0.5) * COLUMN, 1)) for i, label in enumerate(WEEKDAY_LABELS)
        ),
        blocks=tuple(blocks),
        hours=hours,
        summary="; ".join(parts) + ".",
        empty=not windows,
    )
