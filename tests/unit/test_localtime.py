from datetime import UTC, date, datetime, time

import pytz

from alertsvc.domain.localtime import end_of_local_day, local_instant

NEW_YORK = pytz.timezone("America/New_York")


def test_local_time_in_winter_uses_the_standard_offset() -> None:
    assert local_instant(date(2026, 12, 1), time(8, 0), NEW_YORK) == datetime(
        2026, 12, 1, 13, 0, tzinfo=UTC
    )


def test_local_time_in_summer_uses_daylight_time() -> None:
    assert local_instant(date(2026, 7, 1), time(8, 0), NEW_YORK) == datetime(
        2026, 7, 1, 12, 0, tzinfo=UTC
    )


def test_a_time_skipped_by_spring_forward_lands_after_the_jump() -> None:
    instant = local_instant(date(2026, 3, 8), time(2, 30), NEW_YORK)
    assert instant == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT


def test_a_repeated_time_after_fall_back_means_its_first_occurrence() -> None:
    instant = local_instant(date(2026, 11, 1), time(1, 30), NEW_YORK)
    assert instant == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT


def test_end_of_local_day_is_the_next_local_midnight() -> None:
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # still the 25th in New York
    assert end_of_local_day(now, NEW_YORK) == datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
    assert end_of_local_day(now, NEW_YORK, 1) == datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
