"""Sign-up, tokens, failed-login rate limits and the problem format."""

from __future__ import annotations

from tests.conftest import sign_up
from tests.support import Api, FakeClock


def test_sign_up_returns_id_and_normalised_email(api: Api) -> None:
    response = api.post("/v1/parents", {"email": "Ann@Example.com", "password": "0123456789"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["email"] == "ann@example.com"
    assert body["id"].startswith("par_")
    assert set(body) == {"id", "email"}


def test_sign_up_with_existing_email_conflicts(api: Api) -> None:
    api.post("/v1/parents", {"email": "a@example.com", "password": "0123456789"})
    again = api.post("/v1/parents", {"email": "A@example.com", "password": "9876543210"})
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"


def test_short_password_is_a_422_naming_the_field(api: Api) -> None:
    response = api.post("/v1/parents", {"email": "a@example.com", "password": "short"})
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["password"]


def test_unknown_field_is_rejected(api: Api) -> None:
    response = api.post(
        "/v1/parents", {"email": "a@example.com", "password": "0123456789", "admin": True}
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0] == {"field": "admin", "message": "unknown field"}


def test_malformed_json_is_a_400_problem(api: Api) -> None:
    response = api.client.post(
        "/v1/parents", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400
    assert {"type", "title", "status", "detail"} <= set(body)


def test_wrong_content_type_is_a_400(api: Api) -> None:
    response = api.client.post("/v1/parents", data="email=a", content_type="text/plain")
    assert response.status_code == 400


def test_body_over_64_kib_is_a_413(api: Api) -> None:
    big = b'{"email": "' + b"a" * 70_000 + b'"}'
    response = api.client.post(
        "/v1/parents", data=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_token_works_and_bad_password_is_401(api: Api) -> None:
    sign_up(api, "b@example.com", "right password")
    bad = api.post("/v1/auth/token", {"email": "b@example.com", "password": "wrong password"})
    assert bad.status_code == 401
    unknown = api.post("/v1/auth/token", {"email": "nobody@example.com", "password": "x" * 10})
    assert unknown.status_code == 401


def test_failed_logins_are_limited_per_account_with_retry_after(api: Api, clock: FakeClock) -> None:
    sign_up(api, "c@example.com", "right password")
    for _ in range(10):
        response = api.post("/v1/auth/token", {"email": "c@example.com", "password": "nope!"})
        assert response.status_code == 401
    blocked = api.post("/v1/auth/token", {"email": "c@example.com", "password": "right password"})
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    clock.advance(minutes=1)
    assert (
        api.post(
            "/v1/auth/token", {"email": "c@example.com", "password": "right password"}
        ).status_code
        == 200
    )


def test_successful_logins_do_not_trip_the_limit(api: Api) -> None:
    sign_up(api, "d@example.com", "right password")
    for _ in range(15):
        ok = api.post("/v1/auth/token", {"email": "d@example.com", "password": "right password"})
        assert ok.status_code == 200


def test_security_headers_on_every_response(api: Api) -> None:
    response = api.get("/healthz")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_unknown_route_is_a_problem(api: Api) -> None:
    response = api.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_openapi_document_is_3_1_and_lists_sign_up(api: Api) -> None:
    doc = api.get("/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    assert "post" in doc["paths"]["/v1/parents"]
