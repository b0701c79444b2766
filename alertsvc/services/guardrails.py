"""Guardrails: pause a running experiment that misbehaves, with evidence in the audit log.

A running experiment is paused when any of its variants
- nudged outside a school window, ever (`Nudge.at` not in `[window_start, window_end)`);
- averaged more than `guardrail_max_nudges_per_teen_day` nudges per teen and local day over
  the last 24 hours (the mean over the (teen, local date) pairs that got a nudge, so quiet
  teens do not dilute a runaway variant and one teen's own generous policy does not trip it);
- had a `report_wrong` rate per nudge above `guardrail_max_report_wrong_rate` once it has at
  least `guardrail_min_acks` acks of any kind.
Nudges count for a variant as in the results: from the teen's exposure on.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from alertsvc.config import Settings
from alertsvc.db.repositories import experiment_metrics as metrics
from alertsvc.db.repositories import experiments as store
from alertsvc.domain.experiments import Experiment
from alertsvc.services import audit, experiments

log = logging.getLogger("alertsvc.guardrails")

EXAMPLES = 5


def _out_of_window(session: Session, key: str) -> dict[str, Any] | None:
    count, examples = metrics.out_of_window(session, key, EXAMPLES)
    if not count:
        return None
    return {
        "rule": "nudge_outside_window",
        "nudges": count,
        "examples": [
            {
                "nudge_id": e.nudge_id,
                "variant": e.variant_key,
                "at": e.at.isoformat(),
                "window": {"start": e.window_start.isoformat(), "end": e.window_end.isoformat()},
            }
            for e in examples
        ],
    }


def _nudges_per_teen_day(
    session: Session, key: str, ceiling: float, now: datetime
) -> dict[str, Any] | None:
    over = {}
    for variant, days in metrics.nudges_per_teen_day(
        session, key, now - timedelta(days=1), now
    ).items():
        mean = days.nudges / days.teen_days
        if mean > ceiling:
            over[variant] = {"nudges": days.nudges, "teen_days": days.teen_days, "mean": mean}
    if not over:
        return None
    return {"rule": "nudges_per_teen_day", "ceiling": ceiling, "variants": over}


def _report_wrong(
    session: Session, key: str, ceiling: float, min_acks: int
) -> dict[str, Any] | None:
    over = {}
    for variant, counts in metrics.count_metrics(session, key).items():
        acks = sum(counts.acks.values())
        if acks < min_acks or counts.nudges == 0:
            continue
        rate = counts.acks.get("report_wrong", 0) / counts.nudges
        if rate > ceiling:
            over[variant] = {
                "report_wrong": counts.acks.get("report_wrong", 0),
                "nudges": counts.nudges,
                "acks": acks,
                "rate": rate,
            }
    if not over:
        return None
    return {"rule": "report_wrong_rate", "ceiling": ceiling, "min_acks": min_acks, "variants": over}


def evidence_against(
    session: Session, experiment: Experiment, settings: Settings, now: datetime
) -> list[dict[str, Any]]:
    """Every guardrail the experiment breaks, with the numbers that show it."""
    found = [
        _out_of_window(session, experiment.key),
        _nudges_per_teen_day(
            session, experiment.key, settings.guardrail_max_nudges_per_teen_day, now
        ),
        _report_wrong(
            session,
            experiment.key,
            settings.guardrail_max_report_wrong_rate,
            settings.guardrail_min_acks,
        ),
    ]
    return [item for item in found if item is not None]


def run_guardrails(session: Session, settings: Settings, now: datetime) -> list[str]:
    """Check every running experiment; pause those that break a guardrail. Returns their keys.

    The caller (the worker's job) commits."""
    paused = []
    for experiment in store.load_running(session):
        evidence = evidence_against(session, experiment, settings, now)
        if not evidence or not experiments.pause_running(session, experiment.key, now):
            continue
        audit.record(
            session,
            audit.GUARDRAIL_ACTOR,
            "experiment.guardrail_pause",
            experiment.key,
            {"status": "running"},
            {"status": "paused", "evidence": evidence},
            now,
        )
        log.error(
            "guardrail paused experiment %s: %s",
            experiment.key,
            json.dumps(evidence, sort_keys=True),
        )
        paused.append(experiment.key)
    return paused
