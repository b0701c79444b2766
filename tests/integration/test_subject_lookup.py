"""The check's subject lookup runs its SQL on the driver's cursor
(db.repositories.subject.subject_row): it must give exactly the values a Core execute of the
same query gives, for every shape of row (no state yet, a nudge, an ack, a pause, exceptions,
no schedule), and hand any driver error to SQLAlchemy's own handling."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection

from alertsvc.db import repositories
from alertsvc.db.repositories import subject as subject_store
from alertsvc.db.repositories.subject import SUBJECT_QUERY, SubjectRow
from alertsvc.http import edge
from alertsvc.services.ids import digest
from tests.api.checking import check, make_teen, pair, put_schedule
from tests.api.test_check import IN_SCHOOL
from tests.support import Api, FakeClock


def _core_row(reader: Connection, token: str) -> tuple[Any, ...] | None:
    row = reader.execute(SUBJECT_QUERY, {"token_hash": digest(token)}).first()
    return None if row is None else tuple(row)


def _read(reader: Connection, token: str) -> SubjectRow | None:
    return subject_store.subject_row(reader, digest(token))


def test_the_subject_row_names_every_column_of_the_query_in_order() -> None:
    assert tuple(SUBJECT_QUERY.selected_columns.keys()) == SubjectRow._fields


def _token(device: Api) -> str:
    token = device.token
    assert token is not None
    return token


@pytest.fixture
def tokens(parent: Api, clock: FakeClock) -> list[str]:
    """Devices whose rows cover every column shape the lookup can meet."""
    clock.set(IN_SCHOOL)
    fresh = pair(parent, make_teen(parent))  # no schedule, no state, never seen
    scheduled = make_teen(parent, timezone="Asia/Kolkata")
    put_schedule(parent, scheduled)
    never_checked = pair(parent, scheduled)

    nudged_teen = make_teen(parent)
    put_schedule(parent, nudged_teen)
    nudged = pair(parent, nudged_teen)
    nudge = check(nudged)["nudge"]  # state row, last nudge, last_seen_at

    acked_teen = make_teen(parent)
    put_schedule(parent, acked_teen)
    acked = pair(parent, acked_teen)
    acked_nudge = check(acked)["nudge"]["id"]
    assert acked.post(f"/v1/nudges/{acked_nudge}/ack", {"action": "dismissed"}).status_code == 204

    paused_teen = make_teen(parent)
    put_schedule(parent, paused_teen)
    paused = pair(parent, paused_teen)
    until = (IN_SCHOOL + timedelta(days=2)).isoformat().replace("+00:00", "Z")
    assert parent.post(f"/v1/teens/{paused_teen}/pause", {"until": until}).status_code == 200
    day_off = {"first_day": "2026-12-21", "last_day": "2026-12-22", "kind": "no_school"}
    assert parent.post(f"/v1/teens/{paused_teen}/exceptions", day_off).status_code == 201
    check(paused)
    assert nudge is not None
    return [_token(d) for d in (fresh, never_checked, nudged, acked, paused)]


def test_the_driver_path_reads_what_core_reads(app: Flask, tokens: list[str]) -> None:
    with app.app_context():
        reader = edge.reader()
        rows = [_read(reader, t) for t in tokens]
        assert rows == [_core_row(reader, t) for t in tokens]
        assert subject_store.subject_row(reader, digest("no-such-token")) is None
    assert all(row is not None for row in rows)
    fresh, never, nudged, acked, paused = (row for row in rows if row is not None)
    assert fresh.schedule_version is None  # no schedule
    assert (fresh.kill_switch, fresh.experiments_version, fresh.exposures) == (False, 0, None)
    assert never.state_version is None  # no state row yet
    assert nudged.last_seen_at is not None
    assert nudged.last_seen_at.tzinfo is not None  # an aware UTC instant
    assert nudged.last_nudge_id is not None
    assert nudged.last_nudge_acked is False  # not acked, a bool on both databases
    assert acked.last_nudge_acked is True
    assert paused.has_exceptions is True
    assert paused.paused_until is not None
    assert fresh[fresh._fields.index("weekly") :] == (None,) * 9  # no schedule content either
    assert isinstance(never.weekly, str)  # the stored JSON text, on both databases
    assert json.loads(never.weekly)["mon"] == [["08:00", "15:00"]]


def test_both_paths_read_the_switch_the_experiments_version_and_the_exposures(
    app: Flask, admin: Api, tokens: list[str]
) -> None:
    switch = {"enabled": True, "reason": "drill"}
    assert admin.put("/v1/admin/kill-switch", switch).status_code == 200
    for key, params in (("one", {"max_per_day": 2}), ("two", {"title": "Hi"})):
        variants = [{"key": "a", "weight": 1, "params": params}, {"key": "b", "weight": 1}]
        body = {"key": key, "traffic_percent": 100, "variants": variants}
        assert admin.post("/v1/admin/experiments", body).status_code == 201
        assert admin.patch(f"/v1/admin/experiments/{key}", {"status": "running"}).status_code == 200
    device = admin.as_(tokens[2])
    assert device.post("/v1/check", {}).get_json()["experiment"]["key"] == "one"
    with app.app_context():
        reader = edge.reader()
        rows = [_read(reader, t) for t in tokens]
        assert rows == [_core_row(reader, t) for t in tokens]
        subject = subject_store.find_subject(reader, digest(tokens[2]))
    assert {(r.kill_switch, r.experiments_version) for r in rows if r is not None} == {(True, 4)}
    assert subject is not None
    assert (subject.kill_switch, subject.experiments_version) == (True, 4)
    assert set(subject.exposures) == {"one", "two"}
    assert set(subject.exposures.values()) <= {"a", "b"}


def test_a_teen_not_seen_yet_costs_one_query(
    app: Flask, tokens: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a memo miss the schedule is built from the subject row itself, and it is the
    stored schedule of the version read beside it."""
    with app.app_context():
        reader = edge.reader()
        stored = repositories.load_schedule(edge.db(), _teen_of(reader, tokens[1]))
        subject_store._stored_schedule.cache_clear()

        def no_second_query(*_args: object, **_kwargs: object) -> None:
            raise AssertionError("the check ran a second query")

        monkeypatch.setattr(Connection, "execute", no_second_query)
        subject = subject_store.find_subject(reader, digest(tokens[1]))
    assert subject is not None
    assert stored is not None
    assert subject.schedule == stored
    assert subject.schedule.version == stored.version


def _teen_of(reader: Connection, token: str) -> str:
    row = subject_store.subject_row(reader, digest(token))
    assert row is not None
    return row.teen_id


def test_a_driver_error_is_answered_by_sqlalchemy(
    app: Flask, tokens: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.app_context():
        reader = edge.reader()
        expected = _core_row(reader, tokens[2])
        assert expected is not None
        error = reader.dialect.loaded_dbapi.Error

        def broken(_self: object, _reader: Connection, _hash: str) -> None:
            raise error("the driver failed")

        monkeypatch.setattr(subject_store._DriverQuery, "first", broken)
        assert _read(reader, tokens[2]) == expected
