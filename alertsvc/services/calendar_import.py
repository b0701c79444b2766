"""Importing a school's iCalendar (ICS) file: all-day events become `no_school` exceptions.

`parse_calendar` is pure (bytes and a date in, values out); `import_calendar` upserts them.
Each imported row remembers its event's UID (plus the occurrence date for a recurring
series) in `source_uid`, so importing the same calendar again updates rows instead of adding.

Every step is bounded whatever the file says, so no upload can hold a thread for long:
- only the lines the import reads (the top-level VEVENTs' dates, rules, UID, SUMMARY and
  STATUS) reach the iCalendar parser, at most `MAX_LINES` of them with at most
  `MAX_SEPARATORS` parameters and list values;
- repeating events are expanded only over the window (`WINDOW_PAST` before the import's
  local date to `WINDOW_FUTURE` after it) by `domain.recurrence`, which charges each day
  it looks at to one `WorkBudget` of `MAX_DAYS_EXAMINED` days; recurring-ical-events then
  applies EXDATE, RDATE and moved occurrences to the finite list of dates;
- at most `MAX_OCCURRENCES_PER_EVENT` days per event and `MAX_IMPORTED_DAYS` in all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from alertsvc.db.repositories import exceptions as exception_rows
from alertsvc.db.repositories.teens import TeenView
from alertsvc.domain.calendar import local_date, zone_named
from alertsvc.domain.message import msg
from alertsvc.domain.recurrence import WorkBudget, WorkExhaustedError
from alertsvc.domain.schedule import (
    FIRST_SUPPORTED_DATE,
    LAST_SUPPORTED_DATE,
    ExceptionKind,
    SchoolException,
)
from alertsvc.services.ics_expansion import SERIES_COST as SERIES_COST
from alertsvc.services.ics_expansion import Expander, length_in_days
from alertsvc.services.ics_reading import FIELD_PREFIX as FIELD_PREFIX
from alertsvc.services.ics_reading import MAX_LINES as MAX_LINES
from alertsvc.services.ics_reading import MAX_SEPARATORS as MAX_SEPARATORS
from alertsvc.services.ics_reading import CalendarFormatError as CalendarFormatError
from alertsvc.services.ics_reading import (
    as_date,
    checked_events,
    control_characters,
    is_all_day,
    is_recurring,
    master,
    read_calendar,
    refuse,
    series_by_uid,
)
from alertsvc.services.ids import new_id

# The days an import looks at: a break that began recently, and the coming school year.
WINDOW_PAST = timedelta(days=31)
WINDOW_FUTURE = timedelta(days=400)
MAX_DAYS_EXAMINED = 200_000
MAX_OCCURRENCES_PER_EVENT = 500
MAX_IMPORTED_DAYS = 2000
NOTE_LENGTH = 200
SOURCE_UID_LENGTH = 255


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
    days_examined: int  # by the expansion of repeating events: the work it did


@dataclass(frozen=True, slots=True)
class ImportResult:
    imported: int
    updated: int
    skipped: int


def _source_key(uid: str, occurrence: date | None) -> str:
    key = uid if occurrence is None else f"{uid}#{occurrence.isoformat()}"
    if len(key) > SOURCE_UID_LENGTH:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _note(summary: Any) -> str | None:
    text = " ".join(str(summary or "").split())
    return text[:NOTE_LENGTH] or None


def _last_day(component: Any, first_day: date) -> date:
    """DTEND is exclusive for all-day events; no DTEND (or a bad one) means one day."""
    end = component.get("DTEND")
    if end is not None:
        return max(first_day, date.fromordinal(max(1, as_date(end.dt).toordinal() - 1)))
    last = first_day.toordinal() + length_in_days(component) - 1
    return date.fromordinal(min(last, date.max.toordinal()))


def _imported_event(occurrence: Any, uid: str, recurring: bool) -> ImportedEvent | None:
    """The no-school range of one all-day occurrence; None if it cannot be stored."""
    if str(occurrence.get("STATUS", "")).upper() == "CANCELLED":
        return None
    first_day = as_date(occurrence["DTSTART"].dt)
    last_day = _last_day(occurrence, first_day)
    if first_day < FIRST_SUPPORTED_DATE or last_day > LAST_SUPPORTED_DATE:
        return None
    occurrence_day = None
    if recurring:
        recurrence_id = occurrence.get("RECURRENCE-ID")
        occurrence_day = as_date(recurrence_id.dt) if recurrence_id else first_day
    return ImportedEvent(
        _source_key(uid, occurrence_day), first_day, last_day, _note(occurrence.get("SUMMARY"))
    )


def _importable(event: Any) -> bool:
    """All-day events (DTSTART is a date); timed ones are skipped."""
    return is_all_day(event["DTSTART"].dt)


class _Collector:
    """Gathers imported events and the skipped count while enforcing the upload's bounds."""

    def __init__(self, window: tuple[date, date]) -> None:
        self.window = window
        self.budget = WorkBudget(MAX_DAYS_EXAMINED)
        self.expander = Expander(window, self.budget)
        self.found: dict[str, ImportedEvent] = {}
        self.skipped = 0
        self.days = 0

    def _single(self, event: Any) -> list[Any]:
        first_day = as_date(event["DTSTART"].dt)
        touches = first_day < self.window[1] and _last_day(event, first_day) >= self.window[0]
        return [event] if touches else []

    def add_series(self, uid: str, components: list[tuple[int, Any]]) -> None:
        recurring = is_recurring(components)
        if not recurring:
            occurrences: list[Any] | None = self._single(components[0][1])
        else:
            try:
                occurrences = self.expander.occurrences(components)
            except WorkExhaustedError as exc:
                raise CalendarFormatError(
                    msg(
                        "The calendar's repeating events need too much work to expand; "
                        "import a calendar with fewer of them."
                    )
                ) from exc
        if not occurrences:
            self.skipped += 1
            return
        occurrences.sort(key=lambda o: as_date(o["DTSTART"].dt))
        self.skipped += max(0, len(occurrences) - MAX_OCCURRENCES_PER_EVENT)
        occurrences = occurrences[:MAX_OCCURRENCES_PER_EVENT]
        self.days += len(occurrences)
        if self.days > MAX_IMPORTED_DAYS:
            raise CalendarFormatError(
                msg(
                    "The calendar has more than %(max)d all-day events in the import's window; "
                    "import a shorter calendar.",
                    max=MAX_IMPORTED_DAYS,
                )
            )
        for occurrence in occurrences:
            event = _imported_event(occurrence, uid, recurring)
            if event is None:
                self.skipped += 1
            else:
                self.found[event.source_uid] = event


def import_window(today: date) -> tuple[date, date]:
    """The days an import covers: [first, end), within the supported dates."""
    return (
        max(FIRST_SUPPORTED_DATE, today - WINDOW_PAST),
        min(LAST_SUPPORTED_DATE, today + WINDOW_FUTURE) + timedelta(days=1),
    )


def parse_calendar(data: bytes, today: date) -> ParsedCalendar:
    """The all-day events of an ICS file as no-school ranges.

    Raises `CalendarFormatError` for a file that is not a usable calendar, and
    `InvalidFieldsError` naming `calendar.VEVENT[n].NAME` for a bad property. Only days in
    `import_window(today)` are imported. `skipped` counts timed events and series this
    import does not expand (one per UID), events with no day in the window, cancelled
    occurrences, and occurrences beyond `MAX_OCCURRENCES_PER_EVENT`. Events come back in
    date order, so new rows are created in that order.
    """
    series = series_by_uid(checked_events(read_calendar(data)))
    importable = {uid: c for uid, c in series.items() if _importable(master(c))}
    refuse(control_characters(importable.values()))
    collector = _Collector(import_window(today))
    collector.skipped = len(series) - len(importable)
    for uid, components in importable.items():
        collector.add_series(uid, components)
    events = sorted(collector.found.values(), key=lambda e: (e.first_day, e.source_uid))
    return ParsedCalendar(tuple(events), collector.skipped, collector.budget.used)


def import_calendar(session: Session, teen: TeenView, data: bytes, now: datetime) -> ImportResult:
    """Upsert the file's all-day events as the teen's `no_school` exceptions.

    A known `source_uid` updates its row (dates and note; its creation order stays), a new
    one adds a row that is newer than every existing exception. Raises `CalendarFormatError`
    or `InvalidFieldsError` before writing anything.
    """
    parsed = parse_calendar(data, local_date(now, zone_named(teen.timezone)))
    existing = exception_rows.load_exception_records_by_uid(session, teen.id)
    imported = updated = 0
    seq: int | None = None
    for event in parsed.events:
        record = existing.get(event.source_uid)
        if record is not None:
            exception_rows.update_imported_exception(
                session,
                teen.id,
                record.exception.id,
                event.first_day,
                event.last_day,
                event.note,
            )
            updated += 1
            continue
        seq = exception_rows.next_exception_seq(session, teen.id) if seq is None else seq + 1
        exception = SchoolException(
            new_id("exc"), event.first_day, event.last_day, ExceptionKind.NO_SCHOOL, (), event.note
        )
        exception_rows.add_exception(
            session, teen.id, exception, now, seq=seq, source_uid=event.source_uid, flush=False
        )
        imported += 1
    session.flush()
    return ImportResult(imported, updated, parsed.skipped)
