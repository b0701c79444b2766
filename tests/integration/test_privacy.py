"""Export and delete cover every table that holds data about a teen (SPEC principle 5).

The tables are found by walking `Base.metadata`, as the service does, and a teen with a row in
every one of them is built through the API; so a table added later without a `teen_id`
column, or left out of the export or the delete, fails here.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Table, func, select

from alertsvc.db.base import Base
from alertsvc.db.repositories.privacy import SECRET_COLUMNS
from alertsvc.http import edge
from alertsvc.services import accounts
from tests.api.checking import check, make_teen, pair, put_schedule
from tests.conftest import sign_up
from tests.support import Api, FakeClock

ADMIN_EMAIL = "privacy-admin@example.com"
ADMIN_PASSWORD = "correct horse privacy"


def tables_with_teen_id() -> set[str]:
    return {t.name for t in Base.metadata.sorted_tables if "teen_id" in t.c}


def tables_reaching_teens() -> set[str]:
    """Tables whose foreign keys lead to `teens`, directly or through other tables."""
    reaching = {"teens"}
    changed = True
    while changed:
        changed = False
        for table in Base.metadata.sorted_tables:
            targets = {fk.column.table.name for fk in table.foreign_keys}
            if table.name not in reaching and targets & reaching:
                reaching.add(table.name)
                changed = True
    return reaching - {"teens"}


def counts(app: Flask, teen_id: str) -> dict[str, int]:
    with app.app_context():
        session = edge.db()
        result = {}
        for table in Base.metadata.sorted_tables:
            column = table.c.get("teen_id") if table.name != "teens" else table.c.id
            if column is not None:
                query = select(func.count()).select_from(table).where(column == teen_id)
                result[table.name] = int(session.scalar(query) or 0)
        return result


def _admin(app: Flask, api: Api, clock: FakeClock) -> Api:
    with app.app_context():
        session = edge.db()
        accounts.make_admin(session, ADMIN_EMAIL, ADMIN_PASSWORD, clock())
        session.commit()
    issued = api.post("/v1/auth/token", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    return api.as_(issued.get_json()["token"])


def _running_experiment(admin: Api) -> None:
    created = admin.post(
        "/v1/admin/experiments",
        {
            "key": "copy-test",
            "traffic_percent": 100,
            "variants": [
                {"key": "plain", "weight": 1},
                {"key": "friendly", "weight": 1, "params": {"title": "Hey"}},
            ],
        },
    )
    assert created.status_code == 201, created.get_json()
    started = admin.patch("/v1/admin/experiments/copy-test", {"status": "running"})
    assert started.status_code == 200, started.get_json()


def teen_with_everything(api: Api, clock: FakeClock, comment: str) -> tuple[Api, str]:
    """A teen with rows in every teen table: guardians, schedule, exception, device, pairing
    code, state, nudge, ack (with a comment) and an experiment exposure."""
    parent = api.as_(sign_up(api))
    teen_id = make_teen(parent, country="US")
    co_parent = api.as_(sign_up(api, email=f"co-{teen_id}@example.com"))
    assert co_parent.token
    guardian = parent.post(f"/v1/teens/{teen_id}/guardians", {"email": f"co-{teen_id}@example.com"})
    assert guardian.status_code == 201
    put_schedule(parent, teen_id)
    exception = parent.post(
        f"/v1/teens/{teen_id}/exceptions",
        {"first_day": "2026-12-24", "last_day": "2026-12-31", "kind": "no_school", "note": "x"},
    )
    assert exception.status_code == 201
    device = pair(parent, teen_id)
    assert parent.post(f"/v1/teens/{teen_id}/pairing-codes").status_code == 201  # left unused
    saved = clock.now
    clock.set(saved.replace(hour=14))  # 09:00 in New York: a nudge is due
    nudge = check(device)["nudge"]
    clock.set(saved)
    assert nudge is not None
    acked = device.post(
        f"/v1/nudges/{nudge['id']}/ack", {"action": "report_wrong", "comment": comment}
    )
    assert acked.status_code == 204
    return parent, teen_id


@pytest.fixture
def two_teens(app: Flask, api: Api, clock: FakeClock) -> tuple[Api, str, str]:
    _running_experiment(_admin(app, api, clock))
    parent, teen_id = teen_with_everything(api, clock, "at the library")
    _, other_id = teen_with_everything(api, clock, "sports day")
    return parent, teen_id, other_id


def test_every_table_about_a_teen_names_the_teen() -> None:
    """A table linked to teens (even through another table) must carry `teen_id` itself,
    since export and delete find teen data by that column alone."""
    assert tables_reaching_teens() == tables_with_teen_id()
    assert {"acks", "nudges", "devices", "exposures"} <= tables_with_teen_id()


def test_the_fixture_teen_has_rows_in_every_teen_table(
    app: Flask, two_teens: tuple[Api, str, str]
) -> None:
    _, teen_id, _ = two_teens
    empty = {name for name, count in counts(app, teen_id).items() if count == 0}
    assert not empty, f"build data for these tables in teen_with_everything: {empty}"


def test_the_export_holds_every_row_of_every_teen_table_and_no_secrets(
    app: Flask, two_teens: tuple[Api, str, str]
) -> None:
    parent, teen_id, other_id = two_teens
    response = parent.get(f"/v1/teens/{teen_id}/export")
    assert response.status_code == 200
    export: dict[str, list[dict[str, Any]]] = response.get_json()
    export["teens"] = export.pop("teen")
    assert set(export) == tables_with_teen_id() | {"teens"}
    assert {name: len(rows) for name, rows in export.items()} == counts(app, teen_id)
    for name, rows in export.items():
        table: Table = Base.metadata.tables[name]
        for row in rows:
            assert not set(row) & SECRET_COLUMNS, name
            assert set(row) == {c.name for c in table.c} - SECRET_COLUMNS, name
            assert row.get("teen_id", row.get("id")) == teen_id, name
    assert other_id not in response.get_data(as_text=True)
    assert export["acks"][0]["comment"] == "at the library"


def test_deleting_a_teen_removes_every_row_and_leaves_other_teens_alone(
    app: Flask, two_teens: tuple[Api, str, str]
) -> None:
    parent, teen_id, other_id = two_teens
    others_before = counts(app, other_id)
    assert all(others_before.values()), others_before

    assert parent.delete(f"/v1/teens/{teen_id}").status_code == 204

    assert counts(app, teen_id) == dict.fromkeys(counts(app, teen_id), 0)
    assert counts(app, other_id) == others_before
    assert parent.get(f"/v1/teens/{teen_id}").status_code == 404
    assert parent.get(f"/v1/teens/{teen_id}/export").status_code == 404
