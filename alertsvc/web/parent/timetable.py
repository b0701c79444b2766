"""The school week drawn as an SVG timetable: coordinates computed here, since the CSP
forbids inline styles (SVG presentation attributes are fine)."""

from __future__ import annotations

from dataclasses import dataclass

from alertsvc.domain.message import msg
from alertsvc.domain.schedule import Schedule
from alertsvc.http import edge
from alertsvc.i18n import Language


def weekday_names(language: Language | None = None) -> tuple[str, ...]:
    """Monday to Sunday in the reader's language (CLDR: `Monday`, `Montag`, `الاثنين`)."""
    days = (language or edge.language()).locale.days["format"]["wide"]
    return tuple(str(days[i]) for i in range(7))


def weekday_labels(language: Language | None = None) -> tuple[str, ...]:
    """Monday to Sunday, short (`Mon`, `Mo.`, `月`)."""
    days = (language or edge.language()).locale.days["format"]["abbreviated"]
    return tuple(str(days[i]) for i in range(7))


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


def draw(schedule: Schedule | None, language: Language) -> Timetable:
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
                    start=_clock(language, window.start),
                    end=_clock(language, window.end),
                    label_inside=bottom - top >= 26,
                )
            )
    hours = tuple(
        HourLine(y_of(hour * 60), _hour_label(language, hour))
        for hour in range(first_hour, last_hour + 1)
    )
    names, labels = weekday_names(language), weekday_labels(language)
    parts = []
    for day, day_windows in enumerate(weekly):
        text = (
            language.hours((w.start, w.end) for w in day_windows)
            if day_windows
            else language.say(msg("no school"))
        )
        parts.append(language.say(msg("%(day)s: %(hours)s", day=names[day], hours=text)))
    return Timetable(
        width=WIDTH,
        height=TOP + HEIGHT + 6,
        columns=tuple(
            (label, round(LEFT + (i + 0.5) * COLUMN, 1)) for i, label in enumerate(labels)
        ),
        blocks=tuple(blocks),
        hours=hours,
        summary="; ".join(parts) + ".",
        empty=not windows,
    )


def _clock(language: Language, minutes: int) -> str:
    return "24:00" if minutes >= 24 * 60 else language.clock(minutes)


def _hour_label(language: Language, hour: int) -> str:
    """An hour line's label, short enough for the margin: `8 AM` (en-US), `08:00` (de)."""
    text = _clock(language, hour * 60)
    twelve_hour = not (len(text) == 5 and text[2] == ":")  # `8:00 AM`, `8:00 ص`, `午前8:00`
    return text.replace(":00", "") if twelve_hour else text
