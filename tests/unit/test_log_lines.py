"""The JSON log line's own parts: its timestamp, formatted once per second."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from alertsvc.logs import JsonFormatter, _timestamp

# 2001-09-09 to 2100: what time.time() gives a running service.
INSTANTS = st.floats(min_value=1_000_000_000, max_value=4_102_444_800, allow_nan=False)


def iso(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")


@given(st.lists(INSTANTS, min_size=1, max_size=20))
def test_the_timestamp_is_iso_8601_utc_to_the_millisecond_whatever_came_before(
    instants: list[float],
) -> None:
    for created in instants:
        assert _timestamp(created) == iso(created)


@given(INSTANTS, st.integers(min_value=0, max_value=999))
def test_instants_of_one_second_share_its_date_and_keep_their_own_milliseconds(
    created: float, millis: int
) -> None:
    second = float(int(created))
    later = second + millis / 1000 + 0.0004  # inside the millisecond, away from its edge
    _timestamp(second)  # the second's text is now the one remembered
    assert _timestamp(later) == iso(later)
    assert _timestamp(later).endswith(f".{millis:03d}+00:00")


def test_a_record_is_one_compact_json_object_with_its_extra_fields() -> None:
    record = logging.makeLogRecord(
        {"name": "alertsvc.access", "levelno": logging.INFO, "levelname": "INFO",
         "msg": "request", "created": 1_796_331_600.25, "route": "/v1/check", "status": 200}
    )  # fmt: skip
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line) == {
        "ts": "2026-12-03T21:00:00.250+00:00",
        "level": "info",
        "logger": "alertsvc.access",
        "msg": "request",
        "route": "/v1/check",
        "status": 200,
    }
