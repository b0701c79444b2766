"""Dated exceptions: create, list in creation order, delete; their rules and precedence."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Api

WEEK = {d: [{"start": "08:00", "end": "15:00"}] for d in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def teen_id(parent: Api) -> str:
    response = parent.post("/v1/teens", {"nickname": "Sam", "timezone": "America/New_York"})
    teen = str(response.get_json()["id"])
    body = {"weekly": WEEK, "observe_public_holidays": False}
    assert parent.put(f"/v1/teens/{teen}/schedule", body).status_code == 200
    return teen


def add(parent: Api, teen_id: str, **body: Any) -> Any:
    return parent.post(f"/v1/teens/{teen_id}/exceptions", body)


def test_no_school_exception_is_created_and_listed(parent: Api, teen_id: str) -> None:
    response = add(
        parent,
        teen_id,
        first_day="2026-12-21",
        last_day="2027-01-01",
        kind="no_school",
        note="  Winter break ",
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["id"].startswith("exc_")
    assert created == {
        "id": created["id"],
        "first_day": "2026-12-21",
        "last_day": "2027-01-01",
        "kind": "no_school",
        "windows": [],
        "note": "Winter break",
        "source": "manual",
    }
    assert parent.get(f"/v1/teens/{teen_id}/exceptions").get_json() == [created]


def test_custom_hours_exception_keeps_its_windows_in_order(parent: Api, teen_id: str) -> None:
    windows = [{"start": "13:00", "end": "15:00"}, {"start": "09:00", "end": "11:00"}]
    created = add(
        parent,
        teen_id,
        first_day="2026-12-02",
        last_day="2026-12-02",
        kind="custom_hours",
        windows=windows,
    ).get_json()
    assert created["windows"] == [windows[1], windows[0]]
    assert created["note"] is None


def test_list_is_in_creation_order_and_delete_removes_one(parent: Api, teen_id: str) -> None:
    ids = [
        add(parent, teen_id, first_day=day, last_day=day, kind="no_school").get_json()["id"]
        for day in ("2026-12-10", "2026-12-01", "2026-12-05")
    ]
    listed = parent.get(f"/v1/teens/{teen_id}/exceptions").get_json()
    assert [e["id"] for e in listed] == ids
    assert parent.delete(f"/v1/teens/{teen_id}/exceptions/{ids[1]}").status_code == 204
    listed = parent.get(f"/v1/teens/{teen_id}/exceptions").get_json()
    assert [e["id"] for e in listed] == [ids[0], ids[2]]
    again = parent.delete(f"/v1/teens/{teen_id}/exceptions/{ids[1]}")
    assert again.status_code == 404
    assert again.get_json()["detail"] == "No such exception."


def test_an_exception_of_another_teen_cannot_be_deleted_through_this_one(
    parent: Api, teen_id: str
) -> None:
    other = parent.post("/v1/teens", {"nickname": "Kim", "timezone": "UTC"}).get_json()["id"]
    theirs = add(parent, other, first_day="2026-12-01", last_day="2026-12-01", kind="no_school")
    exception_id = theirs.get_json()["id"]
    assert parent.delete(f"/v1/teens/{teen_id}/exceptions/{exception_id}").status_code == 404
    assert len(parent.get(f"/v1/teens/{other}/exceptions").get_json()) == 1


BAD = [
    ({"first_day": "2026-12-02", "last_day": "2026-12-01", "kind": "no_school"}, "last_day"),
    ({"first_day": "1999-12-31", "last_day": "2000-01-01", "kind": "no_school"}, "first_day"),
    ({"first_day": "2037-12-31", "last_day": "2038-01-01", "kind": "no_school"}, "last_day"),
    ({"first_day": "2026-13-01", "last_day": "2026-12-01", "kind": "no_school"}, "first_day"),
    ({"first_day": "2026-12-01", "last_day": "tomorrow", "kind": "no_school"}, "last_day"),
    ({"first_day": "2026-12-01", "last_day": "2026-12-01", "kind": "half_day"}, "kind"),
    ({"last_day": "2026-12-01", "kind": "no_school"}, "first_day"),
    ({"first_day": "2026-12-01", "last_day": "2026-12-01", "kind": "custom_hours"}, "windows"),
    (
        {
            "first_day": "2026-12-01",
            "last_day": "2026-12-01",
            "kind": "custom_hours",
            "windows": [],
        },
        "windows",
    ),
    (
        {
            "first_day": "2026-12-01",
            "last_day": "2026-12-01",
            "kind": "no_school",
            "windows": [{"start": "08:00", "end": "09:00"}],
        },
        "windows",
    ),
    (
        {
            "first_day": "2026-12-01",
            "last_day": "2026-12-01",
            "kind": "custom_hours",
            "windows": [{"start": "10:00", "end": "09:00"}],
        },
        "windows[0].end",
    ),
    (
        {
            "first_day": "2026-12-01",
            "last_day": "2026-12-01",
            "kind": "custom_hours",
            "windows": [{"start": "08:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}],
        },
        "windows[1].start",
    ),
    (
        {
            "first_day": "2026-12-01",
            "last_day": "2026-12-01",
            "kind": "custom_hours",
            "windows": [{"start": "8am", "end": "09:00"}],
        },
        "windows[0].start",
    ),
    (
        {
            "first_day": "2026-12-01",
            "last_day": "2026-12-01",
            "kind": "no_school",
            "note": "x" * 201,
        },
        "note",
    ),
    (
        {"first_day": "2026-12-01", "last_day": "2026-12-01", "kind": "no_school", "id": "exc_1"},
        "id",
    ),
]


@pytest.mark.parametrize(("body", "field"), BAD, ids=[f"{i}-{f}" for i, (_, f) in enumerate(BAD)])
def test_invalid_exceptions_are_422_naming_the_field_and_write_nothing(
    parent: Api, teen_id: str, body: dict[str, Any], field: str
) -> None:
    response = add(parent, teen_id, **body)
    assert response.status_code == 422, response.get_json()
    assert field in [e["field"] for e in response.get_json()["errors"]], response.get_json()
    assert parent.get(f"/v1/teens/{teen_id}/exceptions").get_json() == []


def preview(parent: Api, teen_id: str, first: str, days: int = 1) -> list[dict[str, Any]]:
    response = parent.get(f"/v1/teens/{teen_id}/preview?from={first}&days={days}")
    assert response.status_code == 200, response.get_json()
    result: list[dict[str, Any]] = response.get_json()
    return result


def test_the_newest_of_two_overlapping_exceptions_wins(parent: Api, teen_id: str) -> None:
    add(
        parent,
        teen_id,
        first_day="2026-11-30",
        last_day="2026-12-04",
        kind="no_school",
        note="Exam week",
    )
    add(
        parent,
        teen_id,
        first_day="2026-12-02",
        last_day="2026-12-02",
        kind="custom_hours",
        windows=[{"start": "09:00", "end": "11:00"}],
        note="Oral exam",
    )
    days = preview(parent, teen_id, "2026-12-01", 3)
    assert [(d["school_day"], d["reason"], d["detail"]) for d in days] == [
        (False, "exception", "Exam week"),
        (True, None, "Oral exam"),
        (False, "exception", "Exam week"),
    ]
    assert days[1]["windows"] == [
        {"start": "2026-12-02T09:00:00-05:00", "end": "2026-12-02T11:00:00-05:00"}
    ]
    # A newer no-school exception over the same day wins over the custom hours again.
    add(
        parent,
        teen_id,
        first_day="2026-12-02",
        last_day="2026-12-02",
        kind="no_school",
        note="Snow day",
    )
    assert preview(parent, teen_id, "2026-12-02")[0]["detail"] == "Snow day"


def test_deleting_the_newest_exception_lets_the_older_one_decide_again(
    parent: Api, teen_id: str
) -> None:
    add(parent, teen_id, first_day="2026-12-01", last_day="2026-12-31", kind="no_school")
    newest = add(
        parent,
        teen_id,
        first_day="2026-12-02",
        last_day="2026-12-02",
        kind="custom_hours",
        windows=[{"start": "10:00", "end": "12:00"}],
    ).get_json()
    assert preview(parent, teen_id, "2026-12-02")[0]["school_day"] is True
    parent.delete(f"/v1/teens/{teen_id}/exceptions/{newest['id']}")
    day = preview(parent, teen_id, "2026-12-02")[0]
    assert (day["school_day"], day["reason"], day["detail"]) == (False, "exception", "No school")


def test_exception_routes_reject_unknown_fields_and_bad_json(parent: Api, teen_id: str) -> None:
    headers = {"Authorization": f"Bearer {parent.token}", "Content-Type": "application/json"}
    response = parent.client.post(f"/v1/teens/{teen_id}/exceptions", data=b"[", headers=headers)
    assert response.status_code == 400
