"""Importing a school's iCalendar (ICS) file: all-day events become `no_school` exceptions.

`parse_calendar` is pure (bytes and a date in, values out); `import_calendar` upserts them.
Each imported row remembers its event's UID (plus the occurrence date for a recurring
series) in `source_uid`, so importing the same calendar again updates rows instead of adding.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
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
    """All-day events (DTSTART is a date) that repeat at most daily; timed ones are skipped."""
    if not _is_all_day(master["DTSTART"].dt):
        return False
    rules = master.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
        if set(rule.get("FREQ", [])) & _SUB_DAILY or any(part in rule for part in _TIME_PARTS):
            return False
    return True


def _series(events: Iterable[Any]) -> dict[str, list[Any]]:
    by_uid: dict[str, list[Any]] = {}
    for event in events:
        by_uid.setdefault(str(event["UID"]).strip(), []).append(event)
    return by_uid


def _occurrences(calendar: Any, horizon: tuple[date, date]) -> Iterator[Any]:
    """Occurrences in start order that may touch the horizon, at most `MAX_IMPORTED_DAYS`."""
    occurrences = recurring_ical_events.of(calendar).after(horizon[0])
    for count, occurrence in enumerate(occurrences, start=1):
        if _as_date(occurrence["DTSTART"].dt) >= horizon[1]:
            return
        if count > MAX_IMPORTED_DAYS:
            raise CalendarFormatError(
                f"The calendar has more than {MAX_IMPORTED_DAYS} all-day events in the two "
                "years ahead and the year behind; import a shorter calendar."
            )
        yield occurrence


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


def _is_recurring(components: list[Any]) -> bool:
    keys = ("RRULE", "RDATE", "RECURRENCE-ID")
    return any(key in component for component in components for key in keys)


def parse_calendar(data: bytes, today: date) -> ParsedCalendar:
    """The all-day events of an ICS file as no-school ranges, or `CalendarFormatError`.

    Recurring series are expanded from a year before `today` to two years after (within
    2000..2037). `skipped` counts timed events (one per series), cancelled occurrences,
    occurrences outside 2000..2037, and all-day events with no occurrence in that window.
    """
    calendar = _read(data)
    series = _series(_checked_events(calendar))
    importable = icalendar.Calendar()
    skipped = 0
    for components in series.values():
        master = next((c for c in components if "RECURRENCE-ID" not in c), components[0])
        if _importable(master):
            for component in components:
                importable.add_component(component)
        else:
            skipped += 1
    horizon = (
        max(FIRST_SUPPORTED_DATE, today - HORIZON_PAST),
        min(LAST_SUPPORTED_DATE + timedelta(days=1), today + HORIZON_FUTURE),
    )
    found: dict[str, ImportedEvent] = {}
    seen: set[str] = set()
    try:
        for occurrence in _occurrences(importable, horizon):
            uid = str(occurrence["UID"]).strip()
            seen.add(uid)
            event = _imported_event(occurrence, uid, _is_recurring(series[uid]))
            if event is None:
                skipped += 1
            else:
                found[event.source_uid] = event
    except CalendarFormatError:
        raise
    except Exception as exc:  # bad rules and dates surface only while expanding
        raise CalendarFormatError(f"The calendar's events cannot be expanded: {exc}") from exc
    uids = {str(c["UID"]).strip() for c in importable.walk("VEVENT")}
    skipped += len(uids - seen)
    return ParsedCalendar(tuple(found.values()), skipped)


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
