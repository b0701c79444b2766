"""8. ICS import: the worst calendar files we can build, each answered within 2 s.

In-process, on a temporary SQLite database: the service call (`import_calendar`: parse,
expand, write the rows, flush; rolled back after each run so every run is a first import)
timed three times per file, the slowest run reported. Every file is at most the 1 MiB the
API accepts. A refused file counts too: a 422 must also come within the bound.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

import alertsvc.db.models  # noqa: F401 - registers the tables
from alertsvc.db.base import Base
from alertsvc.db.repositories import TeenView
from alertsvc.domain.errors import InvalidFieldsError
from alertsvc.services import accounts, teens
from alertsvc.services.calendar_import import (
    MAX_DAYS_EXAMINED,
    MAX_LINES,
    SERIES_COST,
    CalendarFormatError,
    import_calendar,
    parse_calendar,
)
from bench.common import load_note, save_result

BOUND_SECONDS = 2.0
LIMIT = 1024 * 1024
NOW = datetime(2026, 11, 25, 13, 5, tzinfo=UTC)
REPEATS = 3


def _calendar(events: list[str], extra: str = "") -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{e}\r\nEND:VEVENT\r\n" for e in events)
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n"
    return f"{head}{extra}{body}END:VCALENDAR\r\n".encode()


def _event(uid: str, *lines: str) -> str:
    return "\r\n".join([f"UID:{uid}", "DTSTAMP:20260801T000000Z", *lines])


def _fill(make: Callable[[int], str], extra: str = "") -> bytes:
    """As many events from `make` as fit in 1 MiB."""
    size = len(_calendar([make(0)], extra))
    per_event = len(make(99999)) + 24
    events = [make(i) for i in range((LIMIT - size) // per_event + 1)]
    data = _calendar(events, extra)
    while len(data) > LIMIT:
        events.pop()
        data = _calendar(events, extra)
    return data


def _rule(rule: str, start: str = "20260101") -> Callable[[int], str]:
    return lambda i: _event(f"r{i}@s", f"DTSTART;VALUE=DATE:{start}", f"RRULE:{rule}", "SUMMARY:x")


def _as_many(make: Callable[[int], str], events: int) -> bytes:
    return _calendar([make(i) for i in range(events)])


def files() -> dict[str, bytes]:
    """The worst files, by name: rules that never match, huge COUNTs, fine FREQs, size.

    Each kind comes twice where the caps matter: as much of it as fits in 1 MiB (refused
    by a cap), and as much as the caps let through (the most work an accepted file costs).
    """
    never = "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"
    most_series = MAX_DAYS_EXAMINED // (SERIES_COST + 432)  # 432 days in the window
    # The lines the import reads: BEGIN, UID, DTSTART, RRULE, SUMMARY, END (and the calendar's)
    rule_events = (MAX_LINES - 2) // 6
    a_day = "DTSTART;VALUE=DATE:{:%Y%m%d}"
    alarms = "\r\n".join(["BEGIN:VALARM", "END:VALARM"] * (LIMIT // 26 - 20))
    return {
        "50 never-matching daily rules (the issue's file)": _as_many(_rule(never), 50),
        f"{most_series} never-matching daily rules (the most the work budget allows)": _as_many(
            _rule(never), most_series
        ),
        "1 MiB of never-matching daily rules": _fill(_rule(never)),
        "19 never-matching rules with COUNT from 2000 (just under the work budget)": _as_many(
            _rule(never + ";COUNT=5", "20000101"), 19
        ),
        f"{rule_events} never-matching rules with COUNT from 2000 (over the budget)": _as_many(
            _rule(never + ";COUNT=5", "20000101"), rule_events
        ),
        "1 MiB of COUNT=100000 daily rules from 2000": _fill(
            _rule("FREQ=DAILY;COUNT=100000", "20000101")
        ),
        "4 COUNT=100000 daily rules (1,728 days imported)": _as_many(
            _rule("FREQ=DAILY;COUNT=100000"), 4
        ),
        f"{rule_events} FREQ=SECONDLY all-day rules": _as_many(
            _rule("FREQ=SECONDLY;BYMONTH=2"), rule_events
        ),
        "1 MiB of FREQ=MINUTELY timed rules": _fill(
            lambda i: _event(f"m{i}@s", "DTSTART:20260101T080000Z", "RRULE:FREQ=MINUTELY")
        ),
        f"{rule_events} yearly BYSETPOS rules, UNTIL 9999": _as_many(
            _rule("FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1,1,100;UNTIL=99991231"), rule_events
        ),
        "10,000 all-day events": _as_many(
            lambda i: _event(f"e{i}@s", a_day.format(date(2020, 1, 1 + i % 28))), 10_000
        ),
        f"{(MAX_LINES - 2) // 4:,} all-day events outside the window (the most parsed)": _as_many(
            lambda i: _event(f"e{i}@s", a_day.format(date(2020, 1, 1 + i % 28))),
            (MAX_LINES - 2) // 4,
        ),
        "1 MiB of short unread lines": _calendar(
            [_event("a@s", "DTSTART;VALUE=DATE:20261201")], extra="X:a\r\n" * (LIMIT // 5 - 40)
        ),
        "1 MiB in one SUMMARY": _calendar(
            [_event("a@s", "DTSTART;VALUE=DATE:20261201", "SUMMARY:" + "a" * (LIMIT - 200))]
        ),
        "1 MiB of EXDATE values": _calendar(
            [
                _event(
                    "a@s",
                    "DTSTART;VALUE=DATE:20261201",
                    "RRULE:FREQ=DAILY",
                    "EXDATE;VALUE=DATE:" + ",".join(["20261202"] * ((LIMIT - 300) // 9)),
                )
            ]
        ),
        "1 MiB of parameters on one line": _calendar(
            [_event("a@s", "DTSTART;VALUE=DATE:20261201", "SUMMARY" + ";X=a" * (LIMIT // 4 - 60))]
        ),
        "1 MiB of empty alarms": _calendar([_event("a@s", "DTSTART;VALUE=DATE:20261201", alarms)]),
    }


def _teen(session: Session) -> TeenView:
    parent = accounts.register_parent(
        session, "bench@example.com", "bench password 1", NOW, passwords=accounts.FAST_PASSWORDS
    )
    return teens.create_teen(
        session,
        parent.parent_id,
        nickname="Bench",
        timezone="America/New_York",
        country=None,
        subdivision=None,
        now=NOW,
    )


def _once(session: Session, teen: TeenView, data: bytes) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        result = import_calendar(session, teen, data, NOW)
        answer = f"200 {result.imported}/{result.updated}/{result.skipped}"
    except (CalendarFormatError, InvalidFieldsError) as exc:
        answer = f"422 {str(exc)[:60]}"
    elapsed = time.perf_counter() - started
    session.rollback()
    return elapsed, answer


def run(quick: bool) -> dict[str, Any]:
    """Time each worst file; print whether every one stays within the bound."""
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'ics.db'}")
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            teen = _teen(session)
            session.commit()
            rows = []
            for name, data in files().items():
                assert len(data) <= LIMIT, name
                times = [_once(session, teen, data) for _ in range(1 if quick else REPEATS)]
                slowest = max(t for t, _ in times)
                try:
                    examined = parse_calendar(data, NOW.date()).days_examined
                except (CalendarFormatError, InvalidFieldsError):
                    examined = None
                rows.append(
                    {
                        "file": name,
                        "bytes": len(data),
                        "seconds_max": round(slowest, 3),
                        "answer": times[0][1],
                        "days_examined": examined,
                        "within_bound": slowest < BOUND_SECONDS,
                    }
                )
                flag = "ok" if slowest < BOUND_SECONDS else "OVER THE BOUND"
                print(
                    f"{slowest:6.3f} s  {len(data):>8} B  {flag:<14} {name}: {times[0][1]}"
                    f"{'' if examined is None else f' ({examined} days examined)'}"
                )
        engine.dispose()
    worst = max(row["seconds_max"] for row in rows)
    verdict = all(row["within_bound"] for row in rows)
    print(f"slowest {worst:.3f} s; every file within {BOUND_SECONDS} s: {verdict} ({load_note()})")
    result = {"bound_seconds": BOUND_SECONDS, "all_within_bound": verdict, "files": rows}
    save_result("ics", result)
    return result
