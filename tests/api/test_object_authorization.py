"""Object-level authorization, probed on every route that names an object in its path.

The routes come from `app.url_map` and their `Doc` marks, so a route added later is probed
without anyone listing it here: another family gets 404 (never 403, no existence leak) and
changes nothing, no credentials get 401, and the admin routes refuse parents with 403.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule

from alertsvc.api.io import Doc
from tests.api.checking import check, make_teen, pair, put_schedule
from tests.conftest import sign_up
from tests.support import Api, FakeClock

PATH_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
OBJECT_IDS = ("teen_id", "device_id", "exception_id", "nudge_id")

# A valid body for every route that takes one, so a 404 can never be a validation answer in
# disguise. A new route with a body must be added here (the test says so).
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", "/v1/teens/<teen_id>"): {"nickname": "Renamed"},
    ("POST", "/v1/teens/<teen_id>/guardians"): {"email": "intruder@example.com"},
    ("PUT", "/v1/teens/<teen_id>/schedule"): {"weekly": {"mon": []}},
    ("POST", "/v1/teens/<teen_id>/exceptions"): {
        "first_day": "2026-12-01",
        "last_day": "2026-12-02",
        "kind": "no_school",
    },
    ("POST", "/v1/teens/<teen_id>/pause"): {"until": "2026-11-26T00:00:00Z"},
    ("POST", "/v1/nudges/<nudge_id>/ack"): {"action": "school_use", "comment": "probe"},
}
RAW_BODIES: dict[tuple[str, str], tuple[str, bytes]] = {
    ("POST", "/v1/teens/<teen_id>/calendar"): (
        "text/calendar",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        b"UID:probe-1\r\nDTSTART;VALUE=DATE:20261203\r\nDTEND;VALUE=DATE:20261204\r\n"
        b"SUMMARY:Probe day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    ),
}


@dataclass
class Family:
    parent: Api
    device: Api
    ids: dict[str, str]

    def export(self) -> Any:
        response = self.parent.get(f"/v1/teens/{self.ids['teen_id']}/export")
        assert response.status_code == 200
        return response.get_json()


def _family(api: Api, clock: FakeClock) -> Family:
    parent = api.as_(sign_up(api))
    teen_id = make_teen(parent)
    put_schedule(parent, teen_id)
    device = pair(parent, teen_id)
    exception = parent.post(
        f"/v1/teens/{teen_id}/exceptions",
        {"first_day": "2026-12-24", "last_day": "2026-12-31", "kind": "no_school"},
    )
    assert exception.status_code == 201
    saved = clock.now
    clock.set(saved.replace(hour=14))  # 09:00 in New York: in school hours, past the grace
    nudge = check(device)["nudge"]
    clock.set(saved)
    assert nudge is not None
    assert device.post(f"/v1/nudges/{nudge['id']}/ack", {"action": "shown"}).status_code == 204
    device_id = parent.get(f"/v1/teens/{teen_id}/devices").get_json()[0]["id"]
    ids = {
        "teen_id": teen_id,
        "device_id": device_id,
        "exception_id": exception.get_json()["id"],
        "nudge_id": nudge["id"],
    }
    return Family(parent, device, ids)


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    auth: str | None
    takes_body: bool

    @property
    def parameters(self) -> list[str]:
        return PATH_PARAMETER.findall(self.rule)

    def url(self, ids: dict[str, str]) -> str:
        return PATH_PARAMETER.sub(lambda m: ids[m.group(1)], self.rule)

    def send(self, client: Api, ids: dict[str, str]) -> Any:
        key = (self.method, self.rule)
        if key in RAW_BODIES:
            media, raw = RAW_BODIES[key]
            return client.request(self.method, self.url(ids), data=raw, content_type=media)
        if self.takes_body:
            assert key in BODIES, f"add a valid body for {self.method} {self.rule} to BODIES"
            return client.request(self.method, self.url(ids), BODIES[key])
        return client.request(self.method, self.url(ids))


def _routes(app: Flask) -> list[Route]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/v1/"):
            continue
        routes.extend(_documented(app, rule))
    return sorted(routes, key=lambda r: (r.rule, r.method))


def _documented(app: Flask, rule: Rule) -> list[Route]:
    doc = getattr(app.view_functions[rule.endpoint], "__openapi__", None)
    if doc is None and not rule.arguments and not rule.rule.startswith("/v1/admin/"):
        return []  # e.g. the OpenAPI document itself: public, and names no object
    assert isinstance(doc, Doc), f"{rule.rule} has no Doc mark: who may call it?"
    methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    takes_body = doc.body is not None
    return [Route(method, rule.rule, doc.auth, takes_body) for method in methods]


def _object_routes(app: Flask) -> list[Route]:
    routes = [r for r in _routes(app) if r.parameters and r.auth != "admin"]
    for route in routes:
        unknown = set(route.parameters) - set(OBJECT_IDS)
        assert not unknown, f"{route.rule}: teach this test the objects {unknown}"
    return routes


def _assert_problem(response: Any, status: int, route: Route) -> None:
    assert response.status_code == status, (route, response.status_code, response.get_json())
    assert response.mimetype == "application/problem+json", route
    assert response.get_json()["status"] == status


@pytest.fixture
def families(api: Api, clock: FakeClock) -> tuple[Family, Family]:
    return _family(api, clock), _family(api, clock)


def test_the_probe_covers_every_object_route(app: Flask) -> None:
    routes = {(r.method, r.rule) for r in _object_routes(app)}
    # A floor, not a list: the probe itself is driven by the url map.
    assert len(routes) >= 19, routes
    assert ("POST", "/v1/nudges/<nudge_id>/ack") in routes
    assert ("DELETE", "/v1/teens/<teen_id>/devices/<device_id>") in routes


def test_another_familys_objects_are_404_and_stay_unchanged(
    app: Flask, families: tuple[Family, Family]
) -> None:
    owner, stranger = families
    before = owner.export()
    for route in _object_routes(app):
        client = stranger.device if route.auth == "device" else stranger.parent
        _assert_problem(route.send(client, owner.ids), 404, route)
    assert owner.export() == before
    for route in _object_routes(app):
        if route.method == "GET":  # the owner still reads every object the stranger probed
            assert route.send(owner.parent, owner.ids).status_code == 200, route
    assert owner.parent.get(f"/v1/teens/{owner.ids['teen_id']}").status_code == 200
    assert check(owner.device)["reason"]  # the owner's device still works


def test_the_callers_teen_with_another_familys_child_object_is_404(
    app: Flask, families: tuple[Family, Family]
) -> None:
    owner, stranger = families
    mixed = {**stranger.ids, "teen_id": owner.ids["teen_id"]}
    strangers_before = stranger.export()
    probed = 0
    for route in _object_routes(app):
        if route.auth != "parent" or len(route.parameters) < 2:
            continue
        _assert_problem(route.send(owner.parent, mixed), 404, route)
        probed += 1
    assert probed >= 2
    assert stranger.export() == strangers_before
    assert check(stranger.device)["reason"]  # the stranger's device was not revoked


def test_object_routes_without_credentials_are_401(
    app: Flask, families: tuple[Family, Family]
) -> None:
    owner, _ = families
    anonymous = owner.parent.as_(None)
    before = owner.export()
    for route in _object_routes(app):
        response = route.send(anonymous, owner.ids)
        _assert_problem(response, 401, route)
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert owner.export() == before


def test_parent_routes_refuse_a_device_token_and_device_routes_a_parent_token(
    app: Flask, families: tuple[Family, Family]
) -> None:
    owner, _ = families
    before = owner.export()
    for route in _object_routes(app):
        wrong = owner.parent if route.auth == "device" else owner.device
        _assert_problem(route.send(wrong, owner.ids), 401, route)
    assert owner.export() == before


def test_admin_routes_refuse_parents_with_403_and_strangers_with_401(
    app: Flask, families: tuple[Family, Family]
) -> None:
    owner, _ = families
    admin_routes = [r for r in _routes(app) if r.auth == "admin"]
    assert len(admin_routes) >= 7
    ids = {"key": "some-experiment"}
    bodies = {
        ("POST", "/v1/admin/experiments"): {
            "key": "probe",
            "traffic_percent": 10,
            "variants": [{"key": "a", "weight": 1}, {"key": "b", "weight": 1}],
        },
        ("PATCH", "/v1/admin/experiments/<key>"): {"status": "running"},
        ("PUT", "/v1/admin/kill-switch"): {"enabled": True, "reason": "probe"},
    }
    for route in admin_routes:
        body = bodies.get((route.method, route.rule))
        for client, status in ((owner.parent, 403), (owner.parent.as_(None), 401)):
            response = client.request(route.method, route.url(ids), body)
            _assert_problem(response, status, route)
    assert check(owner.device)["reason"] != "disabled"  # the kill switch was not turned on


def _page_routes(app: Flask) -> list[tuple[str, str]]:
    """Parent pages that name a teen's object in their path (the same rule holds for pages)."""
    pages = []
    for rule in app.url_map.iter_rules():
        names = set(PATH_PARAMETER.findall(rule.rule))
        # /app/<filename> is the teen's app's static files, like /static/.
        if rule.rule.startswith(("/v1/", "/static/", "/app/", "/admin/")) or not names:
            continue
        assert names <= set(OBJECT_IDS), f"{rule.rule}: teach this test the objects {names}"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            pages.append((method, rule.rule))
    return sorted(pages)


def test_parent_pages_of_another_familys_teen_are_404_and_change_nothing(
    app: Flask, families: tuple[Family, Family]
) -> None:
    owner, _ = families
    pages = _page_routes(app)
    assert len(pages) >= 10, pages
    stranger = app.test_client()
    password = "correct horse stranger"
    stranger.post("/signup", data={"email": "stranger@example.com", "password": password})
    stranger.post("/login", data={"email": "stranger@example.com", "password": password})
    assert stranger.get("/home").status_code == 200  # signed in
    anonymous = app.test_client()
    before = owner.export()
    for method, rule in pages:
        url = PATH_PARAMETER.sub(lambda m: owner.ids[m.group(1)], rule)
        refused = stranger.open(url, method=method, data={})
        assert refused.status_code == 404, (method, rule, refused.status_code)
        redirected = anonymous.open(url, method=method, data={})
        assert redirected.status_code in (302, 303), (method, rule, redirected.status_code)
        assert redirected.headers["Location"].startswith("/login"), (method, rule)
    assert owner.export() == before
