"""The calendar preview: reasons and details per day, windows as local instants, clock changes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support import Api, FakeClock

WEEK = {
    "mon": [{"start": "08:15", "end": "11:45"}, {"start": "12:30", "end": "15:05"}],
    "tue": [{"start": "08:15", "end": "15:05"}],
    "wed": [{"start": "08:15", "end": "11:45"}],
    "thu": [{"start": "08:15", "end": "15:05"}],
    "fri": [{"start": "08:15", "end": "15:05"}],
    # Windows across the hours that the clock changes skip or repeat.
    "sun": [{"start": "01:00", "end": "03:00"}],
}


def make_teen(parent: Api, timezone: str = "America/New_York", **place: Any) -> str:
    body = {"nickname": "Sam", "timezone": timezone, **place}
    response = parent.post("/v1/teens", body)
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def set_schedule(parent: Api, teen_id: str, **extra: Any) -> None:
    response = parent.put(f"/v1/teens/{teen_id}/schedule", {"weekly": WEEK, **extra})
    assert response.status_code == 200, response.get_json()


def preview(parent: Api, teen_id: str, query: str) -> list[dict[str, Any]]:
    response = parent.get(f"/v1/teens/{teen_id}/preview{query}")
    assert response.status_code == 200, response.get_json()
    result: list[dict[str, Any]] = response.get_json()
    return result


@pytest.fixture
def teen_id(parent: Api) -> str:
    teen = make_teen(parent, country="US")
    set_schedule(parent, teen)
    return teen


def test_a_school_day_lists_its_windows_with_the_zones_offset(parent: Api, teen_id: str) -> None:
    day = preview(parent, teen_id, "?from=2026-11-23&days=1")[0]
    assert day == {
        "date": "2026-11-23",
        "school_day": True,
        "reason": None,
        "detail": None,
        "windows": [
            {"start": "2026-11-23T08:15:00-05:00", "end": "2026-11-23T11:45:00-05:00"},
            {"start": "2026-11-23T12:30:00-05:00", "end": "2026-11-23T15:05:00-05:00"},
        ],
    }


def test_a_week_shows_public_holiday_and_weekly_off(parent: Api, teen_id: str) -> None:
    days = preview(parent, teen_id, "?from=2026-11-23&days=7")
    assert [d["date"] for d in days] == [f"2026-11-{n}" for n in range(23, 30)]
    summary = [(d["school_day"], d["reason"], d["detail"]) for d in days]
    assert summary == [
        (True, None, None),
        (True, None, None),
        (True, None, None),
        (False, "public_holiday", "Thanksgiving Day"),
        (True, None, None),
        (False, "weekly_off", None),
        (True, None, None),
    ]
    assert days[3]["windows"] == []
    assert all("clock_change" not in d for d in days)


def test_subdivision_holidays_count_and_observance_can_be_switched_off(parent: Api) -> None:
    california = make_teen(parent, country="US", subdivision="CA")
    set_schedule(parent, california)
    day = preview(parent, california, "?from=2026-11-27&days=1")[0]
    assert (day["reason"], day["detail"]) == ("public_holiday", "Day After Thanksgiving")
    set_schedule(parent, california, observe_public_holidays=False)
    day = preview(parent, california, "?from=2026-11-26&days=1")[0]
    assert (day["school_day"], day["reason"]) == (True, None)


def test_days_outside_the_term_say_so(parent: Api, teen_id: str) -> None:
    set_schedule(parent, teen_id, term={"first_day": "2026-09-02", "last_day": "2027-06-18"})
    before, first = preview(parent, teen_id, "?from=2026-09-01&days=2")
    assert (before["school_day"], before["reason"]) == (False, "outside_term")
    assert before["detail"] == "Term runs 2026-09-02 to 2027-06-18"
    assert before["windows"] == []
    assert (first["school_day"], first["reason"]) == (True, None)


def test_fall_back_day_carries_the_clock_change_and_both_offsets(parent: Api, teen_id: str) -> None:
    days = preview(parent, teen_id, "?from=2026-10-30&days=4")
    friday, saturday, sunday, monday = days
    assert friday["windows"][0]["start"] == "2026-10-30T08:15:00-04:00"
    assert "clock_change" not in saturday
    assert sunday["clock_change"] == {
        "at": "2026-11-01T01:00:00-05:00",
        "from_offset": "-04:00",
        "to_offset": "-05:00",
    }
    # 01:00-03:00 local covers the repeated hour too: three hours of instants.
    assert sunday["windows"] == [
        {"start": "2026-11-01T01:00:00-04:00", "end": "2026-11-01T03:00:00-05:00"}
    ]
    assert monday["windows"][0]["start"] == "2026-11-02T08:15:00-05:00"
    assert "clock_change" not in monday


def test_spring_forward_day_shortens_its_window(parent: Api, teen_id: str) -> None:
    sunday = preview(parent, teen_id, "?from=2027-03-14&days=1")[0]
    assert sunday["clock_change"] == {
        "at": "2027-03-14T03:00:00-04:00",
        "from_offset": "-05:00",
        "to_offset": "-04:00",
    }
    # 02:00-03:00 does not exist that night, so 01:00-03:00 is one hour long.
    assert sunday["windows"] == [
        {"start": "2027-03-14T01:00:00-05:00", "end": "2027-03-14T03:00:00-04:00"}
    ]


def test_half_hour_zones_keep_their_offset(parent: Api) -> None:
    teen = make_teen(parent, "Asia/Kolkata")
    set_schedule(parent, teen)
    day = preview(parent, teen, "?from=2026-11-23&days=1")[0]
    assert day["windows"][0] == {
        "start": "2026-11-23T08:15:00+05:30",
        "end": "2026-11-23T11:45:00+05:30",
    }


def test_from_defaults_to_today_in_the_teens_zone(
    parent: Api, teen_id: str, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 26, 3, 0, tzinfo=UTC))  # 22:00 on the 25th in New York
    days = preview(parent, teen_id, "")
    assert [d["date"] for d in days][:2] == ["2026-11-25", "2026-11-26"]
    assert (len(days), days[-1]["date"]) == (7, "2026-12-01")
    tokyo = make_teen(parent, "Asia/Tokyo")
    set_schedule(parent, tokyo)
    assert preview(parent, tokyo, "?days=1")[0]["date"] == "2026-11-26"


def test_62_days_is_the_longest_preview(parent: Api, teen_id: str) -> None:
    assert len(preview(parent, teen_id, "?from=2026-11-01&days=62")) == 62


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?days=63", "days"),
        ("?days=0", "days"),
        ("?days=many", "days"),
        ("?from=2026-13-01", "from"),
        ("?from=20261201", "from"),
        ("?from=1999-12-31", "from"),
        ("?from=2038-01-01&days=1", "from"),
        ("?from=2037-12-26&days=7", "days"),
        ("?from=2026-11-01&weeks=2", "weeks"),
    ],
)
def test_bad_preview_parameters_are_422_naming_the_parameter(
    parent: Api, teen_id: str, query: str, field: str
) -> None:
    response = parent.get(f"/v1/teens/{teen_id}/preview{query}")
    assert response.status_code == 422, response.get_json()
    assert [e["field"] for e in response.get_json()["errors"]] == [field]


def test_the_last_supported_week_can_be_previewed(parent: Api, teen_id: str) -> None:
    days = preview(parent, teen_id, "?from=2037-12-25&days=7")
    assert days[-1]["date"] == "2037-12-31"


def test_preview_without_a_schedule_is_404(parent: Api) -> None:
    teen = make_teen(parent)
    response = parent.get(f"/v1/teens/{teen}/preview?from=2026-11-23")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "No such schedule."
