"""Sentences to be said in the reader's language (SPEC §10).

The core and the services decide *what* to say; `alertsvc.i18n` says it in a language. A
`Message` is a catalog message id (English, with named `%(placeholders)s`) and the values
that fill it. Values that a language writes its own way are typed: a wall-clock time
(`Clock`), a day's school hours (`Hours`) and a date (`Day`) are formatted by the reader's
locale (CLDR), a nested `Message` is translated too, and text and numbers are kept as they
are (a time zone's name, a holiday's name, a parent's note).

Mark each sentence with `msg()` (or `msg_n()` when it counts something) so that
`make messages` extracts it into the catalogs; `str(message)` is its English form, for logs
and the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Union

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class Clock:
    """A wall-clock time in the school's time zone, in minutes since midnight (0..1440)."""

    minutes: int

    def __str__(self) -> str:
        return f"{self.minutes // 60:02d}:{self.minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class Hours:
    """A day's school hours: its windows as (start, end) minutes since midnight."""

    windows: tuple[tuple[int, int], ...]

    def __str__(self) -> str:
        return " and ".join(f"{Clock(start)}–{Clock(end)}" for start, end in self.windows)


@dataclass(frozen=True, slots=True)
class Day:
    """A date, written with its weekday; the year only when it is not the current one."""

    value: date
    with_year: bool = True

    def __str__(self) -> str:
        return self.value.isoformat()


@dataclass(frozen=True, slots=True)
class Holiday:
    """A public holiday, named in English by the `holidays` package; a reader whose language
    the country's calendar also names it in gets that name."""

    name: str
    country: str
    subdivision: str | None
    day: date

    def __str__(self) -> str:
        return self.name


Value = Union[str, int, Clock, Hours, Day, Holiday, "Message", "Localized"]


@dataclass(frozen=True, slots=True)
class Message:
    """A sentence: its message id (and plural form), the count that picks the form, and the
    values of its placeholders."""

    msgid: str
    values: tuple[tuple[str, Value], ...] = ()
    plural: str | None = None
    count: int = 1

    def __str__(self) -> str:
        template = self.msgid if self.plural is None or self.count == 1 else self.plural
        return template % {
            name: value if isinstance(value, int) else str(value) for name, value in self.values
        }


def msg(msgid: str, **values: Value) -> Message:
    """A sentence to translate (extracted by the keyword `msg`)."""
    return Message(msgid, tuple(values.items()))


def msg_n(singular: str, plural: str, count: int, **values: Value) -> Message:
    """A sentence that counts (`count` is also its `%(count)d` placeholder)."""
    return Message(singular, (("count", count), *values.items()), plural, count)


@dataclass(frozen=True, slots=True)
class Localized:
    """Text a person wrote in one or more languages (an experiment's copy): pairs of a
    language tag (`en`, `es`, `pt-BR`) and the text. A reader gets their language's text, else
    the first one listed."""

    texts: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        return self.texts[0][1] if self.texts else ""


Sayable = Message | Localized
