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
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import icalendar
import recurring_ical_events
from sqlalchemy.orm import Session

from alertsvc.db import repositories
from alertsvc.db.repositories import TeenView
from alertsvc.domain.calendar import local_date, zone_named
from alertsvc.domain.errors import FieldError, InvalidFieldsError
from alertsvc.domain.recurrence import (
    WEEKDAY_CODES,
    DayRule,
    Frequency,
    WorkBudget,
    WorkExhaustedError,
    rule_dates,
)
from alertsvc.domain.schedule import (
    FIRST_SUPPORTED_DATE,
    LAST_SUPPORTED_DATE,
    ExceptionKind,
    SchoolException,
)
from alertsvc.services.ids import new_id

# The days an import looks at: a break that began recently, and the coming school year.
WINDOW_PAST = timedelta(days=31)
WINDOW_FUTURE = timedelta(days=400)
# Parsing costs icalendar ~20 µs a line and a few µs a parameter or list value.
MAX_LINES = 20_000
MAX_SEPARATORS = 30_000
# A series costs its window's days (from its start with COUNT), plus this if it is expanded.
MAX_DAYS_EXAMINED = 200_000
SERIES_COST = 100
MAX_OCCURRENCES_PER_EVENT = 500
MAX_IMPORTED_DAYS = 2000
MAX_LISTED_ERRORS = 20
NOTE_LENGTH = 200
SOURCE_UID_LENGTH = 255

# Where a problem is: `calendar.VEVENT[3].SUMMARY` is the SUMMARY of the file's fourth event.
FIELD_PREFIX = "calendar"
# PostgreSQL cannot store NUL, and no title or UID needs C0 controls (but tab, LF, CR) or DEL.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_STORED = ("UID", "SUMMARY")
_READ = frozenset(
    {"UID", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"}
    | {"SUMMARY", "STATUS", "SEQUENCE"}
)
_LONGEST = (LAST_SUPPORTED_DATE - FIRST_SUPPORTED_DATE).days + 1
# Properties an event may have once (RRULE, RDATE and EXDATE may come more than once).
_SINGLE = ("UID", "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "SUMMARY", "STATUS", "SEQUENCE")
_CRITICAL = {"UID", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"}
_FOLD = re.compile(r"\r?\n[ \t]")
_LINE_BREAK = re.compile(r"\r?\n|\r")
_NAME = re.compile(r"[A-Za-z0-9-]*")
_CALENDAR = ["VCALENDAR"]
_EVENT = ["VCALENDAR", "VEVENT"]
_WEEKDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_RULE_PARTS = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYMONTH", "BYWEEKNO", "BYYEARDAY"}
    | {"BYMONTHDAY", "BYDAY", "BYSETPOS"}
)


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
    days_examined: int  # by the expansion of repeating events: the work it did


@dataclass(frozen=True, slots=True)
class ImportResult:
    imported: int
    updated: int
    skipped: int


def field_path(index: int, name: str) -> str:
    """`calendar.VEVENT[3].SUMMARY`: a property of the file's VEVENTs, counted from 0."""
    return f"{FIELD_PREFIX}.VEVENT[{index}].{name}"


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


def _event_lines(text: str) -> list[str]:
    """The lines of the top-level VEVENTs that the import reads, with their BEGIN and END.

    Alarms, time zones, descriptions and the like are never read, so they are dropped
    before the (slow) parser sees them.
    """
    kept: list[str] = []
    path: list[str] = []
    for line in _LINE_BREAK.split(_FOLD.sub("", text)):
        match = _NAME.match(line)
        name = match.group().upper() if match else ""
        if name == "BEGIN":
            path.append(line.partition(":")[2].strip().upper())
            if path in (_CALENDAR, _EVENT):
                kept.append(line)
        elif name == "END":
            if path in (_CALENDAR, _EVENT):
                kept.append(line)
            if not path or path.pop() != line.partition(":")[2].strip().upper():
                raise CalendarFormatError("Its BEGIN and END lines do not match.")
        elif path == _EVENT and name in _READ:
            kept.append(line)
    return kept


def _read(data: bytes) -> Any:
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise CalendarFormatError("The file is not UTF-8 text.") from exc
    lines = _event_lines(text)
    if len(lines) > MAX_LINES:
        raise CalendarFormatError(
            f"The calendar has more than {MAX_LINES} lines of events; export a shorter range."
        )
    kept = "\r\n".join(lines)
    if kept.count(";") + kept.count(",") > MAX_SEPARATORS:
        raise CalendarFormatError(
            f"The calendar's events have more than {MAX_SEPARATORS} parameters and values."
        )
    try:
        calendar = icalendar.Calendar.from_ical(kept + "\r\n")
    except Exception as exc:  # the parser raises many types for many kinds of bad input
        raise CalendarFormatError("The body is not an iCalendar file.") from exc
    if getattr(calendar, "name", None) != "VCALENDAR":
        raise CalendarFormatError("The body has no VCALENDAR.")
    return calendar


def _refuse(errors: Sequence[FieldError]) -> None:
    if errors:
        raise InvalidFieldsError(errors[:MAX_LISTED_ERRORS])


def _checked_events(calendar: Any) -> list[Any]:
    """Every VEVENT, after checking each has a UID and readable dates and rules, once."""
    events = list(calendar.walk("VEVENT"))
    errors: list[FieldError] = []
    for index, event in enumerate(events):
        if not str(event.get("UID", "")).strip():
            errors.append(FieldError(field_path(index, "UID"), "is required"))
        if "DTSTART" not in event:
            errors.append(FieldError(field_path(index, "DTSTART"), "is required"))
        broken = sorted({name for name, _ in getattr(event, "errors", ()) if name in _CRITICAL})
        errors += [FieldError(field_path(index, name), "is not a valid value") for name in broken]
        repeated = [name for name in _SINGLE if isinstance(event.get(name), list)]
        errors += [FieldError(field_path(index, name), "must appear once") for name in repeated]
    _refuse(errors)
    return events


def _control_characters(series: Iterable[list[tuple[int, Any]]]) -> list[FieldError]:
    """The stored properties (UID, SUMMARY) of the events to import that hold a control."""
    errors = []
    for components in series:
        for index, component in components:
            for name in _STORED:
                found = _CONTROL.search(str(component.get(name, "")))
                if found:
                    code = f"U+{ord(found.group()):04X}"
                    message = f"must not contain control characters (found {code})"
                    errors.append(FieldError(field_path(index, name), message))
    return errors


def _series(events: Iterable[Any]) -> dict[str, list[tuple[int, Any]]]:
    """VEVENTs (with their place in the file) grouped by UID: a master and its changes."""
    by_uid: dict[str, list[tuple[int, Any]]] = {}
    for index, event in enumerate(events):
        by_uid.setdefault(str(event["UID"]).strip(), []).append((index, event))
    return by_uid


def _master(components: list[tuple[int, Any]]) -> Any:
    return next((c for _, c in components if "RECURRENCE-ID" not in c), components[0][1])


def _is_recurring(components: list[tuple[int, Any]]) -> bool:
    keys = ("RRULE", "RDATE", "RECURRENCE-ID")
    return any(key in component for _, component in components for key in keys)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _ints(parts: dict[str, list[Any]], name: str) -> frozenset[int]:
    return frozenset(int(value) for value in parts.get(name, ()))


def _one(parts: dict[str, list[Any]], name: str) -> Any:
    (value,) = parts[name]
    return value


def _weekday(value: Any) -> tuple[int, int]:
    """`-1FR` -> (4, -1); `MO` -> (0, 0)."""
    match = _WEEKDAY.fullmatch(str(value).strip().upper())
    if match is None:
        raise ValueError(f"{value!r} is not a weekday")
    return WEEKDAY_CODES.index(match[2]), int(match[1] or 0)


def _day_rule(recur: Any) -> DayRule | None:
    """The RRULE as a rule of whole days, or None for one this import does not expand.

    Rules with times (FREQ=HOURLY and finer, BYHOUR, BYMINUTE, BYSECOND), parts outside
    RFC 5545 (BYEASTER, RSCALE) and values it does not allow (INTERVAL=0) are not expanded.
    """
    try:
        parts = {str(key).upper(): _as_list(value) for key, value in recur.items()}
        if not parts.keys() <= _RULE_PARTS:
            return None
        return DayRule(
            frequency=Frequency(str(_one(parts, "FREQ")).upper()),
            interval=int(_one(parts, "INTERVAL")) if "INTERVAL" in parts else 1,
            count=int(_one(parts, "COUNT")) if "COUNT" in parts else None,
            until=_as_date(_one(parts, "UNTIL")) if "UNTIL" in parts else None,
            week_start=_weekday(_one(parts, "WKST"))[0] if "WKST" in parts else 0,
            months=_ints(parts, "BYMONTH"),
            week_numbers=_ints(parts, "BYWEEKNO"),
            year_days=_ints(parts, "BYYEARDAY"),
            month_days=_ints(parts, "BYMONTHDAY"),
            weekdays=frozenset(_weekday(value) for value in parts.get("BYDAY", ())),
            set_positions=_ints(parts, "BYSETPOS"),
        )
    except (KeyError, ValueError, TypeError, AttributeError):
        return None


def _length_in_days(component: Any) -> int:
    """Days an all-day event lasts: 1 to the supported range's length (a longer one cannot
    be stored, and a DURATION of millions of days must not overflow the date arithmetic)."""
    try:
        return min(max(1, int(component.duration.days)), _LONGEST)
    except Exception:  # a missing or contradictory DTEND/DURATION means one day
        return 1


def _last_day(component: Any, first_day: date) -> date:
    """DTEND is exclusive for all-day events; no DTEND (or a bad one) means one day."""
    end = component.get("DTEND")
    if end is not None:
        return max(first_day, date.fromordinal(max(1, _as_date(end.dt).toordinal() - 1)))
    last = first_day.toordinal() + _length_in_days(component) - 1
    return date.fromordinal(min(last, date.max.toordinal()))


def _imported_event(occurrence: Any, uid: str, recurring: bool) -> ImportedEvent | None:
    """The no-school range of one all-day occurrence; None if it cannot be stored."""
    if str(occurrence.get("STATUS", "")).upper() == "CANCELLED":
        return None
    first_day = _as_date(occurrence["DTSTART"].dt)
    last_day = _last_day(occurrence, first_day)
    if first_day < FIRST_SUPPORTED_DATE or last_day > LAST_SUPPORTED_DATE:
        return None
    occurrence_day = None
    if recurring:
        recurrence_id = occurrence.get("RECURRENCE-ID")
        occurrence_day = _as_date(recurrence_id.dt) if recurrence_id else first_day
    return ImportedEvent(
        _source_key(uid, occurrence_day), first_day, last_day, _note(occurrence.get("SUMMARY"))
    )


class _Expander:
    """Turns one series into its occurrences in the window, charging the shared budget."""

    def __init__(self, window: tuple[date, date], budget: WorkBudget) -> None:
        self.window = window
        self.budget = budget

    def _dates(self, component: Any) -> list[date] | None:
        """The dates the component's RRULEs give in the window; None if not expandable."""
        start = component["DTSTART"].dt
        if not _is_all_day(start):
            return None
        first = self.window[0] - timedelta(days=_length_in_days(component) - 1)
        last = self.window[1] - timedelta(days=1)
        dates: set[date] = set()
        for recur in _as_list(component["RRULE"]):
            rule = _day_rule(recur)
            if rule is None:
                return None
            dates.update(rule_dates(rule, start, first, last, self.budget))
        return sorted(dates)

    def _finite(self, component: Any) -> Any | None:
        """The component with its RRULEs replaced by the RDATEs they give in the window."""
        if "RRULE" not in component:
            return component
        dates = self._dates(component)
        if dates is None:
            return None
        finite = icalendar.Event()
        finite.update(component)
        del finite["RRULE"]
        if dates:
            finite.add("RDATE", dates)
        return finite

    def occurrences(self, components: list[tuple[int, Any]]) -> list[Any] | None:
        """The series' occurrences that touch the window; None if its rules are not expandable.

        No RRULE reaches recurring-ical-events (python-dateutil would walk it to year 9999
        when it never matches again): each becomes the finite RDATE list it gives here.
        """
        calendar = icalendar.Calendar()
        for _, component in components:
            finite = self._finite(component)
            if finite is None:
                return None
            calendar.add_component(finite)
        self.budget.charge(SERIES_COST)
        try:
            found = recurring_ical_events.of(calendar).between(*self.window)
        except Exception as exc:  # bad dates surface only while expanding
            raise CalendarFormatError(f"The calendar's events cannot be expanded: {exc}") from exc
        return [o for o in found if _as_date(o["DTSTART"].dt) < self.window[1]]


def _importable(master: Any) -> bool:
    """All-day events (DTSTART is a date); timed ones are skipped."""
    return _is_all_day(master["DTSTART"].dt)


class _Collector:
    """Gathers imported events and the skipped count while enforcing the upload's bounds."""

    def __init__(self, window: tuple[date, date]) -> None:
        self.window = window
        self.budget = WorkBudget(MAX_DAYS_EXAMINED)
        self.expander = _Expander(window, self.budget)
        self.found: dict[str, ImportedEvent] = {}
        self.skipped = 0
        self.days = 0

    def _single(self, event: Any) -> list[Any]:
        first_day = _as_date(event["DTSTART"].dt)
        touches = first_day < self.window[1] and _last_day(event, first_day) >= self.window[0]
        return [event] if touches else []

    def add_series(self, uid: str, components: list[tuple[int, Any]]) -> None:
        recurring = _is_recurring(components)
        if not recurring:
            occurrences: list[Any] | None = self._single(components[0][1])
        else:
            try:
                occurrences = self.expander.occurrences(components)
            except WorkExhaustedError as exc:
                raise CalendarFormatError(
                    "The calendar's repeating events need too much work to expand; "
                    "import a calendar with fewer of them."
                ) from exc
        if not occurrences:
            self.skipped += 1
            return
        occurrences.sort(key=lambda o: _as_date(o["DTSTART"].dt))
        self.skipped += max(0, len(occurrences) - MAX_OCCURRENCES_PER_EVENT)
        occurrences = occurrences[:MAX_OCCURRENCES_PER_EVENT]
        self.days += len(occurrences)
        if self.days > MAX_IMPORTED_DAYS:
            raise CalendarFormatError(
                f"The calendar has more than {MAX_IMPORTED_DAYS} all-day events in the "
                "import's window; import a shorter calendar."
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
    series = _series(_checked_events(_read(data)))
    importable = {uid: c for uid, c in series.items() if _importable(_master(c))}
    _refuse(_control_characters(importable.values()))
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
