"""Local wall-clock dates and times in a school's zone <-> UTC instants (pytz rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

import pytz


def local_instant(day: date, at: time, zone: tzinfo) -> datetime:
    """The UTC instant of local `day` `at` in `zone`.

    A time that a spring-forward skips is read with the offset before the jump (02:30 on a
    23-hour day becomes 03:30 local); a repeated time after a fall-back means its first
    occurrence, so a pause "until 01:30" never ends early.
    """
    naive = datetime.combine(day, at)
    if isinstance(zone, pytz.BaseTzInfo):
        try:
            aware = zone.localize(naive, is_dst=None)
        except pytz.NonExistentTimeError:
            aware = zone.normalize(zone.localize(naive, is_dst=False))
        except pytz.AmbiguousTimeError:
            aware = zone.localize(naive, is_dst=True)
    else:  # pragma: no cover - every zone we build is pytz
        aware = naive.replace(tzinfo=zone)
    return aware.astimezone(UTC)


def end_of_local_day(now: datetime, zone: tzinfo, days_ahead: int = 0) -> datetime:
    """The UTC instant of the local midnight that ends today (+ `days_ahead` days) in `zone`."""
    today = now.astimezone(zone).date()  # astimezone applies pytz's fromutc
    return local_instant(today + timedelta(days=days_ahead + 1), time(0, 0), zone)
