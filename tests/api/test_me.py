"""The teen's side of the API: `GET /v1/me`, `GET /v1/me/export`, and the parents' display
name (`GET/PATCH /v1/parents/me`) that the teen sees."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.checking import check, make_teen, pair, put_schedule
from tests.conftest import sign_up
from tests.support import Api, FakeClock

# Wednesday 25 November 2026, 08:20 in New York (UTC-5): inside the 08:00-15:00 block, past
# the 10-minute grace, so a check nudges.
SCHOOL_MORNING = datetime(2026, 11, 25, 13, 20, tzinfo=UTC)
NEW_YORK = "-300"


def _nudge(device: Api, clock: FakeClock, at: datetime) -> str:
    clock.set(at)
    answer = check(device, utc_offset_minutes=int(NEW_YORK))
    assert answer["nudge"] is not None, answer
    return str(answer["nudge"]["id"])


def _me(device: Api) -> dict[str, Any]:
    response = device.get("/v1/me")
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def _family(api: Api, email: str) -> tuple[Api, str, Api]:
    parent = api.as_(sign_up(api, email))
    teen = make_teen(parent)
    put_schedule(parent, teen, term={"first_day": "2026-09-02", "last_day": "2027-06-18"})
    return parent, teen, pair(parent, teen)


# --- GET /v1/me ------------------------------------------------------------------------------


def test_me_needs_a_device_token(api: Api, parent: Api) -> None:
    for token in (None, "not-a-token", parent.token):
        response = api.as_(token).get("/v1/me")
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_revoked_device_is_told_it_is_no_longer_paired(parent: Api) -> None:
    teen = make_teen(parent)
    device = pair(parent, teen)
    assert device.get("/v1/me").status_code == 200
    device_id = parent.get(f"/v1/teens/{teen}/devices").get_json()[0]["id"]
    assert parent.delete(f"/v1/teens/{teen}/devices/{device_id}").status_code == 204
    assert device.get("/v1/me").status_code == 401
    assert device.get("/v1/me/export").status_code == 401


def test_me_without_a_schedule_says_so(api: Api) -> None:
    parent = api.as_(sign_up(api, "kim@example.com"))
    body = _me(pair(parent, make_teen(parent)))
    assert body == {
        "nickname": "Sam",
        "timezone": "America/New_York",
        "guardians": [{"name": "kim"}],
        "schedule": None,
        "today": None,
        "next_window": None,
        "paused_until": None,
        "recent": [],
        "locale": None,
    }


def test_me_shows_the_schedule_today_and_the_block_in_progress(api: Api, clock: FakeClock) -> None:
    clock.set(SCHOOL_MORNING)
    _, _, device = _family(api, "ann.lee@example.com")
    body = _me(device)
    assert body["guardians"] == [{"name": "ann.lee"}]
    assert body["schedule"] == {
        "version": 1,
        "updated_at": "2026-11-25T13:20:00Z",
        "weekly": {
            **{day: [{"start": "08:00", "end": "15:00"}] for day in ("mon", "tue", "wed", "thu")},
            "fri": [{"start": "08:00", "end": "15:00"}],
            "sat": [],
            "sun": [],
        },
        "term": {"first_day": "2026-09-02", "last_day": "2027-06-18"},
        "policy": {
            "grace_minutes": 10,
            "min_interval_minutes": 30,
            "max_per_day": 4,
            "snooze_minutes": 30,
            "away_threshold_minutes": 90,
        },
    }
    window = {"start": "2026-11-25T08:00:00-05:00", "end": "2026-11-25T15:00:00-05:00"}
    assert body["today"] == {
        "date": "2026-11-25",
        "school_day": True,
        "reason": None,
        "windows": [window],
    }
    assert body["next_window"] == window


def test_on_a_weekend_today_says_why_and_next_window_is_monday(api: Api, clock: FakeClock) -> None:
    clock.set(datetime(2026, 11, 28, 17, 0, tzinfo=UTC))  # Saturday noon in New York
    _, _, device = _family(api, "ann@example.com")
    body = _me(device)
    assert body["today"] == {
        "date": "2026-11-28",
        "school_day": False,
        "reason": "weekly_off",
        "windows": [],
    }
    assert body["next_window"] == {
        "start": "2026-11-30T08:00:00-05:00",
        "end": "2026-11-30T15:00:00-05:00",
    }


def test_what_a_parent_wrote_for_themselves_never_reaches_the_teen(
    api: Api, clock: FakeClock
) -> None:
    clock.set(SCHOOL_MORNING)
    parent, teen, device = _family(api, "ann.private@example.com")
    added = parent.post(
        f"/v1/teens/{teen}/exceptions",
        {
            "first_day": "2026-11-25",
            "last_day": "2026-11-25",
            "kind": "no_school",
            "note": "Therapy appointment",
        },
    )
    assert added.status_code == 201
    body = _me(device)
    assert body["today"]["reason"] == "exception"
    assert body["today"]["school_day"] is False
    exported = device.get("/v1/me/export").get_data(as_text=True)
    for text in (json.dumps(body), exported):
        assert "Therapy" not in text
        assert "ann.private@" not in text
        assert "@" not in text
    assert json.loads(exported)["exceptions"] == [
        {"first_day": "2026-11-25", "last_day": "2026-11-25", "kind": "no_school", "windows": []}
    ]


def test_guardians_are_names_in_the_order_they_joined_never_emails(
    api: Api, clock: FakeClock
) -> None:
    clock.set(SCHOOL_MORNING)
    ann, teen, device = _family(api, "ann@example.com")
    ben = api.as_(sign_up(api, "ben.fox@example.org"))
    clock.advance(minutes=1)
    added = ann.post(f"/v1/teens/{teen}/guardians", {"email": "ben.fox@example.org"})
    assert added.status_code == 201
    assert ben.patch("/v1/parents/me", {"name": "Dad"}).status_code == 200
    body = _me(device)
    assert body["guardians"] == [{"name": "ann"}, {"name": "Dad"}]
    assert "example" not in json.dumps(body)


def test_a_pause_shows_until_it_ends(api: Api, clock: FakeClock) -> None:
    clock.set(SCHOOL_MORNING)
    parent, teen, device = _family(api, "ann@example.com")
    until = "2026-11-25T20:00:00Z"
    assert parent.post(f"/v1/teens/{teen}/pause", {"until": until}).status_code == 200
    assert _me(device)["paused_until"] == until
    clock.set(datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    assert _me(device)["paused_until"] is None


def test_recent_holds_this_teens_reminders_of_the_last_fourteen_days_with_acks(
    api: Api, clock: FakeClock
) -> None:
    _, _, device = _family(api, "ann@example.com")
    old = _nudge(device, clock, SCHOOL_MORNING - timedelta(days=15))
    fresh = _nudge(device, clock, SCHOOL_MORNING)
    acked = device.post(
        f"/v1/nudges/{fresh}/ack", {"action": "report_wrong", "comment": "Free period"}
    )
    assert acked.status_code == 204
    recent = _me(device)["recent"]
    assert [r["id"] for r in recent] == [fresh]
    assert recent[0]["at"] == "2026-11-25T13:20:00Z"
    assert recent[0]["reason"] == "in_school_hours"
    assert recent[0]["explanation"].startswith("School hours today are 8:00 AM – 3:00 PM")
    assert recent[0]["acks"] == [
        {"action": "report_wrong", "at": "2026-11-25T13:20:00Z", "comment": "Free period"}
    ]
    exported = device.get("/v1/me/export").get_json()
    assert [r["id"] for r in exported["reminders"]] == [fresh, old]


def test_another_family_and_a_sibling_stay_invisible(api: Api, clock: FakeClock) -> None:
    ann, _, device = _family(api, "ann@example.com")
    sibling = make_teen(ann, nickname="Robin")
    put_schedule(ann, sibling)
    sibling_device = pair(ann, sibling)
    _, _, stranger_device = _family(api, "zoe@example.com")
    mine = _nudge(device, clock, SCHOOL_MORNING)
    siblings = _nudge(sibling_device, clock, SCHOOL_MORNING + timedelta(seconds=1))
    strangers = _nudge(stranger_device, clock, SCHOOL_MORNING + timedelta(seconds=2))
    body = json.dumps(_me(device))
    exported = device.get("/v1/me/export").get_data(as_text=True)
    for text in (body, exported):
        assert mine in text
        assert siblings not in text
        assert strangers not in text
        assert "Robin" not in text
        assert "zoe" not in text
    assert siblings in json.dumps(_me(sibling_device))


# --- GET /v1/me/export -------------------------------------------------------------------------


def test_export_is_a_download_of_the_teens_own_data(api: Api, clock: FakeClock) -> None:
    _, teen, device = _family(api, "ann@example.com")
    nudge = _nudge(device, clock, SCHOOL_MORNING)
    assert device.post(f"/v1/nudges/{nudge}/ack", {"action": "shown"}).status_code == 204
    response = device.get("/v1/me/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="my-school-reminders-2026-11-25.json"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["exported_at"] == "2026-11-25T13:20:00Z"
    assert {key: body[key] for key in _me(device)} == _me(device)
    assert body["country"] is None
    assert body["devices"][0]["platform"] == "ios"
    [reminder] = body["reminders"]
    assert reminder["id"] == nudge
    assert reminder["title"] == "School time"
    assert reminder["window"] == {"start": "2026-11-25T13:00:00Z", "end": "2026-11-25T20:00:00Z"}
    assert [a["action"] for a in reminder["acks"]] == ["shown"]
    text = response.get_data(as_text=True)
    assert teen not in text  # ids of the parents' side are not the teen's business
    assert "hash" not in text


# --- GET/PATCH /v1/parents/me ------------------------------------------------------------------


def test_a_parents_name_defaults_to_the_email_before_the_at(api: Api) -> None:
    parent = api.as_(sign_up(api, "Ann.Lee@Example.com"))
    body = parent.get("/v1/parents/me").get_json()
    assert body["email"] == "ann.lee@example.com"
    assert body["name"] == "ann.lee"
    assert body["id"].startswith("par_")


def test_a_parent_sets_the_name_their_teens_see(parent: Api) -> None:
    response = parent.patch("/v1/parents/me", {"name": "  Mum  "})
    assert response.status_code == 200
    assert response.get_json()["name"] == "Mum"
    assert parent.get("/v1/parents/me").get_json()["name"] == "Mum"


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_the_parents_profile_needs_a_parent_token(api: Api, token: str | None) -> None:
    assert api.as_(token).get("/v1/parents/me").status_code == 401
    assert api.as_(token).patch("/v1/parents/me", {"name": "Mum"}).status_code == 401


def test_a_device_token_cannot_rename_a_parent(parent: Api) -> None:
    device = pair(parent, make_teen(parent))
    assert device.patch("/v1/parents/me", {"name": "Hacker"}).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 61}, "name"),
        ({"name": 7}, "name"),
        ({}, "name"),
        ({"name": "Mum", "email": "x@example.com"}, "email"),
        ({"name": "Mum\u0007"}, "name"),
    ],
)
def test_a_bad_name_is_a_422_naming_the_field_and_changes_nothing(
    parent: Api, body: dict[str, Any], field: str
) -> None:
    before = parent.get("/v1/parents/me").get_json()
    response = parent.patch("/v1/parents/me", body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert [e["field"] for e in response.get_json()["errors"]] == [field]
    assert parent.get("/v1/parents/me").get_json() == before


def test_a_name_is_one_parents_and_never_another_familys(api: Api) -> None:
    ann = api.as_(sign_up(api, "ann@example.com"))
    zoe = api.as_(sign_up(api, "zoe@example.com"))
    assert ann.patch("/v1/parents/me", {"name": "Mum"}).status_code == 200
    assert zoe.get("/v1/parents/me").get_json()["name"] == "zoe"
