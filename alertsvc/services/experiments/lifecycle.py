"""Changing an experiment: status transitions (draft -> running <-> paused -> stopped),
weights, params, traffic and targeting, each audited; and the guardrails' pause.

Every change bumps the definitions version in its own transaction, before the experiment's
row is touched, so the changes are serialized and each check after the commit sees them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from alertsvc.db.repositories import experiments as store
from alertsvc.db.repositories.experiments import StoredExperiment
from alertsvc.domain.experiments import (
    Experiment,
    Status,
    Targeting,
    Variant,
    can_transition,
    conflicting_params,
)
from alertsvc.domain.message import msg
from alertsvc.services import audit
from alertsvc.services.experiments.definitions import (
    ExperimentConflictError,
    ExperimentNotFoundError,
    definition_json,
    validate,
)


@dataclass(frozen=True, slots=True)
class ExperimentChanges:
    """A partial update; `None` leaves a field alone. `Targeting()` clears targeting."""

    status: Status | None = None
    description: str | None = None
    traffic_percent: int | None = None
    variants: tuple[Variant, ...] | None = None
    targeting: Targeting | None = None


def _with_variants(
    current: Experiment, updated: Experiment, variants: tuple[Variant, ...]
) -> Experiment:
    started = current.status is not Status.DRAFT
    if started and [v.key for v in variants] != [v.key for v in current.variants]:
        raise ExperimentConflictError(
            msg(
                "Variant keys (and their order) are fixed once the experiment has started; "
                "change weights and params only."
            )
        )
    return replace(updated, variants=variants)


def _with_status(current: Experiment, updated: Experiment, status: Status) -> Experiment:
    if status is current.status:
        return updated
    if not can_transition(current.status, status):
        raise ExperimentConflictError(
            msg(
                "An experiment cannot go from %(current)s to %(target)s.",
                current=current.status.value,
                target=status.value,
            )
        )
    return replace(updated, status=status)


def _apply(current: Experiment, changes: ExperimentChanges) -> Experiment:
    updated = current
    if changes.description is not None:
        updated = replace(updated, description=changes.description)
    if changes.traffic_percent is not None:
        updated = replace(updated, traffic_percent=changes.traffic_percent)
    if changes.targeting is not None:
        updated = replace(updated, targeting=changes.targeting)
    if changes.variants is not None:
        updated = _with_variants(current, updated, changes.variants)
    if changes.status is not None:
        updated = _with_status(current, updated, changes.status)
    return updated


def _check_conflicts(session: Session, experiment: Experiment) -> None:
    """Two running experiments never set the same parameter for the same teen (SPEC §5)."""
    for other in store.load_running(session):
        if other.key == experiment.key:
            continue
        common = conflicting_params(experiment, other)
        if common:
            raise ExperimentConflictError(
                msg(
                    "Running experiment %(key)s can reach the same teens and also sets "
                    "%(params)s; pause or stop it first, or narrow the targeting.",
                    key=repr(other.key),
                    params=", ".join(sorted(common)),
                )
            )


def _diff(before: Experiment, after: Experiment) -> tuple[dict[str, Any], dict[str, Any]]:
    old, new = definition_json(before), definition_json(after)
    changed = [name for name in new if old[name] != new[name]]
    return {n: old[n] for n in changed}, {n: new[n] for n in changed}


def _action(before: Status, after: Status) -> str:
    """The audit log's name for a change from `before` to `after`."""
    if after is before:
        return "experiment.update"
    if after is Status.RUNNING:
        return "experiment.start" if before is Status.DRAFT else "experiment.resume"
    return {Status.PAUSED: "experiment.pause", Status.STOPPED: "experiment.stop"}[after]


def update_experiment(
    session: Session, key: str, changes: ExperimentChanges, actor: str, now: datetime
) -> StoredExperiment:
    """Apply an admin's change: status transitions, weights, params, traffic, targeting."""
    store.bump_definitions(session)
    stored = store.load_experiment(session, key, for_update=True)
    if stored is None:
        raise ExperimentNotFoundError(key)
    current = stored.experiment
    if current.status is Status.STOPPED:
        raise ExperimentConflictError(msg("A stopped experiment is final; create a new one."))
    updated = _apply(current, changes)
    validate(updated)
    if updated == current:
        return stored
    if updated.status is Status.RUNNING:
        _check_conflicts(session, updated)
    saved = store.save_experiment(session, updated, now)
    before, after = _diff(current, updated)
    audit.record(session, actor, _action(current.status, updated.status), key, before, after, now)
    return saved


def pause_running(session: Session, key: str, now: datetime) -> bool:
    """Running -> paused unless someone changed it meanwhile (compare-and-set); the
    definitions version moves with it, so every check after the commit sees the pause."""
    store.bump_definitions(session)
    return store.pause_if_running(session, key, now)
