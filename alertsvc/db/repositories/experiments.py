"""Experiments as stored: definition rows <-> `Experiment` values, the definitions version every
check reads in its own query, and the sticky exposures. No `Mapped` row leaves this module."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ColumnExpressionArgument, func, literal_column, select, update
from sqlalchemy.orm import Session

from alertsvc.db.models import DefinitionVersion, Exposure
from alertsvc.db.models import Experiment as ExperimentRow
from alertsvc.db.session import Executor, commit_now, orm, upsert
from alertsvc.domain.copy import copy_from_stored, copy_stored
from alertsvc.domain.decision import VariantParams
from alertsvc.domain.errors import NotFoundError
from alertsvc.domain.experiments import (
    PARAM_NAMES,
    Experiment,
    Status,
    Targeting,
    Variant,
    params_json,
)

# The definitions version that every experiment change bumps.
DEFINITIONS = "experiments"


@dataclass(frozen=True, slots=True)
class StoredExperiment:
    """An experiment with its timestamps and every weight setting it has had, oldest first
    (an exposure names the index of the one it was assigned under)."""

    experiment: Experiment
    created_at: datetime
    updated_at: datetime
    weight_history: tuple[Mapping[str, float], ...] = ()

    @property
    def key(self) -> str:
        return self.experiment.key

    @property
    def stopped_at(self) -> datetime | None:
        """When it stopped: a stopped experiment is read-only, so its last update."""
        return self.updated_at if self.experiment.status is Status.STOPPED else None


# --- Rows <-> values ------------------------------------------------------------------------


def _params_stored(params: VariantParams) -> dict[str, Any]:
    """A variant's overrides as stored: a copy by language as `[tag, text]` pairs, so its
    order (the first is the fallback) survives any database's JSON."""
    data = params_json(params)
    for name in ("title", "body"):
        copy = getattr(params, name)
        if copy is not None:
            data[name] = copy_stored(copy)
    return data


def variants_json(variants: Sequence[Variant]) -> list[dict[str, Any]]:
    """Variants as stored (and as the audit log shows them)."""
    return [
        {"key": v.key, "weight": v.weight, "params": _params_stored(v.params)} for v in variants
    ]


def _params(raw: Mapping[str, Any]) -> VariantParams:
    values = {k: v for k, v in raw.items() if k in PARAM_NAMES}
    for name in ("title", "body"):
        if values.get(name) is not None:
            values[name] = copy_from_stored(values[name])
    return VariantParams(**values)


def _targeting(raw: Mapping[str, Any] | None) -> Targeting:
    if not raw:
        return Targeting()
    countries, zones, languages = raw.get("countries"), raw.get("timezones"), raw.get("languages")
    return Targeting(
        frozenset(countries) if countries is not None else None,
        frozenset(zones) if zones is not None else None,
        tuple(languages) if languages is not None else None,
    )


def _experiment(row: ExperimentRow) -> Experiment:
    return Experiment(
        key=row.key,
        status=Status(row.status),
        traffic_percent=row.traffic_percent,
        variants=tuple(
            Variant(v["key"], float(v["weight"]), _params(v.get("params") or {}))
            for v in row.variants
        ),
        targeting=_targeting(row.targeting),
        description=row.description,
        weights_version=max(len(row.weight_history or ()) - 1, 0),
    )


def _stored(row: ExperimentRow) -> StoredExperiment:
    history = tuple(dict(weights) for weights in row.weight_history or ())
    return StoredExperiment(_experiment(row), row.created_at, row.updated_at, history)


def _write(row: ExperimentRow, experiment: Experiment) -> None:
    row.status = experiment.status.value
    row.description = experiment.description
    row.traffic_percent = experiment.traffic_percent
    row.variants = variants_json(experiment.variants)
    row.targeting = experiment.targeting.to_json()
    # New weights get a new version; the old ones stay, for the exposures made under them.
    history = list(row.weight_history or ())
    if not history or history[-1] != experiment.weights():
        row.weight_history = [*history, experiment.weights()]


# --- The definitions version ----------------------------------------------------------------


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


def bump_definitions(session: Session) -> None:
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


# --- Definitions ----------------------------------------------------------------------------


def load_experiment(
    session: Session, key: str, *, for_update: bool = False
) -> StoredExperiment | None:
    """The experiment as stored; `for_update` locks its row (and rereads it) until commit."""
    if for_update:
        row = session.get(ExperimentRow, key, with_for_update=True, populate_existing=True)
    else:
        row = session.get(ExperimentRow, key)
    return _stored(row) if row is not None else None


def load_experiments(session: Session) -> list[StoredExperiment]:
    """Every experiment, newest first."""
    rows = session.scalars(select(ExperimentRow).order_by(ExperimentRow.created_at.desc()))
    return [_stored(row) for row in rows]


def load_started(session: Session) -> list[StoredExperiment]:
    """Every experiment that ever ran (running, paused or stopped)."""
    rows = session.scalars(select(ExperimentRow).where(ExperimentRow.status != Status.DRAFT.value))
    return [_stored(row) for row in rows]


def _running(session: Session) -> tuple[Experiment, ...]:
    rows = session.scalars(
        select(ExperimentRow)
        .where(ExperimentRow.status == Status.RUNNING.value)
        .order_by(ExperimentRow.key)
    )
    return tuple(_experiment(row) for row in rows)


def load_running(session: Session) -> tuple[Experiment, ...]:
    """The running experiments ordered by key, straight from the database."""
    return _running(session)


def load_running_versioned(executor: Executor) -> tuple[int, tuple[Experiment, ...]]:
    """The definitions version, then the running experiments ordered by key: read in this
    order, the experiments are at least as new as the version they are kept under."""
    with orm(executor) as session:
        return read_definitions_version(session), _running(session)


def add_experiment(session: Session, experiment: Experiment, now: datetime) -> StoredExperiment:
    row = ExperimentRow(key=experiment.key, created_at=now, updated_at=now)
    _write(row, experiment)
    session.add(row)
    session.flush()
    return _stored(row)


def save_experiment(session: Session, experiment: Experiment, now: datetime) -> StoredExperiment:
    """Write a changed definition over the stored one (which must exist)."""
    row = session.get(ExperimentRow, experiment.key)
    if row is None:
        raise NotFoundError("experiment")
    _write(row, experiment)
    row.updated_at = now
    session.flush()
    return _stored(row)


def pause_if_running(session: Session, key: str, now: datetime) -> bool:
    """Running -> paused unless someone changed it meanwhile (compare-and-set)."""
    result = session.execute(
        update(ExperimentRow)
        .where(ExperimentRow.key == key, ExperimentRow.status == Status.RUNNING.value)
        .values(status=Status.PAUSED.value, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


# --- Exposures ------------------------------------------------------------------------------


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


def read_exposures(executor: Executor, teen_id: str, keys: Iterable[str]) -> dict[str, str]:
    """The teen's variant key in each of these experiments they were exposed to."""
    rows = executor.execute(
        select(Exposure.experiment_key, Exposure.variant_key).where(
            Exposure.teen_id == teen_id, Exposure.experiment_key.in_(list(keys))
        )
    )
    return dict(rows.all())


def insert_exposures(
    executor: Executor, teen_id: str, chosen: Mapping[str, tuple[str, int]], now: datetime
) -> set[str]:
    """Insert-if-absent of (variant, weights version) per experiment key, durable at once on
    the check's reader (in a session, with the session's transaction); returns the keys this
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
