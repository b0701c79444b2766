"""Compare-and-set on the per-teen state row, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from flask import Flask

from alertsvc.db.teen_state import load_state, save_state, set_pause
from alertsvc.domain.decision import NudgeState
from alertsvc.http import edge
from alertsvc.services import accounts, teens

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


def _teen(app: Flask) -> str:
    with app.app_context():
        session = edge.db()
        parent = accounts.register_parent(session, "cas@example.com", "0123456789", NOW)
        teen = teens.create_teen(
            session, parent.parent_id, nickname="T", timezone="UTC", country=None,
            subdivision=None, now=NOW,
        )  # fmt: skip
        session.commit()
        return teen.id


def test_the_first_write_creates_the_row_and_a_second_creator_loses(app: Flask) -> None:
    teen_id = _teen(app)
    state = NudgeState(day=date(2026, 11, 25), day_marks=".", last_nudge_id="nud_a")
    with app.app_context():
        session = edge.db()
        assert load_state(session, teen_id) == (NudgeState(), None)
        assert save_state(session, teen_id, state, None) is True
        assert save_state(session, teen_id, replace(state, last_nudge_id="nud_b"), None) is False
        session.commit()
        assert load_state(session, teen_id) == (state, 1)


def test_a_stale_version_loses_and_the_current_one_wins(app: Flask) -> None:
    teen_id = _teen(app)
    with app.app_context():
        session = edge.db()
        save_state(session, teen_id, NudgeState(day_marks="."), None)
        assert save_state(session, teen_id, NudgeState(day_marks=".."), 1) is True
        assert save_state(session, teen_id, NudgeState(day_marks="..."), 1) is False
        session.commit()
        state, version = load_state(session, teen_id)
        assert (state.day_marks, version) == ("..", 2)


def test_pause_keeps_the_rest_of_the_state_and_bumps_the_version(app: Flask) -> None:
    teen_id = _teen(app)
    until = datetime(2026, 11, 26, tzinfo=UTC)
    with app.app_context():
        session = edge.db()
        save_state(session, teen_id, NudgeState(day_marks="d"), None)
        set_pause(session, teen_id, until)
        session.commit()
        state, version = load_state(session, teen_id)
        assert (state.paused_until, state.day_marks, version) == (until, "d", 2)
