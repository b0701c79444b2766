"""Importing a school's iCalendar (ICS) file: all-day events become `no_school` exceptions.

`parse_calendar` is pure (bytes and a date in, values out); `import_calendar` upserts them.
Each imported row remembers its event's UID (plus the occurrence date for a recurring
series) in `source_uid`, so importing the same calendar again updates rows instead of adding.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import icalendar
import recurring_ical_events
from sqlalchemy.orm import Session

from alertsvc.db import repositories
from alertsvc.db.repositories import TeenView
from alertsvc.domain.calendar import local_date, zone_named
from alertsvc.domain.schedule import (
    FIRST_SUPPORTED_DATE,
    LAST_SUPPORTED_DATE,
    ExceptionKind,
    SchoolException,
)
from alertsvc.services.ids import new_id

# Recurring series are expanded over this window around the teen's local today.
HORIZON_PAST = timedelta(days=365)
HORIZON_FUTURE = timedelta(days=2 * 365)
# Bounds that keep one upload cheap: a 1 MiB file can hold thousands of endless series.
MAX_EVENTS = 2000
MAX_IMPORTED_DAYS = 2000
MAX_RECURRING_SERIES = 50
NOTE_LENGTH = 200
SOURCE_UID_LENGTH = 255

_CRITICAL = {"UID", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"}
# An all-day series that repeats more often than daily is nonsense, and expanding it is slow.
_SUB_DAILY = {"SECONDLY", "MINUTELY", "HOURLY"}
_TIME_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")


class CalendarFormatError(ValueError):
    """The upload is not a usable iCalendar file; nothing of it is imported."""


@dataclass(frozen=True, slots=True)
class ImportedEvent:
    """One all-day event (or one occurrence of an all-day series) as a no-school range."""

    source_uid: str
    first_day: date
    last_day: date
    note: str | None


@dataclass(frozen=True, slots=True)
class ParsedCalendar:
    events: tuple[ImportedEvent, ...]
    skipped: int


@dataclass(frozen=True, slots=True)
class ImportResult:
    imported: int
    updated: int
    skipped: int


def _is_all_day(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def _source_key(uid: str, occurrence: date | None) -> str:
    key = uid if occurrence is None else f"{uid}#{occurrence.isoformat()}"
    if len(key) > SOURCE_UID_LENGTH:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _note(summary: Any) -> str | None:
    text = " ".join(str(summary or "").split())
    return text[:NOTE_LENGTH] or None


def _read(data: bytes) -> Any:
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except Exception as exc:  # the parser raises many types for many kinds of bad input
        raise CalendarFormatError("The body is not an iCalendar file.") from exc
    if getattr(calendar, "name", None) != "VCALENDAR":
        raise CalendarFormatError("The body has no VCALENDAR.")
    return calendar


def _checked_events(calendar: Any) -> list[Any]:
    """Every VEVENT, after checking each has a UID and a readable DTSTART."""
    events = list(calendar.walk("VEVENT"))
    if len(events) > MAX_EVENTS:
        raise CalendarFormatError(f"The calendar has more than {MAX_EVENTS} events.")
    for event in events:
        uid = str(event.get("UID", "")).strip()
        if not uid:
            raise CalendarFormatError("An event has no UID.")
        broken = sorted({name for name, _ in getattr(event, "errors", ()) if name in _CRITICAL})
        if "DTSTART" not in event or broken:
            what = ", ".join(broken) or "DTSTART"
            raise CalendarFormatError(f"Event {uid[:80]!r} has no valid {what}.")
    return events


def _importable(master: Any) -> bool:
    """All-day events (DTSTART is a date) that repeat at most daily; timed ones are skipped.

    A series that starts before 2000 is skipped too: expanding it walks every occurrence
    from its start, and none before 2000 could be stored anyway.
    """
    start = master["DTSTART"].dt
    if not _is_all_day(start):
        return False
    rules = master.get("RRULE")
    rules = [] if rules is None else rules if isinstance(rules, list) else [rules]
    if rules and start < FIRST_SUPPORTED_DATE:
        return False
    return not any(
        set(rule.get("FREQ", [])) & _SUB_DAILY or any(part in rule for part in _TIME_PARTS)
        for rule in rules
    )


def _series(events: Iterable[Any]) -> dict[str, list[Any]]:
    """VEVENTs grouped by UID: a series' master and its moved or changed occurrences."""
    by_uid: dict[str, list[Any]] = {}
    for event in events:
        by_uid.setdefault(str(event["UID"]).strip(), []).append(event)
    return by_uid


def _is_recurring(components: list[Any]) -> bool:
    keys = ("RRULE", "RDATE", "RECURRENCE-ID")
    return any(key in component for component in components for key in keys)


def _expand(components: list[Any], horizon: tuple[date, date]) -> list[Any]:
    """One series' occurrences that touch the horizon.

    Series are expanded one at a time with `between`: the library's lazy `after` narrows its
    search window to 15 minutes around each occurrence, which is far too slow for dailies.
    """
    calendar = icalendar.Calendar()
    for component in components:
        calendar.add_component(component)
    try:
        occurrences = recurring_ical_events.of(calendar).between(horizon[0], horizon[1])
    except Exception as exc:  # bad rules and dates surface only while expanding
        raise CalendarFormatError(f"The calendar's events cannot be expanded: {exc}") from exc
    return [o for o in occurrences if _as_date(o["DTSTART"].dt) < horizon[1]]


def _imported_event(occurrence: Any, uid: str, recurring: bool) -> ImportedEvent | None:
    """The no-school range of one all-day occurrence; None if it cannot be stored."""
    if str(occurrence.get("STATUS", "")).upper() == "CANCELLED":
        return None
    first_day = _as_date(occurrence["DTSTART"].dt)
    end = occurrence.get("DTEND")
    # DTEND is exclusive for all-day events; no DTEND (or a bad one) means one day.
    last_day = max(first_day, _as_date(end.dt) - timedelta(days=1)) if end else first_day
    if first_day < FIRST_SUPPORTED_DATE or last_day > LAST_SUPPORTED_DATE:
        return None
    occurrence_day = None
    if recurring:
        recurrence_id = occurrence.get("RECURRENCE-ID")
        occurrence_day = _as_date(recurrence_id.dt) if recurrence_id else first_day
    return ImportedEvent(
        _source_key(uid, occurrence_day), first_day, last_day, _note(occurrence.get("SUMMARY"))
    )


class _Collector:
    """Gathers imported events and the skipped count while enforcing the upload's bounds."""

    def __init__(self, horizon: tuple[date, date]) -> None:
        self.horizon = horizon
        self.found: dict[str, ImportedEvent] = {}
        self.skipped = 0
        self.series = 0
        self.days = 0

    def add_series(self, uid: str, components: list[Any]) -> None:
        master = next((c for c in components if "RECURRENCE-ID" not in c), components[0])
        if not _importable(master):
            self.skipped += 1
            return
        recurring = _is_recurring(components)
        self.series += 1 if recurring else 0
        if self.series > MAX_RECURRING_SERIES:
            raise CalendarFormatError(
                f"The calendar has more than {MAX_RECURRING_SERIES} recurring all-day events."
            )
        occurrences = _expand(components, self.horizon)
        self.days += len(occurrences)
        if self.days > MAX_IMPORTED_DAYS:
            raise CalendarFormatError(
                f"The calendar has more than {MAX_IMPORTED_DAYS} all-day events in the two "
                "years ahead and the year behind; import a shorter calendar."
            )
        if not occurrences:
            self.skipped += 1
        for occurrence in occurrences:
            event = _imported_event(occurrence, uid, recurring)
            if event is None:
                self.skipped += 1
            else:
                self.found[event.source_uid] = event


def parse_calendar(data: bytes, today: date) -> ParsedCalendar:
    """The all-day events of an ICS file as no-school ranges, or `CalendarFormatError`.

    Recurring series are expanded from a year before `today` to two years after (within
    2000..2037). `skipped` counts timed events (one per series), cancelled occurrences,
    occurrences outside 2000..2037, and all-day events with no occurrence in that window.
    Events come back in date order, so new rows are created in that order.
    """
    series = _series(_checked_events(_read(data)))
    collector = _Collector(
        (
            max(FIRST_SUPPORTED_DATE, today - HORIZON_PAST),
            min(LAST_SUPPORTED_DATE + timedelta(days=1), today + HORIZON_FUTURE),
        )
    )
    for uid, components in series.items():
        collector.add_series(uid, components)
    events = sorted(collector.found.values(), key=lambda e: (e.first_day, e.source_uid))
    return ParsedCalendar(tuple(events), collector.skipped)


def import_calendar(session: Session, teen: TeenView, data: bytes, now: datetime) -> ImportResult:
    """Upsert the file's all-day events as the teen's `no_school` exceptions.

    A known `source_uid` updates its row (dates and note; its creation order stays), a new
    one adds a row that is newer than every existing exception. Raises `CalendarFormatError`
    before writing anything.
    """
    parsed = parse_calendar(data, local_date(now, zone_named(teen.timezone)))
    existing = repositories.load_exception_records_by_uid(session, teen.id)
    imported = updated = 0
    seq: int | None = None
    for event in parsed.events:
        record = existing.get(event.source_uid)
        if record is not None:
            repositories.update_imported_exception(
                session,
                teen.id,
                record.exception.id,
                event.first_day,
                event.last_day,
                event.note,
            )
            updated += 1
            continue
        seq = repositories.next_exception_seq(session, teen.id) if seq is None else seq + 1
        exception = SchoolException(
            new_id("exc"), event.first_day, event.last_day, ExceptionKind.NO_SCHOOL, (), event.note
        )
        repositories.add_exception(
            session, teen.id, exception, now, seq=seq, source_uid=event.source_uid, flush=False
        )
        imported += 1
    session.flush()
    return ImportResult(imported, updated, parsed.skipped)
