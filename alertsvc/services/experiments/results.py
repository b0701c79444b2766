"""Results: per variant, exposed teens, nudges, acks, per-nudge rates with Wilson 95%
intervals, Newcombe differences from the control and the sample-ratio-mismatch test; read from
the worker's rollups while they are fresh, else counted live.

Attribution is intention-to-treat from the sticky exposure: once a teen is exposed to a
variant, their nudges at or after `exposed_at` (and before the experiment stopped) and the acks
of those nudges count for that variant. This credits every experiment a teen is in (they may
overlap, since their parameters never conflict), whichever one the check names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from alertsvc.db.repositories import experiment_metrics as metrics
from alertsvc.db.repositories import experiments as store
from alertsvc.db.repositories.experiment_metrics import ACK_ACTIONS, NO_COUNTS, VariantCounts
from alertsvc.db.repositories.experiments import StoredExperiment
from alertsvc.domain import stats
from alertsvc.domain.experiments import (
    Experiment,
    Status,
    Variant,
    control_variant,
    expected_exposures,
)
from alertsvc.services.experiments.definitions import ExperimentNotFoundError

RATE_ACTIONS: tuple[str, ...] = ("closed_app", "dismissed", "school_use", "report_wrong")
# Rollups younger than this are served as they are; older ones are recomputed on read.
ROLLUP_FRESH_FOR = timedelta(minutes=5)


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


def _variant_result(
    variant: Variant, share: float, mine: VariantCounts, control: VariantCounts | None
) -> VariantResult:
    """One variant's numbers; `control` is the control's counts (None for the control)."""
    rates = {a: stats.wilson_interval(mine.acks.get(a, 0), mine.nudges) for a in RATE_ACTIONS}
    versus: dict[str, stats.Interval | None] = {}
    for action in RATE_ACTIONS:
        versus[action] = (
            None
            if control is None
            else stats.difference_interval(
                mine.acks.get(action, 0),
                mine.nudges,
                control.acks.get(action, 0),
                control.nudges,
            )
        )
    return VariantResult(
        key=variant.key,
        weight=share,
        holdout=variant.params.holdout,
        exposed_teens=mine.exposed,
        nudges=mine.nudges,
        acks={a: mine.acks.get(a, 0) for a in ACK_ACTIONS},
        rates=rates,
        vs_control=versus,
    )


def _sample_ratio(
    experiment: Experiment,
    counts: Mapping[str, VariantCounts],
    weight_history: Sequence[Mapping[str, float]],
) -> stats.SampleRatio:
    by_weights: dict[int, dict[str, int]] = {}
    for variant in experiment.variants:
        for version, teens in counts.get(variant.key, NO_COUNTS).exposed_by_weights.items():
            by_weights.setdefault(version, {})[variant.key] = teens
    return stats.sample_ratio_mismatch(
        [counts.get(v.key, NO_COUNTS).exposed for v in experiment.variants],
        expected_exposures(experiment.variants, by_weights, weight_history),
    )


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
    control_counts = counts.get(control.key, NO_COUNTS) if control else None
    variants = tuple(
        _variant_result(
            variant,
            share,
            counts.get(variant.key, NO_COUNTS),
            None if control is None or variant.key == control.key else control_counts,
        )
        for variant, share in zip(experiment.variants, experiment.normalized_weights(), strict=True)
    )
    return ExperimentResults(
        key=experiment.key,
        status=experiment.status,
        control=control.key if control else None,
        computed_at=computed_at,
        source=source,
        srm=_sample_ratio(experiment, counts, weight_history),
        variants=variants,
    )


def _rollup_counts(
    session: Session, stored: StoredExperiment, now: datetime
) -> tuple[dict[str, VariantCounts], datetime] | None:
    """The rollups' counts and their age, when every variant has one that is still good:
    final for a stopped experiment, else fresh and newer than the last change."""
    rollups = metrics.load_rollups(session, stored.key)
    keys = [v.key for v in stored.experiment.variants]
    if not keys or any(k not in rollups for k in keys):
        return None
    oldest = min(rollups[k].computed_at for k in keys)
    stopped_at = stored.stopped_at
    final = stopped_at is not None and oldest >= stopped_at
    if not final and (now - oldest > ROLLUP_FRESH_FOR or oldest < stored.updated_at):
        return None
    return {k: rollups[k].counts for k in keys}, oldest


def experiment_results(session: Session, key: str, now: datetime) -> ExperimentResults:
    """Per variant: exposed teens, nudges, acks, per-nudge rates with Wilson 95% intervals,
    Newcombe differences from the control, and the sample-ratio-mismatch test."""
    stored = store.load_experiment(session, key)
    if stored is None:
        raise ExperimentNotFoundError(key)
    cached = _rollup_counts(session, stored, now)
    if cached is not None:
        counts, computed_at = cached
        source = "rollup"
    else:
        counts = metrics.count_metrics(session, key, stored.stopped_at)
        computed_at, source = now, "live"
    return build_results(stored.experiment, counts, computed_at, source, stored.weight_history)


def rollup_experiment_metrics(session: Session, now: datetime) -> int:
    """Recompute the per-variant counters of every started experiment (the worker's job);
    a stopped experiment keeps its final rollup, so retention purges never shrink it."""
    computed = metrics.rollup_times(session)
    updated = 0
    for stored in store.load_started(session):
        keys = [v.key for v in stored.experiment.variants]
        stopped_at = stored.stopped_at
        times = [computed.get((stored.key, k)) for k in keys]
        if stopped_at is not None and all(t is not None and t >= stopped_at for t in times):
            continue
        counts = metrics.count_metrics(session, stored.key, stopped_at)
        metrics.save_rollups(session, stored.key, {k: counts.get(k, NO_COUNTS) for k in keys}, now)
        updated += 1
    return updated
