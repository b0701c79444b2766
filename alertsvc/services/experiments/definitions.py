"""Experiment definitions: the rules a definition follows, creating and reading them, and the
errors every experiment use case ends in."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import pytz
from sqlalchemy.orm import Session

from alertsvc.db.repositories import experiments as store
from alertsvc.db.repositories.experiments import StoredExperiment
from alertsvc.domain.copy import field_error
from alertsvc.domain.errors import ConflictError, InvalidFieldsError, NotFoundError
from alertsvc.domain.experiments import Experiment, Status, definition_errors
from alertsvc.domain.message import msg
from alertsvc.i18n import supported_tag
from alertsvc.services import audit

DESCRIPTION_MAX = 500


class ExperimentNotFoundError(NotFoundError):
    def __init__(self, key: str) -> None:
        super().__init__("experiment")
        self.key = key


class ExperimentExistsError(ConflictError):
    """The key is taken. `field` names the input it is about, so a form shows it there."""

    field = "key"

    def __init__(self, key: str) -> None:
        super().__init__(msg("An experiment with this key already exists. Choose another key."))
        self.key = key


class ExperimentConflictError(ConflictError):
    """A change the experiment's state does not allow; its `detail` says why (a sentence,
    said in the reader's language; `str()` is English)."""


def definition_json(experiment: Experiment) -> dict[str, Any]:
    """A definition as the audit log records it."""
    return {
        "key": experiment.key,
        "description": experiment.description,
        "status": experiment.status.value,
        "traffic_percent": experiment.traffic_percent,
        "variants": store.variants_json(experiment.variants),
        "targeting": experiment.targeting.to_json(),
    }


def validate(experiment: Experiment) -> None:
    """Every rule a definition breaks, at once, as an `InvalidFieldsError`."""
    errors = definition_errors(
        experiment.key,
        experiment.traffic_percent,
        experiment.variants,
        experiment.targeting,
        supported_tag,
    )
    errors += [
        field_error(
            "targeting.timezones", msg("%(zone)s is not an IANA time zone", zone=repr(zone))
        )
        for zone in sorted(experiment.targeting.timezones or ())
        if zone not in pytz.all_timezones_set
    ]
    if len(experiment.description) > DESCRIPTION_MAX:
        rule = msg("must be at most %(count)d characters", count=DESCRIPTION_MAX)
        errors.append(field_error("description", rule))
    if errors:
        raise InvalidFieldsError(errors)


def create_experiment(
    session: Session, definition: Experiment, actor: str, now: datetime
) -> StoredExperiment:
    """Store a new experiment as a draft (whatever status the definition carries)."""
    experiment = replace(definition, status=Status.DRAFT)
    validate(experiment)
    store.bump_definitions(session)
    if store.load_experiment(session, experiment.key) is not None:
        raise ExperimentExistsError(experiment.key)
    stored = store.add_experiment(session, experiment, now)
    audit.record(
        session, actor, "experiment.create", experiment.key, None, definition_json(experiment), now
    )
    return stored


def list_experiments(session: Session) -> list[StoredExperiment]:
    """Every experiment, newest first."""
    return store.load_experiments(session)


def get_experiment(session: Session, key: str) -> StoredExperiment:
    """The experiment, or `ExperimentNotFoundError`."""
    stored = store.load_experiment(session, key)
    if stored is None:
        raise ExperimentNotFoundError(key)
    return stored
