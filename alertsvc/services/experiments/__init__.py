"""Experiments, one module per job: `definitions` (the rules, creating and reading),
`lifecycle` (changes and the guardrails' pause), `exposure` (a teen's sticky arm, for the
check), `results` (counts, rates and rollups) and `tallies` (what retention removes).

Callers import this package; the names below are its whole surface. The definitions version
and the teen's exposures are columns of the check's own query (`definitions_version`,
`teen_exposures`), kept in `db.repositories.experiments` with the rest of the storage.
"""

from __future__ import annotations

from alertsvc.db.repositories.experiment_metrics import ACK_ACTIONS, NUDGES
from alertsvc.db.repositories.experiments import (
    StoredExperiment,
    definitions_version,
    parse_teen_exposures,
    read_definitions_version,
    teen_exposures,
)
from alertsvc.services.experiments.definitions import (
    DESCRIPTION_MAX,
    ExperimentConflictError,
    ExperimentExistsError,
    ExperimentNotFoundError,
    create_experiment,
    get_experiment,
    list_experiments,
)
from alertsvc.services.experiments.exposure import arm_for_teen, arms_for_teen
from alertsvc.services.experiments.lifecycle import (
    ExperimentChanges,
    pause_running,
    update_experiment,
)
from alertsvc.services.experiments.results import (
    RATE_ACTIONS,
    ExperimentResults,
    VariantResult,
    experiment_results,
    rollup_experiment_metrics,
)
from alertsvc.services.experiments.tallies import RemovedNudge, tally_removed

__all__ = [
    "ACK_ACTIONS",
    "DESCRIPTION_MAX",
    "NUDGES",
    "RATE_ACTIONS",
    "ExperimentChanges",
    "ExperimentConflictError",
    "ExperimentExistsError",
    "ExperimentNotFoundError",
    "ExperimentResults",
    "RemovedNudge",
    "StoredExperiment",
    "VariantResult",
    "arm_for_teen",
    "arms_for_teen",
    "create_experiment",
    "definitions_version",
    "experiment_results",
    "get_experiment",
    "list_experiments",
    "parse_teen_exposures",
    "pause_running",
    "read_definitions_version",
    "rollup_experiment_metrics",
    "tally_removed",
    "teen_exposures",
    "update_experiment",
]
