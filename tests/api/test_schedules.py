"""PUT/GET of a teen's schedule: shape, defaults, bounds naming their field, versions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Api

WEEK = {
    "mon": [{"start": "08:15", "end": "11:45"}, {"start": "12:30", "end": "15:05"}],
    "tue": [{"start": "08:15", "end": "15:05"}],
    "wed": [{"start": "08:15", "end": "15:05"}],
    "thu": [{"start": "08:15", "end": "15:05"}],
    "fri": [{"start": "08:15", "end": "13:00"}],
}
FULL = {
    "weekly": {**WEEK, "sat": [], "sun": []},
    "term": {"first_day": "2026-09-02", "last_day": "2027-06-18"},
    "observe_public_holidays": True,
    "policy": {
        "grace_minutes": 5,
        "min_interval_minutes": 20,
        "max_per_day": 6,
        "snooze_minutes": 15,
        "away_threshold_minutes": 120,
    },
}
DEFAULT_POLICY = {
    "grace_minutes": 10,
    "min_interval_minutes": 30,
    "max_per_day": 4,
    "snooze_minutes": 30,
    "away_threshold_minutes": 90,
}


@pytest.fixture
def teen_id(parent: Api) -> str:
    response = parent.post("/v1/teens", {"nickname": "Sam", "timezone": "America/New_York"})
    assert response.status_code == 201
    return str(response.get_json()["id"])


def path(teen_id: str) -> str:
    return f"/v1/teens/{teen_id}/schedule"


def test_a_full_schedule_comes_back_as_sent_with_version_1(parent: Api, teen_id: str) -> None:
    response = parent.put(path(teen_id), FULL)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {**FULL, "version": 1}
    assert parent.get(path(teen_id)).get_json() == {**FULL, "version": 1}


def test_missing_parts_get_defaults_and_every_weekday_is_listed(parent: Api, teen_id: str) -> None:
    body = parent.put(path(teen_id), {"weekly": {"mon": WEEK["mon"]}}).get_json()
    assert body["weekly"] == {
        "mon": WEEK["mon"],
        "tue": [],
        "wed": [],
        "thu": [],
        "fri": [],
        "sat": [],
        "sun": [],
    }
    assert body["term"] is None
    assert body["observe_public_holidays"] is True
    assert body["policy"] == DEFAULT_POLICY


def test_partial_policy_keeps_the_other_defaults(parent: Api, teen_id: str) -> None:
    body = parent.put(path(teen_id), {"weekly": {}, "policy": {"max_per_day": 2}}).get_json()
    assert body["policy"] == {**DEFAULT_POLICY, "max_per_day": 2}


def test_windows_come_back_in_time_order_and_24_00_is_allowed(parent: Api, teen_id: str) -> None:
    weekly = {"sat": [{"start": "20:00", "end": "24:00"}, {"start": "09:00", "end": "10:00"}]}
    body = parent.put(path(teen_id), {"weekly": weekly}).get_json()
    assert body["weekly"]["sat"] == [
        {"start": "09:00", "end": "10:00"},
        {"start": "20:00", "end": "24:00"},
    ]


def test_get_without_a_schedule_is_404(parent: Api, teen_id: str) -> None:
    response = parent.get(path(teen_id))
    assert response.status_code == 404
    assert response.get_json()["detail"] == "No such schedule."


def test_version_goes_up_only_when_something_changes(parent: Api, teen_id: str) -> None:
    assert parent.put(path(teen_id), FULL).get_json()["version"] == 1
    assert parent.put(path(teen_id), FULL).get_json()["version"] == 1
    changed = {**FULL, "observe_public_holidays": False}
    assert parent.put(path(teen_id), changed).get_json()["version"] == 2
    policy = {**FULL, "observe_public_holidays": False, "policy": DEFAULT_POLICY}
    assert parent.put(path(teen_id), policy).get_json()["version"] == 3
    # The same schedule written differently (defaults left out, windows reordered) is no change.
    same = {
        "weekly": {**WEEK, "mon": list(reversed(WEEK["mon"]))},
        "term": FULL["term"],
        "observe_public_holidays": False,
    }
    assert parent.put(path(teen_id), same).get_json()["version"] == 3
    assert parent.get(path(teen_id)).get_json()["version"] == 3


def with_weekly(**days: Any) -> dict[str, Any]:
    return {**FULL, "weekly": {**FULL["weekly"], **days}}


def with_policy(**fields: Any) -> dict[str, Any]:
    return {**FULL, "policy": {**FULL["policy"], **fields}}


def with_term(**fields: Any) -> dict[str, Any]:
    return {**FULL, "term": {**FULL["term"], **fields}}


BAD = [
    (with_weekly(mon=[{"start": "8:15", "end": "11:45"}]), "weekly.mon[0].start"),
    (with_weekly(mon=[{"start": "08:15", "end": "25:00"}]), "weekly.mon[0].end"),
    (with_weekly(mon=[{"start": "08:15", "end": "24:01"}]), "weekly.mon[0].end"),
    (with_weekly(tue=[{"start": "12:00", "end": "11:00"}]), "weekly.tue[0].end"),
    (with_weekly(tue=[{"start": "12:00", "end": "12:00"}]), "weekly.tue[0].end"),
    (with_weekly(tue=[{"start": "24:00", "end": "24:00"}]), "weekly.tue[0].start"),
    (
        with_weekly(mon=[{"start": "08:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]),
        "weekly.mon[1].start",
    ),
    (
        with_weekly(wed=[{"start": f"{h:02d}:00", "end": f"{h:02d}:30"} for h in range(9)]),
        "weekly.wed",
    ),
    (with_weekly(mon=[{"start": "08:00"}]), "weekly.mon[0].end"),
    (with_weekly(mon=[{"start": "08:00", "end": "09:00", "room": "1"}]), "weekly.mon[0].room"),
    (with_weekly(mon=[{"start": 800, "end": "09:00"}]), "weekly.mon[0].start"),
    (with_weekly(mon=None), "weekly.mon"),
    (with_weekly(funday=[]), "weekly.funday"),
    (with_policy(grace_minutes=-1), "policy.grace_minutes"),
    (with_policy(grace_minutes=121), "policy.grace_minutes"),
    (with_policy(min_interval_minutes=4), "policy.min_interval_minutes"),
    (with_policy(min_interval_minutes=481), "policy.min_interval_minutes"),
    (with_policy(max_per_day=0), "policy.max_per_day"),
    (with_policy(max_per_day=51), "policy.max_per_day"),
    (with_policy(max_per_day="4"), "policy.max_per_day"),
    (with_policy(max_per_day=4.5), "policy.max_per_day"),
    (with_policy(snooze_minutes=4), "policy.snooze_minutes"),
    (with_policy(snooze_minutes=241), "policy.snooze_minutes"),
    (with_policy(away_threshold_minutes=29), "policy.away_threshold_minutes"),
    (with_policy(away_threshold_minutes=721), "policy.away_threshold_minutes"),
    (with_policy(volume=11), "policy.volume"),
    (with_term(last_day="2026-09-01"), "term.last_day"),
    (with_term(first_day="1999-12-31"), "term.first_day"),
    (with_term(last_day="2038-01-01"), "term.last_day"),
    (with_term(last_day="2027-02-30"), "term.last_day"),
    (with_term(last_day="18/06/2027"), "term.last_day"),
    ({**FULL, "term": {"first_day": "2026-09-02"}}, "term.last_day"),
    ({**FULL, "observe_public_holidays": "yes"}, "observe_public_holidays"),
    ({**FULL, "timezone": "UTC"}, "timezone"),
    ({"term": None}, "weekly"),
]


@pytest.mark.parametrize(("body", "field"), BAD, ids=[f for _, f in BAD])
def test_each_bound_violation_is_422_naming_the_field_and_writes_nothing(
    parent: Api, teen_id: str, body: dict[str, Any], field: str
) -> None:
    original = {**FULL, "observe_public_holidays": False}
    stored = parent.put(path(teen_id), original).get_json()
    response = parent.put(path(teen_id), body)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in [e["field"] for e in response.get_json()["errors"]]
    assert parent.get(path(teen_id)).get_json() == stored


def test_several_errors_are_reported_at_once(parent: Api, teen_id: str) -> None:
    body = with_weekly(
        mon=[{"start": "08:00", "end": "07:00"}], fri=[{"start": "x", "end": "09:00"}]
    )
    fields = [e["field"] for e in parent.put(path(teen_id), body).get_json()["errors"]]
    assert set(fields) == {"weekly.mon[0].end", "weekly.fri[0].start"}


def test_an_invalid_first_schedule_leaves_no_schedule(parent: Api, teen_id: str) -> None:
    assert parent.put(path(teen_id), with_policy(max_per_day=0)).status_code == 422
    assert parent.get(path(teen_id)).status_code == 404


def test_malformed_json_and_wrong_content_type_are_400(parent: Api, teen_id: str) -> None:
    headers = {"Authorization": f"Bearer {parent.token}"}
    bad_json = parent.client.put(
        path(teen_id), data=b"{", headers={**headers, "Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400
    as_text = parent.client.put(
        path(teen_id), data=b"{}", headers={**headers, "Content-Type": "text/plain"}
    )
    assert as_text.status_code == 400


def test_openapi_lists_the_schedule_paths_with_request_schemas(api: Api) -> None:
    doc = api.get("/v1/openapi.json").get_json()
    paths = doc["paths"]
    put = paths["/v1/teens/{teen_id}/schedule"]["put"]
    ref = put["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(schema["properties"]) == {"weekly", "term", "observe_public_holidays", "policy"}
    assert "get" in paths["/v1/teens/{teen_id}/schedule"]
    assert {"get", "post"} <= set(paths["/v1/teens/{teen_id}/exceptions"])
    assert "delete" in paths["/v1/teens/{teen_id}/exceptions/{exception_id}"]
    calendar = paths["/v1/teens/{teen_id}/calendar"]["post"]
    assert "text/calendar" in calendar["requestBody"]["content"]
    preview = paths["/v1/teens/{teen_id}/preview"]["get"]
    names = {p["name"] for p in preview["parameters"]}
    assert names == {"teen_id", "from", "days"}
    days = next(p for p in preview["parameters"] if p["name"] == "days")
    assert days["schema"]["maximum"] == 62
    policy = doc["components"]["schemas"]["NudgePolicy"]["properties"]["max_per_day"]
    assert (policy["minimum"], policy["maximum"], policy["default"]) == (1, 50, 4)
