"""Exposure: which arm of the running experiments a teen gets, sticky from the first answer.

Checks read the definitions version in their own query and reload the running experiments
only when it moved, so a change holds for every check answered after it commits, on every
process."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.pool import Pool

from alertsvc.db.repositories import experiments as store
from alertsvc.db.session import Executor, pool_of
from alertsvc.domain.decision import Arm
from alertsvc.domain.experiments import Experiment, hashed_variant, merge_arms


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
        loaded = store.load_running_versioned(executor)
        with self._lock:
            self._entries[pool] = loaded
        return loaded[1]


_running = _RunningExperiments()


def running_experiments(executor: Executor, version: int | None = None) -> tuple[Experiment, ...]:
    """Running experiments ordered by key, as of definitions `version` (the one the check read
    in its query) or later; without a version, the current one is read first."""
    if version is None:
        version = store.read_definitions_version(executor)
    return _running.get(executor, version)


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
        sticky = store.read_exposures(executor, teen_id, keys)
    else:
        sticky = {key: exposures[key] for key in keys if key in exposures}
    fresh: dict[str, tuple[str, int]] = {}
    for experiment in eligible:
        if experiment.key not in sticky:
            hashed = hashed_variant(experiment, teen_id)
            if hashed is not None:
                fresh[experiment.key] = (hashed, experiment.weights_version)
    if fresh:
        inserted = store.insert_exposures(executor, teen_id, fresh, now)
        sticky.update({key: fresh[key][0] for key in inserted})
        lost = set(fresh) - inserted
        if lost:
            sticky.update(store.read_exposures(executor, teen_id, lost))
    return sticky


def arms_for_teen(
    executor: Executor,
    teen_id: str,
    country: str | None,
    timezone: str,
    now: datetime,
    *,
    version: int | None = None,
    exposures: Mapping[str, str] | None = None,
    language: str | None = None,
) -> tuple[Arm, ...]:
    """The teen's arm in each running experiment that targets them, ordered by experiment key.

    The first answer for a teen and an experiment is stored as its exposure, with the weights
    version it was assigned under, and used ever after, so weight or coverage changes never
    move an exposed teen. The check passes the definitions `version` and the teen's
    `exposures` read in its own query; then the running list is reloaded only when the version
    moved, and an exposed teen costs no query at all (an insert only on a first exposure).
    `language` is the check's language tag: an experiment targeting languages takes only
    teens reading one of them (nobody when it is None)."""
    eligible = [
        e
        for e in running_experiments(executor, version)
        if e.targeting.matches(country, timezone, language)
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


def arm_for_teen(
    executor: Executor,
    teen_id: str,
    country: str | None,
    timezone: str,
    now: datetime,
    *,
    version: int | None = None,
    exposures: Mapping[str, str] | None = None,
    language: str | None = None,
) -> Arm | None:
    """The one arm `decide()` applies: every running experiment's arm merged (`merge_arms`),
    named after the first experiment by key; None when the teen is in none. `version` and
    `exposures` are what the check read in its own query (read here when not given);
    `language` is the check's language tag, for targeting by language."""
    return merge_arms(
        arms_for_teen(
            executor,
            teen_id,
            country,
            timezone,
            now,
            version=version,
            exposures=exposures,
            language=language,
        )
    )
