"""Every answer of the parent, teen, schedule and teen's-app routes is what the OpenAPI
document says:
each documented response (and the problem documents the same routes answer) is validated
against its schema in the document, so the answers and the document cannot drift."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from werkzeug.test import TestResponse

from tests.api.checking import check, make_teen, pair, put_schedule
from tests.support import Api, FakeClock

TAGS = {"parents", "teens", "schedules"}
TEENS_APP = {"teen"}
WEEK = {
    "mon": [{"start": "08:15", "end": "11:45"}, {"start": "12:30", "end": "15:05"}],
    "fri": [{"start": "08:00", "end": "24:00"}],
    "sun": [{"start": "01:00", "end": "03:00"}],  # across the hour the clocks go back
}
TERM = {"first_day": "2026-09-02", "last_day": "2027-06-18"}
ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
    b"BEGIN:VEVENT\r\nUID:break@school\r\nDTSTART;VALUE=DATE:20261223\r\n"
    b"DTEND;VALUE=DATE:20270103\r\nSUMMARY:Winter break\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


class Contract:
    """The document's answers by operation, and which operations a test has answered."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.answered: set[tuple[str, str, int]] = set()

    def documented(self, tags: set[str]) -> set[tuple[str, str, int]]:
        """(method, path, status) of every success response of the routes with these tags."""
        return {
            (method.upper(), path, int(status))
            for path, operations in self.document["paths"].items()
            for method, operation in operations.items()
            if tags & set(operation["tags"])
            for status in operation["responses"]
            if int(status) < 400
        }

    def check(self, method: str, path: str, response: TestResponse) -> Any:
        """Validate the answer against the document's schema for its status; its JSON."""
        operation = self.document["paths"][path][method.lower()]
        status = str(response.status_code)
        assert status in operation["responses"], (method, path, status, response.get_data())
        content = operation["responses"][status].get("content")
        if content is None:
            assert response.get_data() == b"", (method, path, status)
        else:
            (media,) = content
            assert response.mimetype == media, (method, path, response.mimetype)
            schema = {**content[media]["schema"], "components": self.document["components"]}
            validator = Draft202012Validator(
                schema, format_checker=Draft202012Validator.FORMAT_CHECKER
            )
            errors = list(validator.iter_errors(response.get_json()))
            assert not errors, (method, path, status, [e.message for e in errors])
        if response.status_code < 400:
            self.answered.add((method, path, response.status_code))
        return response.get_json(silent=True)


@pytest.fixture
def contract(api: Api) -> Contract:
    return Contract(api.get("/v1/openapi.json").get_json())


def test_every_success_answer_of_the_family_routes_matches_the_document(
    api: Api, parent: Api, contract: Contract, clock: FakeClock
) -> None:
    signed_up = api.post("/v1/parents", {"email": "co@example.com", "password": "a long password"})
    contract.check("POST", "/v1/parents", signed_up)
    token = api.post("/v1/auth/token", {"email": "co@example.com", "password": "a long password"})
    contract.check("POST", "/v1/auth/token", token)
    contract.check("GET", "/v1/parents/me", parent.get("/v1/parents/me"))
    renamed = parent.patch("/v1/parents/me", {"name": "Mum"})
    assert contract.check("PATCH", "/v1/parents/me", renamed)["name"] == "Mum"

    teen = contract.check(
        "POST", "/v1/teens", parent.post("/v1/teens", {"nickname": "Sam", "timezone": "UTC"})
    )
    path = f"/v1/teens/{teen['id']}"
    contract.check("GET", "/v1/teens", parent.get("/v1/teens"))
    contract.check("GET", "/v1/teens/{teen_id}", parent.get(path))
    changed = parent.patch(path, {"timezone": "America/New_York", "country": "us"})
    assert contract.check("PATCH", "/v1/teens/{teen_id}", changed)["country"] == "US"
    guardian = parent.post(f"{path}/guardians", {"email": "co@example.com"})
    contract.check("POST", "/v1/teens/{teen_id}/guardians", guardian)

    schedule = {"weekly": WEEK, "term": TERM, "policy": {"max_per_day": 3}}
    saved = contract.check(
        "PUT", "/v1/teens/{teen_id}/schedule", parent.put(f"{path}/schedule", schedule)
    )
    assert saved["version"] == 1
    contract.check("GET", "/v1/teens/{teen_id}/schedule", parent.get(f"{path}/schedule"))

    hours = {
        "first_day": "2026-12-02",
        "last_day": "2026-12-02",
        "kind": "custom_hours",
        "windows": [{"start": "09:00", "end": "11:00"}],
        "note": "Exams",
    }
    added = contract.check(
        "POST", "/v1/teens/{teen_id}/exceptions", parent.post(f"{path}/exceptions", hours)
    )
    imported = parent.post(f"{path}/calendar", data=ICS, headers={"Content-Type": "text/calendar"})
    assert contract.check("POST", "/v1/teens/{teen_id}/calendar", imported)["imported"] == 1
    listed = contract.check(
        "GET", "/v1/teens/{teen_id}/exceptions", parent.get(f"{path}/exceptions")
    )
    assert {e["source"] for e in listed} == {"manual", "ics"}

    # The week of the autumn clock change: a day with `clock_change`, and days without.
    days = contract.check(
        "GET", "/v1/teens/{teen_id}/preview", parent.get(f"{path}/preview?from=2026-10-29&days=7")
    )
    assert sum("clock_change" in day for day in days) == 1

    deleted = parent.delete(f"{path}/exceptions/{added['id']}")
    contract.check("DELETE", "/v1/teens/{teen_id}/exceptions/{exception_id}", deleted)
    contract.check("DELETE", "/v1/teens/{teen_id}", parent.delete(path))

    assert contract.documented(TAGS) - contract.answered == set()


def test_every_success_answer_of_the_teens_app_routes_matches_the_document(
    parent: Api, contract: Contract, clock: FakeClock
) -> None:
    teen_id = make_teen(parent)
    put_schedule(parent, teen_id, term={"first_day": "2026-09-02", "last_day": "2027-06-18"})
    path = f"/v1/teens/{teen_id}"
    day_off = {"first_day": "2026-12-07", "last_day": "2026-12-07", "kind": "no_school"}
    assert parent.post(f"{path}/exceptions", {**day_off, "note": "Inset"}).status_code == 201
    device = pair(parent, teen_id)
    clock.set(datetime(2026, 12, 4, 13, 30, tzinfo=UTC))  # Friday 08:30 in New York
    nudge = check(device)["nudge"]
    ack = {"action": "report_wrong", "comment": "Free period"}
    assert device.post(f"/v1/nudges/{nudge['id']}/ack", ack).status_code == 204
    until = {"until": "2026-12-04T18:00:00Z"}
    assert parent.post(f"{path}/pause", until).status_code == 200

    me = contract.check("GET", "/v1/me", device.get("/v1/me"))
    assert me["recent"][0]["acks"][0]["comment"] == "Free period"
    assert me["paused_until"] == "2026-12-04T18:00:00Z"
    assert me["today"]["school_day"] is True
    exported = contract.check("GET", "/v1/me/export", device.get("/v1/me/export"))
    assert exported["exceptions"] == [{**day_off, "windows": []}]
    assert [reminder["id"] for reminder in exported["reminders"]] == [nudge["id"]]
    changed = contract.check("PATCH", "/v1/me", device.patch("/v1/me", {"locale": "es-MX"}))
    assert changed["locale"] == "es-MX"

    assert contract.documented(TEENS_APP) - contract.answered == set()


def test_problem_answers_of_the_family_routes_match_the_document(
    api: Api, parent: Api, other_parent: Api, contract: Contract
) -> None:
    teen_id = make_teen(parent)
    path = f"/v1/teens/{teen_id}"
    answers = [
        ("POST", "/v1/parents", api.post("/v1/parents", {"email": "x", "password": "short"}), 422),
        (
            "POST",
            "/v1/parents",
            api.post("/v1/parents", {"email": "x@example.com", "password": "a long password"}),
            201,
        ),
        (
            "POST",
            "/v1/parents",
            api.post("/v1/parents", {"email": "X@example.com", "password": "a long password"}),
            409,
        ),
        (
            "POST",
            "/v1/auth/token",
            api.post("/v1/auth/token", {"email": "x@example.com", "password": "wrong one"}),
            401,
        ),
        ("GET", "/v1/teens/{teen_id}", other_parent.get(path), 404),
        ("GET", "/v1/parents/me", api.get("/v1/parents/me"), 401),
        ("PATCH", "/v1/parents/me", parent.patch("/v1/parents/me", {"name": " "}), 422),
        ("GET", "/v1/me", api.get("/v1/me"), 401),
        ("GET", "/v1/me/export", parent.get("/v1/me/export"), 401),
        ("GET", "/v1/teens/{teen_id}", api.get(path), 401),
        ("PATCH", "/v1/teens/{teen_id}", parent.patch(path, {"timezone": "Mars/Base"}), 422),
        ("GET", "/v1/teens/{teen_id}/schedule", parent.get(f"{path}/schedule"), 404),
        (
            "POST",
            "/v1/teens/{teen_id}/guardians",
            parent.post(f"{path}/guardians", {"email": "nobody@example.com"}),
            404,
        ),
        (
            "DELETE",
            "/v1/teens/{teen_id}/exceptions/{exception_id}",
            parent.delete(f"{path}/exceptions/exc_missing"),
            404,
        ),
        (
            "POST",
            "/v1/teens/{teen_id}/calendar",
            parent.post(
                f"{path}/calendar",
                data=b"not a calendar",
                headers={"Content-Type": "text/calendar"},
            ),
            422,
        ),
    ]
    for method, template, response, status in answers:
        assert response.status_code == status, (method, template, response.get_json())
        contract.check(method, template, response)
