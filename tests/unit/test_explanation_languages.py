"""Explanations in every language name the same times (SPEC §4.5, §10), whatever the zone.

For any check (the property tests' teens, instants near clock changes in half-hour and DST
zones), each shipped language's sentence, the pseudo-language's and British English's:
- names today's school hours, written the language's way, when the reason is about them;
- names the window that starts next, or the instant of the nudge, when it should;
- and every time it writes is one of the times this check is about: today's windows, now, the
  next window's start, when things change, a pause, a snooze or the last reminder, read in
  the school's zone. A time from the wrong zone, or a translation that swapped a
  placeholder, fails here.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from hypothesis import given, settings

from alertsvc.domain.calendar import occurrences_on, school_day, to_local, zone_named
from alertsvc.domain.decision import Decision, Reason
from alertsvc.domain.state import NudgeState, cap_end
from alertsvc.i18n import CATALOGS, PSEUDO_TAG, Language, language
from tests.unit.test_decision_properties import Teen, single_checks

LANGUAGES = [
    language(tag.replace("_", "-")) for tag in (*CATALOGS, "en-GB", "es-MX", "ar-EG", PSEUDO_TAG)
]
ABOUT_TODAYS_HOURS = frozenset(Reason) - {
    Reason.DISABLED,
    Reason.NO_SCHEDULE,
    Reason.PAUSED,
    Reason.NO_SCHOOL_TODAY,
}
NAMES_THE_NEXT_WINDOW = frozenset({Reason.NO_SCHOOL_TODAY, Reason.OUTSIDE_SCHOOL_HOURS})
# 8:05, 08:05 and Japanese 8時05分: the times a sentence writes, as (hour, minute).
_TIME = re.compile(r"(\d{1,2})(?::|時)(\d{2})")


def _minutes(instant: datetime | None, zone: str) -> set[int]:
    if instant is None:
        return set()
    wall = to_local(instant, zone_named(zone))
    return {wall.hour * 60 + wall.minute}


def _as_written(lang: Language, minutes: int) -> tuple[int, int]:
    """The (hour, minute) a language writes for a time: 12-hour ones write 3 for 15:00 and
    12 for midnight; 24-hour ones write 24:00 at the end of a day."""
    hour, minute = divmod(minutes, 60)
    if "h" in lang.locale.time_formats["short"].pattern:
        return (hour % 12 or 12, minute)
    return (hour, minute)


def _times_about(teen: Teen, now: datetime, state: NudgeState, decision: Decision) -> set[int]:
    """Minutes of the day this check may name: the school's window edges (and where reminders
    can start in each, after the grace period), and the instants it is about, read in the zone."""
    zone = teen.place.timezone
    grace = decision.effective_policy.grace_minutes
    windows = [w for day in teen.schedule.weekly for w in day]
    windows += [w for exception in teen.exceptions for w in exception.windows]
    found = {edge for w in windows for edge in (w.start, w.end)}
    for ahead in range(-1, 9):  # grace ends in elapsed time: across a clock change too
        day = decision.local_day + timedelta(days=ahead)
        verdict = school_day(day, teen.schedule, teen.exceptions, teen.place)
        for occurrence in occurrences_on(day, verdict.windows, zone_named(zone)):
            found |= _minutes(occurrence.interval.start + timedelta(minutes=grace), zone)
    for instant in (
        now,
        decision.change_at,
        decision.window.start if decision.window else None,
        state.paused_until,
        state.snoozed_until,
        state.last_nudge_at,
        cap_end(state, decision.local_day, decision.effective_policy),
    ):
        found |= _minutes(instant, zone)
    return found


@settings(max_examples=150, deadline=None)
@given(single_checks())
def test_every_language_names_the_times_of_the_check(
    case: tuple[Teen, datetime, NudgeState],
) -> None:
    teen, now, state = case
    decision = teen.check(now, state)
    zone = teen.place.timezone
    today = school_day(decision.local_day, teen.schedule, teen.exceptions, teen.place)
    windows = tuple((window.start, window.end) for window in today.windows)
    allowed = _times_about(teen, now, state, decision)
    for lang in LANGUAGES:
        sentence = lang.say(decision.explanation)
        assert "  " not in sentence, (lang.tag, sentence)  # no empty placeholder
        assert " ()" not in sentence, (lang.tag, sentence)
        assert zone in sentence or decision.reason in (Reason.DISABLED, Reason.NO_SCHEDULE)
        if decision.reason in ABOUT_TODAYS_HOURS:
            assert lang.hours(windows) in sentence, (lang.tag, sentence)
        if decision.reason in NAMES_THE_NEXT_WINDOW and decision.window is not None:
            (start,) = _minutes(decision.window.start, zone)
            assert lang.clock(start) in sentence, (lang.tag, sentence)
        if decision.reason is Reason.IN_SCHOOL_HOURS and decision.redeliver_id is None:
            (wall,) = _minutes(now, zone)
            assert lang.clock(wall) in sentence, (lang.tag, sentence)
        written = {(int(hour), int(minute)) for hour, minute in _TIME.findall(sentence)}
        expected = {_as_written(lang, minutes) for minutes in allowed}
        assert written <= expected, (lang.tag, sentence, sorted(expected))
