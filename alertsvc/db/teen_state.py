"""The per-teen nudge state row <-> `NudgeState`, with compare-and-set writes.

Every write bumps `version` and only succeeds if nobody else wrote since we read: two
processes answering checks for the same teen at once cannot both emit a nudge or break a cap.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from alertsvc.db.models import TeenState
from alertsvc.db.session import upsert
from alertsvc.domain.errors import UnavailableError
from alertsvc.domain.message import msg
from alertsvc.domain.state import NudgeState

MAX_ATTEMPTS = 5


class StateConflictError(UnavailableError):
    """Other writers kept winning the compare-and-set: nothing was lost or doubled, and the
    client may simply ask again in a moment."""

    def __init__(self, teen_id: str) -> None:
        super().__init__(msg("Too many checks for this teen at once; try again shortly."), 1)
        self.teen_id = teen_id


STATE_COLUMNS = (
    TeenState.version,
    TeenState.paused_until,
    TeenState.snoozed_until,
    TeenState.day,
    TeenState.day_marks,
    TeenState.last_nudge_id,
    TeenState.last_nudge_at,
    TeenState.last_nudge_acked,
)


def state_from_row(
    row: Row[tuple[object, ...]] | tuple[object, ...] | None,
) -> tuple[NudgeState, int | None]:
    """`(state, version)` from the STATE_COLUMNS values; no row -> empty state, version None."""
    if row is None or row[0] is None:
        return NudgeState(), None
    version, paused, snoozed, day, marks, last_id, last_at, acked = tuple(row)
    state = NudgeState(
        paused_until=paused,  # type: ignore[arg-type]
        snoozed_until=snoozed,  # type: ignore[arg-type]
        day=day,  # type: ignore[arg-type]
        day_marks=str(marks or ""),
        last_nudge_id=last_id,  # type: ignore[arg-type]
        last_nudge_at=last_at,  # type: ignore[arg-type]
        last_nudge_acked=bool(acked),
    )
    return state, int(version)  # type: ignore[call-overload]


def load_state(session: Session, teen_id: str) -> tuple[NudgeState, int | None]:
    row = session.execute(select(*STATE_COLUMNS).where(TeenState.teen_id == teen_id)).first()
    return state_from_row(row)


def load_states(session: Session, teen_ids: Collection[str]) -> dict[str, NudgeState]:
    """Each teen's state as `load_state` reads it, in one query; a teen without a row gets
    the empty state."""
    states = dict.fromkeys(teen_ids, NudgeState())
    if not states:
        return states
    rows = session.execute(
        select(TeenState.teen_id, *STATE_COLUMNS).where(TeenState.teen_id.in_(states))
    )
    for teen_id, *columns in rows:
        states[teen_id] = state_from_row(tuple(columns))[0]
    return states


def _values(state: NudgeState) -> dict[str, object]:
    return {
        "paused_until": state.paused_until,
        "snoozed_until": state.snoozed_until,
        "day": state.day,
        "day_marks": state.day_marks,
        "last_nudge_id": state.last_nudge_id,
        "last_nudge_at": state.last_nudge_at,
        "last_nudge_acked": state.last_nudge_acked,
    }


def save_state(
    session: Session, teen_id: str, state: NudgeState, expected_version: int | None
) -> bool:
    """Write `state` if the row is still at `expected_version` (None: no row yet)."""
    if expected_version is None:
        # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT inserts.
        created = session.execute(
            upsert(session, TeenState)
            .values(teen_id=teen_id, version=1, **_values(state))
            .on_conflict_do_nothing(index_elements=[TeenState.teen_id])
            .returning(TeenState.teen_id)
        ).first()
        return created is not None
    else:
        result = session.execute(
            update(TeenState)
            .where(TeenState.teen_id == teen_id, TeenState.version == expected_version)
            .values(version=TeenState.version + 1, **_values(state))
        )
    return getattr(result, "rowcount", 0) == 1


def set_pause(session: Session, teen_id: str, until: datetime | None) -> None:
    """Pause or resume, whatever else the row holds (a blind write that still bumps version)."""
    for _ in range(MAX_ATTEMPTS):
        state, version = load_state(session, teen_id)
        if save_state(session, teen_id, replace(state, paused_until=until), version):
            return
    raise StateConflictError(teen_id)
