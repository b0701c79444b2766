"""What experiments are judged on, as stored: per-variant counts of exposed teens, attributed
nudges and their acks, the worker's rollups of them, the tallies of nudges retention removed,
and the guardrails' reads. No `Mapped` row leaves this module.

A nudge is attributed to a variant when its teen was exposed to the variant at or before it,
and before the experiment stopped (intention-to-treat from the sticky exposure).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, union_all
from sqlalchemy.orm import Session

from alertsvc.db.models import Ack, ExperimentRollup, ExperimentTally, Exposure, Nudge
from alertsvc.db.models import Experiment as ExperimentRow
from alertsvc.db.session import upsert
from alertsvc.domain.decision import AckAction
from alertsvc.domain.experiments import Status

ACK_ACTIONS: tuple[str, ...] = tuple(action.value for action in AckAction)
# The tally metric of nudges (the other metrics are ack actions).
NUDGES = "nudges"
# Exposures counted without a weights version (rollups stored before versions were kept):
# compared with the current weights.
UNKNOWN_WEIGHTS = -1


@dataclass(frozen=True, slots=True)
class VariantCounts:
    exposed: int = 0
    nudges: int = 0
    acks: Mapping[str, int] = field(default_factory=dict)
    # Exposed teens by the weights version they were assigned under (for the SRM test).
    exposed_by_weights: Mapping[int, int] = field(default_factory=dict)


NO_COUNTS = VariantCounts(acks=dict.fromkeys(ACK_ACTIONS, 0))


@dataclass(frozen=True, slots=True)
class Rollup:
    """A variant's counts as the worker last computed them."""

    counts: VariantCounts
    computed_at: datetime


@dataclass(frozen=True, slots=True)
class TeenExposure:
    teen_id: str
    experiment_key: str
    variant_key: str
    exposed_at: datetime
    stopped_at: datetime | None  # when the experiment stopped, if it did


@dataclass(frozen=True, slots=True)
class OutOfWindow:
    """A nudge sent outside the school window it was meant for."""

    nudge_id: str
    variant_key: str
    at: datetime
    window_start: datetime
    window_end: datetime


@dataclass(frozen=True, slots=True)
class TeenDays:
    """A variant's nudges over the (teen, local date) pairs that got one."""

    nudges: int
    teen_days: int


# --- Counting -------------------------------------------------------------------------------


def _attributed(key: str, until: datetime | None) -> ColumnElement[bool]:
    condition = and_(
        Exposure.experiment_key == key,
        Nudge.teen_id == Exposure.teen_id,
        Nudge.at >= Exposure.exposed_at,
    )
    return and_(condition, Nudge.at < until) if until is not None else condition


def _exposed(session: Session, key: str) -> dict[str, dict[int, int]]:
    exposed: dict[str, dict[int, int]] = {}
    for variant, weights_version, count in session.execute(
        select(Exposure.variant_key, Exposure.weights_version, func.count())
        .where(Exposure.experiment_key == key)
        .group_by(Exposure.variant_key, Exposure.weights_version)
    ):
        exposed.setdefault(variant, {})[weights_version] = count
    return exposed


def _tallies(key: str) -> Any:
    return select(ExperimentTally).where(ExperimentTally.experiment_key == key).subquery()


def _nudges(session: Session, key: str, until: datetime | None) -> dict[str, int]:
    tallied = _tallies(key)
    stored = (
        select(Exposure.variant_key.label("variant"), func.count(Nudge.id).label("n"))
        .join(Nudge, _attributed(key, until))
        .group_by(Exposure.variant_key)
    )
    removed = select(tallied.c.variant_key, tallied.c.count).where(tallied.c.metric == NUDGES)
    both = union_all(stored, removed).subquery()
    rows = session.execute(select(both.c.variant, func.sum(both.c.n)).group_by(both.c.variant))
    return {variant: int(n) for variant, n in rows}


def _acks(session: Session, key: str, until: datetime | None) -> dict[str, dict[str, int]]:
    tallied = _tallies(key)
    stored = (
        select(
            Exposure.variant_key.label("variant"),
            Ack.action.label("action"),
            func.count(Ack.id).label("n"),
        )
        .join(Nudge, _attributed(key, until))
        .join(Ack, Ack.nudge_id == Nudge.id)
        .group_by(Exposure.variant_key, Ack.action)
    )
    removed = select(tallied.c.variant_key, tallied.c.metric, tallied.c.count).where(
        tallied.c.metric != NUDGES
    )
    every = union_all(stored, removed).subquery()
    acks: dict[str, dict[str, int]] = {}
    for variant, action, count in session.execute(
        select(every.c.variant, every.c.action, func.sum(every.c.n)).group_by(
            every.c.variant, every.c.action
        )
    ):
        acks.setdefault(variant, {})[action] = int(count)
    return acks


def count_metrics(
    session: Session, key: str, until: datetime | None = None
) -> dict[str, VariantCounts]:
    """Exposed teens (by weights version), attributed nudges and their acks by action, per
    variant key. Nudges and acks are the stored ones plus the tallies of those retention
    removed, each added up in one statement: a purge committing meanwhile moves counts from
    one side to the other, never out of a total."""
    exposed = _exposed(session, key)
    nudges = _nudges(session, key, until)
    acks = _acks(session, key, until)
    return {
        variant: VariantCounts(
            sum(by_weights.values()),
            nudges.get(variant, 0),
            {a: acks.get(variant, {}).get(a, 0) for a in ACK_ACTIONS},
            by_weights,
        )
        for variant, by_weights in exposed.items()
    }


# --- Rollups --------------------------------------------------------------------------------


def _counts_json(counts: VariantCounts) -> dict[str, Any]:
    return {
        "exposed": counts.exposed,
        "nudges": counts.nudges,
        "acks": dict(counts.acks),
        "exposed_by_weights": {str(k): n for k, n in counts.exposed_by_weights.items()},
    }


def _counts_from_json(raw: Mapping[str, Any]) -> VariantCounts:
    exposed = int(raw["exposed"])
    by_weights = raw.get("exposed_by_weights")
    return VariantCounts(
        exposed,
        int(raw["nudges"]),
        {k: int(v) for k, v in raw["acks"].items()},
        (
            {int(k): int(n) for k, n in by_weights.items()}
            if by_weights is not None
            else {UNKNOWN_WEIGHTS: exposed}
        ),
    )


def load_rollups(session: Session, key: str) -> dict[str, Rollup]:
    """The experiment's rollups by variant key."""
    rows = session.scalars(select(ExperimentRollup).where(ExperimentRollup.experiment_key == key))
    return {r.variant_key: Rollup(_counts_from_json(r.metrics), r.computed_at) for r in rows}


def rollup_times(session: Session) -> dict[tuple[str, str], datetime]:
    """When each (experiment, variant) rollup was computed."""
    return {
        (r.experiment_key, r.variant_key): r.computed_at
        for r in session.scalars(select(ExperimentRollup))
    }


def save_rollups(
    session: Session, key: str, counts: Mapping[str, VariantCounts], now: datetime
) -> None:
    """Store the experiment's counts per variant key, computed at `now`."""
    if not counts:
        return
    statement = upsert(session, ExperimentRollup).values(
        [
            {
                "experiment_key": key,
                "variant_key": variant_key,
                "metrics": _counts_json(variant_counts),
                "computed_at": now,
            }
            for variant_key, variant_counts in counts.items()
        ]
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["experiment_key", "variant_key"],
            set_={
                "metrics": statement.excluded.metrics,
                "computed_at": statement.excluded.computed_at,
            },
        )
    )


# --- Retention's tallies --------------------------------------------------------------------


def load_teen_exposures(session: Session, teen_ids: Sequence[str]) -> list[TeenExposure]:
    """Every exposure of these teens, with when its experiment stopped."""
    rows = session.execute(
        select(
            Exposure.teen_id,
            Exposure.experiment_key,
            Exposure.variant_key,
            Exposure.exposed_at,
            ExperimentRow.status,
            ExperimentRow.updated_at,
        )
        .join(ExperimentRow, ExperimentRow.key == Exposure.experiment_key)
        .where(Exposure.teen_id.in_(teen_ids))
    )
    return [
        # A stopped experiment is read-only, so its last update is the moment it stopped.
        TeenExposure(teen, key, variant, at, updated if status == Status.STOPPED.value else None)
        for teen, key, variant, at, status, updated in rows
    ]


def add_tallies(session: Session, counts: Mapping[tuple[str, str, str], int]) -> None:
    """Add counts to the tallies by (experiment key, variant key, metric)."""
    statement = upsert(session, ExperimentTally).values(
        [
            {"experiment_key": key, "variant_key": variant, "metric": metric, "count": n}
            for (key, variant, metric), n in sorted(counts.items())
        ]
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["experiment_key", "variant_key", "metric"],
            set_={"count": ExperimentTally.count + statement.excluded.count},
        )
    )


# --- The guardrails' reads ------------------------------------------------------------------


def _outside(key: str, *columns: Any) -> Select[Any]:
    outside = or_(Nudge.at < Nudge.window_start, Nudge.at >= Nudge.window_end)
    return select(*columns).select_from(Exposure).join(Nudge, _attributed(key, None)).where(outside)


def out_of_window(session: Session, key: str, examples: int) -> tuple[int, list[OutOfWindow]]:
    """How many attributed nudges were sent outside their window, and the first few."""
    count = session.scalar(_outside(key, func.count(Nudge.id)))
    if not count:
        return 0, []
    rows = session.execute(
        _outside(
            key, Nudge.id, Exposure.variant_key, Nudge.at, Nudge.window_start, Nudge.window_end
        )
        .order_by(Nudge.at)
        .limit(examples)
    )
    return int(count), [OutOfWindow(*row) for row in rows]


def nudges_per_teen_day(
    session: Session, key: str, since: datetime, until: datetime
) -> dict[str, TeenDays]:
    """Per variant, attributed nudges in [since, until] and the (teen, local date) pairs that
    got them."""
    per_teen_day = (
        select(Exposure.variant_key.label("variant"), func.count(Nudge.id).label("nudges"))
        .select_from(Exposure)
        .join(Nudge, _attributed(key, None))
        .where(Nudge.at >= since, Nudge.at <= until)
        .group_by(Exposure.variant_key, Nudge.teen_id, Nudge.local_date)
        .subquery()
    )
    rows = session.execute(
        select(per_teen_day.c.variant, func.sum(per_teen_day.c.nudges), func.count()).group_by(
            per_teen_day.c.variant
        )
    )
    return {variant: TeenDays(int(nudges), int(days)) for variant, nudges, days in rows}
