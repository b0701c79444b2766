"""Experiments: definitions and their lifecycle, sticky exposure, results and rollups.

Attribution is intention-to-treat from the sticky exposure: once a teen is exposed to a
variant, their nudges at or after `exposed_at` (and before the experiment stopped) and the acks
of those nudges count for that variant. This credits every experiment a teen is in (they may
overlap, since their parameters never conflict), whichever one the check names. Nudges that
retention removes are first added to per-variant tallies, so results never shrink.

Every definition change bumps the "experiments" definitions version in its own transaction;
checks read that version in their own query and reload the running experiments only when it
moved, so a change holds for every check answered after it commits, on every process.
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pytz
from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    and_,
    func,
    literal_column,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from alertsvc.db.models import (
    Ack,
    DefinitionVersion,
    ExperimentRollup,
    ExperimentTally,
    Exposure,
    Nudge,
)
from alertsvc.db.models import Experiment as ExperimentRow
from alertsvc.db.session import Executor, commit_now, orm, pool_of, upsert
from alertsvc.domain import stats
from alertsvc.domain.decision import AckAction, Arm, VariantParams
from alertsvc.domain.errors import FieldError, InvalidFieldsError
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
    expected_exposures,
    hashed_variant,
    merge_arms,
    params_json,
)
from alertsvc.services import audit

ACK_ACTIONS: tuple[str, ...] = tuple(action.value for action in AckAction)
RATE_ACTIONS: tuple[str, ...] = ("closed_app", "dismissed", "school_use", "report_wrong")
# Rollups younger than this are served as they are; older ones are recomputed on read.
ROLLUP_FRESH_FOR = timedelta(minutes=5)
# The definitions version that every experiment change bumps.
DEFINITIONS = "experiments"
# The tally metric of nudges (the other metrics are ack actions).
NUDGES = "nudges"
# Exposures counted without a weights version (rollups stored before versions were kept):
# compared with the current weights.
UNKNOWN_WEIGHTS = -1


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
        weights_version=max(len(row.weight_history or ()) - 1, 0),
    )


def _stored(row: ExperimentRow) -> StoredExperiment:
    return StoredExperiment(_to_domain(row), row.created_at, row.updated_at)


def _write(row: ExperimentRow, experiment: Experiment) -> None:
    row.status = experiment.status.value
    row.description = experiment.description
    row.traffic_percent = experiment.traffic_percent
    row.variants = [_variant_json(v) for v in experiment.variants]
    row.targeting = experiment.targeting.to_json()
    # New weights get a new version; the old ones stay, for the exposures made under them.
    history = list(row.weight_history or ())
    if not history or history[-1] != experiment.weights():
        row.weight_history = [*history, experiment.weights()]


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


def definitions_version() -> ColumnElement[Any]:
    """The experiments' definitions version, as a column for the check's own query (0 before
    the first change). The name is written into the SQL, not bound: the check runs its
    statement with the token as the only parameter."""
    version = (
        select(DefinitionVersion.version)
        .where(DefinitionVersion.name == literal_column(f"'{DEFINITIONS}'"))
        .scalar_subquery()
    )
    return func.coalesce(version, literal_column("0"))


def read_definitions_version(executor: Executor) -> int:
    """The current definitions version, read on its own (the check reads it in its query)."""
    return int(executor.scalar(select(definitions_version())) or 0)


def _bump_definitions(session: Session) -> None:
    """Move the definitions version, in the caller's transaction, before any experiment row
    is touched. Its row lock also serializes definition changes until commit (on SQLite, the
    write takes the database's single write lock), so two admins cannot start conflicting
    experiments at once, and the guardrails take the locks in the same order."""
    statement = upsert(session, DefinitionVersion).values(name=DEFINITIONS, version=1)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[DefinitionVersion.name],
            set_={"version": DefinitionVersion.version + 1},
        )
    )


# --- Definitions and lifecycle --------------------------------------------------------------


def create_experiment(
    session: Session, definition: Experiment, actor: str, now: datetime
) -> StoredExperiment:
    """Store a new experiment as a draft (whatever status the definition carries)."""
    experiment = replace(definition, status=Status.DRAFT)
    _validate(experiment)
    _bump_definitions(session)
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
    _bump_definitions(session)
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
    return _stored(row)


# --- Exposure -------------------------------------------------------------------------------


def _load_running(executor: Executor) -> tuple[int, tuple[Experiment, ...]]:
    """The definitions version, then the running experiments ordered by key: read in this
    order, the experiments are at least as new as the version they are kept under."""
    with orm(executor) as session:
        version = read_definitions_version(session)
        rows = session.scalars(
            select(ExperimentRow)
            .where(ExperimentRow.status == Status.RUNNING.value)
            .order_by(ExperimentRow.key)
        )
        return version, tuple(_to_domain(row) for row in rows)


class _RunningExperiments:
    """The running experiments of each database (keyed by its connection pool, which the
    engine's reader variant shares), with the definitions version they were read at.

    Asked for the version a check read in its own query, it reloads unless it holds that very
    version, so what it answers is never older than the check's query: no time-based
    staleness, and one reload per process after each change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: weakref.WeakKeyDictionary[Pool, tuple[int, tuple[Experiment, ...]]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, executor: Executor, version: int) -> tuple[Experiment, ...]:
        pool = pool_of(executor)
        with self._lock:
            entry = self._entries.get(pool)
        if entry is not None and entry[0] == version:
            return entry[1]
        loaded = _load_running(executor)
        with self._lock:
            self._entries[pool] = loaded
        return loaded[1]


_running = _RunningExperiments()


def running_experiments(executor: Executor, version: int | None = None) -> tuple[Experiment, ...]:
    """Running experiments ordered by key, as of definitions `version` (the one the check read
    in its query) or later; without a version, the current one is read first."""
    if version is None:
        version = read_definitions_version(executor)
    return _running.get(executor, version)


def teen_exposures(teen_id: ColumnExpressionArgument[str]) -> ColumnElement[Any]:
    """The teen's exposures as "experiment=variant,..." text (NULL without any), as a column
    for the check's own query, so a check of an exposed teen reads no exposure of its own.
    Keys are slugs, so neither separator occurs in them; both are written into the SQL."""
    pair = Exposure.experiment_key.concat(literal_column("'='")).concat(Exposure.variant_key)
    return (
        select(func.aggregate_strings(pair, literal_column("','")))  # type: ignore[arg-type]
        .where(Exposure.teen_id == teen_id)
        .scalar_subquery()
    )


def parse_teen_exposures(text: str | None) -> dict[str, str]:
    """`teen_exposures`'s text as {experiment key: variant key}."""
    if not text:
        return {}
    return dict(item.split("=", 1) for item in text.split(","))


def _insert_exposures(
    executor: Executor, teen_id: str, chosen: Mapping[str, tuple[str, int]], now: datetime
) -> set[str]:
    """Insert-if-absent of (variant, weights version) per experiment key; returns the keys this
    call inserted (a concurrent check may have won the others)."""
    rows = [
        {
            "experiment_key": key,
            "teen_id": teen_id,
            "variant_key": variant,
            "weights_version": weights_version,
            "exposed_at": now,
        }
        for key, (variant, weights_version) in chosen.items()
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
    version: int | None = None,
    exposures: Mapping[str, str] | None = None,
) -> tuple[Arm, ...]:
    """The teen's arm in each running experiment that targets them, ordered by experiment key.

    The first answer for a teen and an experiment is stored as its exposure, with the weights
    version it was assigned under, and used ever after, so weight or coverage changes never
    move an exposed teen. The check passes the definitions `version` and the teen's
    `exposures` read in its own query; then the running list is reloaded only when the version
    moved, and an exposed teen costs no query at all (an insert only on a first exposure)."""
    eligible = [
        e for e in running_experiments(executor, version) if e.targeting.matches(country, timezone)
    ]
    if not eligible:
        return ()
    sticky = _variants_of(executor, teen_id, eligible, now, exposures)
    arms = []
    for experiment in eligible:
        variant = experiment.variant(sticky.get(experiment.key, ""))
        if variant is not None:
            arms.append(Arm(experiment.key, variant.key, variant.params))
    return tuple(arms)


def _read_exposures(executor: Executor, teen_id: str, keys: Iterable[str]) -> dict[str, str]:
    rows = executor.execute(
        select(Exposure.experiment_key, Exposure.variant_key).where(
            Exposure.teen_id == teen_id, Exposure.experiment_key.in_(list(keys))
        )
    )
    return dict(rows.all())


def _variants_of(
    executor: Executor,
    teen_id: str,
    eligible: Sequence[Experiment],
    now: datetime,
    exposures: Mapping[str, str] | None,
) -> dict[str, str]:
    """The teen's variant key per eligible experiment: the stored exposure, else the hash's
    answer, stored now (a concurrent check's first answer wins)."""
    keys = [e.key for e in eligible]
    if exposures is None:
        sticky = _read_exposures(executor, teen_id, keys)
    else:
        sticky = {key: exposures[key] for key in keys if key in exposures}
    fresh: dict[str, tuple[str, int]] = {}
    for experiment in eligible:
        if experiment.key not in sticky:
            hashed = hashed_variant(experiment, teen_id)
            if hashed is not None:
                fresh[experiment.key] = (hashed, experiment.weights_version)
    if fresh:
        inserted = _insert_exposures(executor, teen_id, fresh, now)
        sticky.update({key: fresh[key][0] for key in inserted})
        lost = set(fresh) - inserted
        if lost:
            sticky.update(_read_exposures(executor, teen_id, lost))
    return sticky


def arm_for_teen(
    executor: Executor,
    teen_id: str,
    country: str | None,
    timezone: str,
    now: datetime,
    *,
    version: int | None = None,
    exposures: Mapping[str, str] | None = None,
) -> Arm | None:
    """The one arm `decide()` applies: every running experiment's arm merged (`merge_arms`),
    named after the first experiment by key; None when the teen is in none. `version` and
    `exposures` are what the check read in its own query (read here when not given)."""
    return merge_arms(
        arms_for_teen(
            executor, teen_id, country, timezone, now, version=version, exposures=exposures
        )
    )


# --- Results --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VariantCounts:
    exposed: int = 0
    nudges: int = 0
    acks: Mapping[str, int] = field(default_factory=dict)
    # Exposed teens by the weights version they were assigned under (for the SRM test).
    exposed_by_weights: Mapping[int, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "exposed": self.exposed,
            "nudges": self.nudges,
            "acks": dict(self.acks),
            "exposed_by_weights": {str(k): n for k, n in self.exposed_by_weights.items()},
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> VariantCounts:
        exposed = int(raw["exposed"])
        by_weights = raw.get("exposed_by_weights")
        return cls(
            exposed,
            int(raw["nudges"]),
            {k: int(v) for k, v in raw["acks"].items()},
            (
                {int(k): int(n) for k, n in by_weights.items()}
                if by_weights is not None
                else {UNKNOWN_WEIGHTS: exposed}
            ),
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
    """Exposed teens (by weights version), attributed nudges and their acks by action, per
    variant key. Nudges and acks are the stored ones plus the tallies of those retention
    removed, each added up in one statement: a purge committing meanwhile moves counts from
    one side to the other, never out of a total."""
    exposed: dict[str, dict[int, int]] = {}
    for variant, weights_version, count in session.execute(
        select(Exposure.variant_key, Exposure.weights_version, func.count())
        .where(Exposure.experiment_key == key)
        .group_by(Exposure.variant_key, Exposure.weights_version)
    ):
        exposed.setdefault(variant, {})[weights_version] = count
    joined = attributed_nudges(key, until)
    tallied = select(ExperimentTally).where(ExperimentTally.experiment_key == key).subquery()
    stored_nudges = (
        select(Exposure.variant_key.label("variant"), func.count(Nudge.id).label("n"))
        .join(Nudge, joined)
        .group_by(Exposure.variant_key)
    )
    removed_nudges = select(tallied.c.variant_key, tallied.c.count).where(
        tallied.c.metric == NUDGES
    )
    both = union_all(stored_nudges, removed_nudges).subquery()
    nudges: dict[str, int] = {
        variant: int(n)
        for variant, n in session.execute(
            select(both.c.variant, func.sum(both.c.n)).group_by(both.c.variant)
        )
    }
    stored_acks = (
        select(
            Exposure.variant_key.label("variant"),
            Ack.action.label("action"),
            func.count(Ack.id).label("n"),
        )
        .join(Nudge, joined)
        .join(Ack, Ack.nudge_id == Nudge.id)
        .group_by(Exposure.variant_key, Ack.action)
    )
    removed_acks = select(tallied.c.variant_key, tallied.c.metric, tallied.c.count).where(
        tallied.c.metric != NUDGES
    )
    every_ack = union_all(stored_acks, removed_acks).subquery()
    acks: dict[str, dict[str, int]] = {}
    for variant, action, count in session.execute(
        select(every_ack.c.variant, every_ack.c.action, func.sum(every_ack.c.n)).group_by(
            every_ack.c.variant, every_ack.c.action
        )
    ):
        acks.setdefault(variant, {})[action] = int(count)
    return {
        variant: VariantCounts(
            sum(by_weights.values()),
            nudges.get(variant, 0),
            {a: acks.get(variant, {}).get(a, 0) for a in ACK_ACTIONS},
            by_weights,
        )
        for variant, by_weights in exposed.items()
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
    return build_results(experiment, counts, computed_at, source, row.weight_history or ())


def build_results(
    experiment: Experiment,
    counts: Mapping[str, VariantCounts],
    computed_at: datetime,
    source: str,
    weight_history: Sequence[Mapping[str, float]] = (),
) -> ExperimentResults:
    """The results of any stored experiment and counts: finite numbers only (stats are total).
    The SRM test compares each variant's exposed teens with the weights in force when each
    was exposed (`weight_history[version]`), so changing weights never raises a false alarm."""
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
    by_weights: dict[int, dict[str, int]] = {}
    for variant in experiment.variants:
        for version, teens in counts.get(variant.key, empty).exposed_by_weights.items():
            by_weights.setdefault(version, {})[variant.key] = teens
    srm = stats.sample_ratio_mismatch(
        [counts.get(v.key, empty).exposed for v in experiment.variants],
        expected_exposures(experiment.variants, by_weights, weight_history),
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
    """Running -> paused unless someone changed it meanwhile (compare-and-set); the
    definitions version moves with it, so every check after the commit sees the pause."""
    _bump_definitions(session)
    result = session.execute(
        update(ExperimentRow)
        .where(ExperimentRow.key == key, ExperimentRow.status == Status.RUNNING.value)
        .values(status=Status.PAUSED.value, updated_at=now)
        .execution_options(synchronize_session=False)
    )
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


# --- Retention ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RemovedNudge:
    id: str
    teen_id: str
    at: datetime


def tally_removed(
    session: Session, nudges: Sequence[RemovedNudge], acks: Sequence[tuple[str, str]]
) -> int:
    """Add nudges that retention is removing, and their acks (nudge id, action), to the tallies
    of every variant they are attributed to, in the purge's transaction; returns the tally
    rows touched. The attribution rule is `attributed_nudges`'s: at or after the teen's
    exposure, and before the experiment stopped."""
    teens = sorted({nudge.teen_id for nudge in nudges})
    if not teens:
        return 0
    exposures: dict[str, list[tuple[str, str, datetime, datetime | None]]] = {}
    for teen_id, key, variant, exposed_at, status, updated_at in session.execute(
        select(
            Exposure.teen_id,
            Exposure.experiment_key,
            Exposure.variant_key,
            Exposure.exposed_at,
            ExperimentRow.status,
            ExperimentRow.updated_at,
        )
        .join(ExperimentRow, ExperimentRow.key == Exposure.experiment_key)
        .where(Exposure.teen_id.in_(teens))
    ):
        stopped_at = updated_at if status == Status.STOPPED.value else None
        exposures.setdefault(teen_id, []).append((key, variant, exposed_at, stopped_at))
    credited: dict[str, list[tuple[str, str]]] = {}
    for nudge in nudges:
        credited[nudge.id] = [
            (key, variant)
            for key, variant, exposed_at, stopped_at in exposures.get(nudge.teen_id, ())
            if exposed_at <= nudge.at and (stopped_at is None or nudge.at < stopped_at)
        ]
    counts: Counter[tuple[str, str, str]] = Counter()
    for targets in credited.values():
        counts.update((key, variant, NUDGES) for key, variant in targets)
    for nudge_id, action in acks:
        counts.update((key, variant, action) for key, variant in credited.get(nudge_id, ()))
    if not counts:
        return 0
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
    return len(counts)
