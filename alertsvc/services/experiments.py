"""Experiments: definitions and their lifecycle, sticky exposure, results and rollups.

Attribution is intention-to-treat from the sticky exposure: once a teen is exposed to a
variant, their nudges at or after `exposed_at` (and before the experiment stopped) and the acks
of those nudges count for that variant. This credits every experiment a teen is in (they may
overlap, since their parameters never conflict), whichever one the check names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pytz
from sqlalchemy import ColumnElement, and_, func, select, text, update
from sqlalchemy.orm import Session

from alertsvc.db.models import Ack, ExperimentRollup, Exposure, Nudge
from alertsvc.db.models import Experiment as ExperimentRow
from alertsvc.db.session import Executor, commit_now, dialect_name, orm, upsert
from alertsvc.domain import stats
from alertsvc.domain.decision import AckAction, Arm, VariantParams
from alertsvc.domain.experiments import (
    PARAM_NAMES,
    Experiment,
    Status,
    Targeting,
    Variant,
    can_transition,
    conflicting_params,
    control_variant,
    definition_errors,
    hashed_variant,
    merge_arms,
    params_json,
)
from alertsvc.domain.schedule import FieldError, InvalidFieldsError
from alertsvc.services import audit
from alertsvc.services.flags import EngineCache

ACK_ACTIONS: tuple[str, ...] = tuple(action.value for action in AckAction)
RATE_ACTIONS: tuple[str, ...] = ("closed_app", "dismissed", "school_use", "report_wrong")
# Rollups younger than this are served as they are; older ones are recomputed on read.
ROLLUP_FRESH_FOR = timedelta(minutes=5)
# Serializes status changes on PostgreSQL so two admins cannot start conflicting experiments.
_DEFINITIONS_LOCK = 0x616C6578  # "alex"

_running_cache: EngineCache[tuple[Experiment, ...]] = EngineCache()


class ExperimentNotFoundError(LookupError):
    pass


class ExperimentExistsError(Exception):
    pass


class ExperimentConflictError(Exception):
    """A change the experiment's state does not allow (answered 409 with this message)."""


@dataclass(frozen=True, slots=True)
class StoredExperiment:
    experiment: Experiment
    created_at: datetime
    updated_at: datetime

    @property
    def key(self) -> str:
        return self.experiment.key

    def to_json(self) -> dict[str, Any]:
        return {
            **definition_json(self.experiment),
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class ExperimentChanges:
    """A partial update; `None` leaves a field alone. `Targeting()` clears targeting."""

    status: Status | None = None
    description: str | None = None
    traffic_percent: int | None = None
    variants: tuple[Variant, ...] | None = None
    targeting: Targeting | None = None


def definition_json(experiment: Experiment) -> dict[str, Any]:
    return {
        "key": experiment.key,
        "description": experiment.description,
        "status": experiment.status.value,
        "traffic_percent": experiment.traffic_percent,
        "variants": [_variant_json(v) for v in experiment.variants],
        "targeting": experiment.targeting.to_json(),
    }


def _variant_json(variant: Variant) -> dict[str, Any]:
    return {"key": variant.key, "weight": variant.weight, "params": params_json(variant.params)}


def _params_from_json(raw: Mapping[str, Any]) -> VariantParams:
    return VariantParams(**{k: v for k, v in raw.items() if k in PARAM_NAMES})


def _targeting_from_json(raw: Mapping[str, Any] | None) -> Targeting:
    if not raw:
        return Targeting()
    countries, zones = raw.get("countries"), raw.get("timezones")
    return Targeting(
        frozenset(countries) if countries is not None else None,
        frozenset(zones) if zones is not None else None,
    )


def _to_domain(row: ExperimentRow) -> Experiment:
    return Experiment(
        key=row.key,
        status=Status(row.status),
        traffic_percent=row.traffic_percent,
        variants=tuple(
            Variant(v["key"], float(v["weight"]), _params_from_json(v.get("params") or {}))
            for v in row.variants
        ),
        targeting=_targeting_from_json(row.targeting),
        description=row.description,
    )


def _stored(row: ExperimentRow) -> StoredExperiment:
    return StoredExperiment(_to_domain(row), row.created_at, row.updated_at)


def _write(row: ExperimentRow, experiment: Experiment) -> None:
    row.status = experiment.status.value
    row.description = experiment.description
    row.traffic_percent = experiment.traffic_percent
    row.variants = [_variant_json(v) for v in experiment.variants]
    row.targeting = experiment.targeting.to_json()


def _validate(experiment: Experiment) -> None:
    errors = definition_errors(
        experiment.key, experiment.traffic_percent, experiment.variants, experiment.targeting
    )
    errors += [
        FieldError("targeting.timezones", f"{zone!r} is not an IANA time zone")
        for zone in sorted(experiment.targeting.timezones or ())
        if zone not in pytz.all_timezones_set
    ]
    if len(experiment.description) > 500:
        errors.append(FieldError("description", "must be at most 500 characters"))
    if errors:
        raise InvalidFieldsError(errors)


def _lock_definitions(session: Session, key: str) -> None:
    """Serialize definition changes, so two admins cannot start conflicting experiments at
    once: an advisory lock on PostgreSQL; on SQLite a no-op write, which takes the database's
    single write lock before the conflict check reads anything."""
    if dialect_name(session) == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _DEFINITIONS_LOCK})
    else:
        session.execute(
            update(ExperimentRow)
            .where(ExperimentRow.key == key)
            .values(updated_at=ExperimentRow.updated_at)
            .execution_options(synchronize_session=False)
        )


# --- Definitions and lifecycle --------------------------------------------------------------


def create_experiment(
    session: Session, definition: Experiment, actor: str, now: datetime
) -> StoredExperiment:
    """Store a new experiment as a draft (whatever status the definition carries)."""
    experiment = replace(definition, status=Status.DRAFT)
    _validate(experiment)
    if session.get(ExperimentRow, experiment.key) is not None:
        raise ExperimentExistsError(experiment.key)
    row = ExperimentRow(key=experiment.key, created_at=now, updated_at=now)
    _write(row, experiment)
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "experiment.create", experiment.key, None, definition_json(experiment), now
    )
    return _stored(row)


def list_experiments(session: Session) -> list[StoredExperiment]:
    rows = session.scalars(select(ExperimentRow).order_by(ExperimentRow.created_at.desc()))
    return [_stored(row) for row in rows]


def get_experiment(session: Session, key: str) -> StoredExperiment | None:
    row = session.get(ExperimentRow, key)
    return _stored(row) if row is not None else None


def _apply(current: Experiment, changes: ExperimentChanges) -> Experiment:
    updated = current
    if changes.description is not None:
        updated = replace(updated, description=changes.description)
    if changes.traffic_percent is not None:
        updated = replace(updated, traffic_percent=changes.traffic_percent)
    if changes.targeting is not None:
        updated = replace(updated, targeting=changes.targeting)
    if changes.variants is not None:
        started = current.status is not Status.DRAFT
        if started and [v.key for v in changes.variants] != [v.key for v in current.variants]:
            raise ExperimentConflictError(
                "Variant keys (and their order) are fixed once the experiment has started; "
                "change weights and params only."
            )
        updated = replace(updated, variants=changes.variants)
    if changes.status is not None and changes.status is not current.status:
        if not can_transition(current.status, changes.status):
            raise ExperimentConflictError(
                f"An experiment cannot go from {current.status.value} to {changes.status.value}."
            )
        updated = replace(updated, status=changes.status)
    return updated


def _check_conflicts(session: Session, experiment: Experiment) -> None:
    """Two running experiments never set the same parameter for the same teen (SPEC §5)."""
    others = session.scalars(
        select(ExperimentRow).where(
            ExperimentRow.status == Status.RUNNING.value, ExperimentRow.key != experiment.key
        )
    )
    for row in others:
        common = conflicting_params(experiment, _to_domain(row))
        if common:
            raise ExperimentConflictError(
                f"Running experiment {row.key!r} can reach the same teens and also sets "
                f"{', '.join(sorted(common))}; pause or stop it first, or narrow the targeting."
            )


def _diff(before: Experiment, after: Experiment) -> tuple[dict[str, Any], dict[str, Any]]:
    old, new = definition_json(before), definition_json(after)
    changed = [name for name in new if old[name] != new[name]]
    return {n: old[n] for n in changed}, {n: new[n] for n in changed}


def update_experiment(
    session: Session, key: str, changes: ExperimentChanges, actor: str, now: datetime
) -> StoredExperiment:
    """Apply an admin's change: status transitions, weights, params, traffic, targeting."""
    _lock_definitions(session, key)
    row = session.get(ExperimentRow, key, with_for_update=True, populate_existing=True)
    if row is None:
        raise ExperimentNotFoundError(key)
    current = _to_domain(row)
    if current.status is Status.STOPPED:
        raise ExperimentConflictError("A stopped experiment is final; create a new one.")
    updated = _apply(current, changes)
    _validate(updated)
    if updated == current:
        return _stored(row)
    if updated.status is Status.RUNNING:
        _check_conflicts(session, updated)
    _write(row, updated)
    row.updated_at = now
    before, after = _diff(current, updated)
    action = "experiment.update"
    if updated.status is not current.status:
        action = {
            Status.RUNNING: "experiment.start"
            if current.status is Status.DRAFT
            else "experiment.resume",
            Status.PAUSED: "experiment.pause",
            Status.STOPPED: "experiment.stop",
        }[updated.status]
    audit.record(session, actor, action, key, before, after, now)
    session.flush()
    _running_cache.invalidate(session)
    return _stored(row)


# --- Exposure -------------------------------------------------------------------------------


def running_experiments(executor: Executor, cache_seconds: float = 1.0) -> tuple[Experiment, ...]:
    """Running experiments ordered by key; one query per process every `cache_seconds`."""

    def load() -> tuple[Experiment, ...]:
        with orm(executor) as session:
            rows = session.scalars(
                select(ExperimentRow)
                .where(ExperimentRow.status == Status.RUNNING.value)
                .order_by(ExperimentRow.key)
            )
            return tuple(_to_domain(row) for row in rows)

    return _running_cache.get(executor, cache_seconds, load)


def _insert_exposures(
    executor: Executor, teen_id: str, chosen: Mapping[str, str], now: datetime
) -> set[str]:
    """Insert-if-absent; returns the experiment keys this call inserted (a concurrent check
    may have won the others)."""
    rows = [
        {"experiment_key": key, "teen_id": teen_id, "variant_key": variant, "exposed_at": now}
        for key, variant in chosen.items()
    ]
    statement = (
        upsert(executor, Exposure)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["experiment_key", "teen_id"])
        .returning(Exposure.experiment_key)
    )
    inserted = set(executor.scalars(statement))
    commit_now(executor)
    return inserted


def arms_for_teen(
    executor: Executor,
    teen_id: str,
    country: str | None,
    timezone: str,
    now: datetime,
    *,
    cache_seconds: float = 1.0,
) -> tuple[Arm, ...]:
    """The teen's arm in each running experiment that targets them, ordered by experiment key.

    The first answer for a teen and an experiment is stored as its exposure and used ever
    after, so weight or coverage changes never move an exposed teen. Costs: the (cached)
    running list, then one exposure read; an insert only on a first exposure."""
    eligible = [
        e
        for e in running_experiments(executor, cache_seconds)
        if e.targeting.matches(country, timezone)
    ]
    if not eligible:
        return ()
    keys = [e.key for e in eligible]

    def read(keys: Iterable[str]) -> dict[str, str]:
        rows = executor.execute(
            select(Exposure.experiment_key, Exposure.variant_key).where(
                Exposure.teen_id == teen_id, Exposure.experiment_key.in_(list(keys))
            )
        )
        return dict(rows.all())

    sticky = read(keys)
    fresh: dict[str, str] = {}
    for experiment in eligible:
        if experiment.key not in sticky:
            hashed = hashed_variant(experiment, teen_id)
            if hashed is not None:
                fresh[experiment.key] = hashed
    if fresh:
        inserted = _insert_exposures(executor, teen_id, fresh, now)
        sticky.update({key: fresh[key] for key in inserted})
        lost = set(fresh) - inserted
        if lost:
            sticky.update(read(lost))
    arms = []
    for experiment in eligible:
        variant = experiment.variant(sticky.get(experiment.key, ""))
        if variant is not None:
            arms.append(Arm(experiment.key, variant.key, variant.params))
    return tuple(arms)


def arm_for_teen(
    executor: Executor,
    teen_id: str,
    country: str | None,
    timezone: str,
    now: datetime,
    *,
    cache_seconds: float = 1.0,
) -> Arm | None:
    """The one arm `decide()` applies: every running experiment's arm merged (`merge_arms`),
    named after the first experiment by key; None when the teen is in none."""
    return merge_arms(
        arms_for_teen(executor, teen_id, country, timezone, now, cache_seconds=cache_seconds)
    )


# --- Results --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VariantCounts:
    exposed: int = 0
    nudges: int = 0
    acks: Mapping[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"exposed": self.exposed, "nudges": self.nudges, "acks": dict(self.acks)}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> VariantCounts:
        return cls(
            int(raw["exposed"]), int(raw["nudges"]), {k: int(v) for k, v in raw["acks"].items()}
        )


@dataclass(frozen=True, slots=True)
class VariantResult:
    key: str
    weight: float
    holdout: bool
    exposed_teens: int
    nudges: int
    acks: Mapping[str, int]
    rates: Mapping[str, stats.Interval | None]
    vs_control: Mapping[str, stats.Interval | None]


@dataclass(frozen=True, slots=True)
class ExperimentResults:
    key: str
    status: Status
    control: str | None
    computed_at: datetime
    source: str  # "rollup" or "live"
    srm: stats.SampleRatio
    variants: tuple[VariantResult, ...]


def _stopped_at(row: ExperimentRow) -> datetime | None:
    # A stopped experiment is read-only, so its last update is the moment it stopped.
    return row.updated_at if row.status == Status.STOPPED.value else None


def attributed_nudges(key: str, until: datetime | None) -> ColumnElement[bool]:
    condition = and_(
        Exposure.experiment_key == key,
        Nudge.teen_id == Exposure.teen_id,
        Nudge.at >= Exposure.exposed_at,
    )
    return and_(condition, Nudge.at < until) if until is not None else condition


def count_metrics(
    session: Session, key: str, until: datetime | None = None
) -> dict[str, VariantCounts]:
    """Exposed teens, attributed nudges and their acks by action, per variant key."""
    exposed = session.execute(
        select(Exposure.variant_key, func.count())
        .where(Exposure.experiment_key == key)
        .group_by(Exposure.variant_key)
    )
    joined = attributed_nudges(key, until)
    nudges: dict[str, int] = dict(
        session.execute(
            select(Exposure.variant_key, func.count(Nudge.id))
            .join(Nudge, joined)
            .group_by(Exposure.variant_key)
        ).all()
    )
    acks: dict[str, dict[str, int]] = {}
    for variant, action, count in session.execute(
        select(Exposure.variant_key, Ack.action, func.count(Ack.id))
        .join(Nudge, joined)
        .join(Ack, Ack.nudge_id == Nudge.id)
        .group_by(Exposure.variant_key, Ack.action)
    ):
        acks.setdefault(variant, {})[action] = count
    return {
        variant: VariantCounts(
            count,
            nudges.get(variant, 0),
            {a: acks.get(variant, {}).get(a, 0) for a in ACK_ACTIONS},
        )
        for variant, count in exposed
    }


def rollup_experiment_metrics(session: Session, now: datetime) -> int:
    """Recompute the per-variant counters of every started experiment (the worker's job);
    a stopped experiment keeps its final rollup, so retention purges never shrink it."""
    rows = session.scalars(
        select(ExperimentRow).where(ExperimentRow.status != Status.DRAFT.value)
    ).all()
    existing = {
        (r.experiment_key, r.variant_key): r for r in session.scalars(select(ExperimentRollup))
    }
    updated = 0
    for row in rows:
        stopped_at = _stopped_at(row)
        keys = [v["key"] for v in row.variants]
        current = [existing.get((row.key, k)) for k in keys]
        if stopped_at is not None and all(
            r is not None and r.computed_at >= stopped_at for r in current
        ):
            continue
        counts = count_metrics(session, row.key, stopped_at)
        for variant_key, rollup in zip(keys, current, strict=True):
            metrics = counts.get(variant_key, VariantCounts(acks=dict.fromkeys(ACK_ACTIONS, 0)))
            if rollup is None:
                rollup = ExperimentRollup(experiment_key=row.key, variant_key=variant_key)
                session.add(rollup)
            rollup.metrics = metrics.to_json()
            rollup.computed_at = now
        updated += 1
    session.flush()
    return updated


def _rollup_counts(
    session: Session, row: ExperimentRow, now: datetime
) -> tuple[dict[str, VariantCounts], datetime] | None:
    rollups = {
        r.variant_key: r
        for r in session.scalars(
            select(ExperimentRollup).where(ExperimentRollup.experiment_key == row.key)
        )
    }
    keys = [v["key"] for v in row.variants]
    if not keys or any(k not in rollups for k in keys):
        return None
    oldest = min(rollups[k].computed_at for k in keys)
    stopped_at = _stopped_at(row)
    final = stopped_at is not None and oldest >= stopped_at
    if not final and (now - oldest > ROLLUP_FRESH_FOR or oldest < row.updated_at):
        return None
    return {k: VariantCounts.from_json(rollups[k].metrics) for k in keys}, oldest


def experiment_results(session: Session, key: str, now: datetime) -> ExperimentResults:
    """Per variant: exposed teens, nudges, acks, per-nudge rates with Wilson 95% intervals,
    Newcombe differences from the control, and the sample-ratio-mismatch test."""
    row = session.get(ExperimentRow, key)
    if row is None:
        raise ExperimentNotFoundError(key)
    experiment = _to_domain(row)
    cached = _rollup_counts(session, row, now)
    if cached is not None:
        counts, computed_at = cached
        source = "rollup"
    else:
        counts, computed_at, source = count_metrics(session, key, _stopped_at(row)), now, "live"
    return build_results(experiment, counts, computed_at, source)


def build_results(
    experiment: Experiment,
    counts: Mapping[str, VariantCounts],
    computed_at: datetime,
    source: str,
) -> ExperimentResults:
    control = control_variant(experiment)
    empty = VariantCounts(acks=dict.fromkeys(ACK_ACTIONS, 0))
    control_counts = counts.get(control.key, empty) if control else None
    shares = experiment.normalized_weights()
    results = []
    for variant, share in zip(experiment.variants, shares, strict=True):
        mine = counts.get(variant.key, empty)
        rates = {a: stats.wilson_interval(mine.acks.get(a, 0), mine.nudges) for a in RATE_ACTIONS}
        versus: dict[str, stats.Interval | None] = {}
        for action in RATE_ACTIONS:
            if control_counts is None or control is None or variant.key == control.key:
                versus[action] = None
            else:
                versus[action] = stats.difference_interval(
                    mine.acks.get(action, 0),
                    mine.nudges,
                    control_counts.acks.get(action, 0),
                    control_counts.nudges,
                )
        results.append(
            VariantResult(
                key=variant.key,
                weight=share,
                holdout=variant.params.holdout,
                exposed_teens=mine.exposed,
                nudges=mine.nudges,
                acks={a: mine.acks.get(a, 0) for a in ACK_ACTIONS},
                rates=rates,
                vs_control=versus,
            )
        )
    srm = stats.sample_ratio_mismatch(
        [counts.get(v.key, empty).exposed for v in experiment.variants],
        [v.weight for v in experiment.variants],
    )
    return ExperimentResults(
        key=experiment.key,
        status=experiment.status,
        control=control.key if control else None,
        computed_at=computed_at,
        source=source,
        srm=srm,
        variants=tuple(results),
    )


def pause_running(session: Session, key: str, now: datetime) -> bool:
    """Running -> paused unless someone changed it meanwhile (compare-and-set)."""
    result = session.execute(
        update(ExperimentRow)
        .where(ExperimentRow.key == key, ExperimentRow.status == Status.RUNNING.value)
        .values(status=Status.PAUSED.value, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    _running_cache.invalidate(session)
    return bool(getattr(result, "rowcount", 0) == 1)


def load_running(session: Session) -> list[ExperimentRow]:
    """Running experiment rows straight from the database (no cache), for the guardrails."""
    return list(
        session.scalars(
            select(ExperimentRow)
            .where(ExperimentRow.status == Status.RUNNING.value)
            .order_by(ExperimentRow.key)
        )
    )


def experiment_of(row: ExperimentRow) -> Experiment:
    return _to_domain(row)
