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

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from alertsvc.config import Settings
from alertsvc.db.models import Exposure, Nudge
from alertsvc.domain.experiments import Experiment
from alertsvc.services import audit, experiments

log = logging.getLogger("alertsvc.guardrails")

EXAMPLES = 5


def _out_of_window(session: Session, key: str) -> dict[str, Any] | None:
    attributed = experiments.attributed_nudges(key, None)
    outside = or_(Nudge.at < Nudge.window_start, Nudge.at >= Nudge.window_end)
    count = session.scalar(
        select(func.count(Nudge.id)).select_from(Exposure).join(Nudge, attributed).where(outside)
    )
    if not count:
        return None
    examples = session.execute(
        select(Nudge.id, Nudge.at, Nudge.window_start, Nudge.window_end, Exposure.variant_key)
        .select_from(Exposure)
        .join(Nudge, attributed)
        .where(outside)
        .order_by(Nudge.at)
        .limit(EXAMPLES)
    )
    return {
        "rule": "nudge_outside_window",
        "nudges": int(count),
        "examples": [
            {
                "nudge_id": nudge_id,
                "variant": variant,
                "at": at.isoformat(),
                "window": {"start": start.isoformat(), "end": end.isoformat()},
            }
            for nudge_id, at, start, end, variant in examples
        ],
    }


def _nudges_per_teen_day(
    session: Session, key: str, ceiling: float, now: datetime
) -> dict[str, Any] | None:
    attributed = experiments.attributed_nudges(key, None)
    per_teen_day = (
        select(Exposure.variant_key.label("variant"), func.count(Nudge.id).label("nudges"))
        .select_from(Exposure)
        .join(Nudge, attributed)
        .where(Nudge.at >= now - timedelta(days=1), Nudge.at <= now)
        .group_by(Exposure.variant_key, Nudge.teen_id, Nudge.local_date)
        .subquery()
    )
    rows = session.execute(
        select(per_teen_day.c.variant, func.sum(per_teen_day.c.nudges), func.count()).group_by(
            per_teen_day.c.variant
        )
    )
    over = {}
    for variant, nudges, teen_days in rows:
        mean = int(nudges) / int(teen_days)
        if mean > ceiling:
            over[variant] = {"nudges": int(nudges), "teen_days": int(teen_days), "mean": mean}
    if not over:
        return None
    return {"rule": "nudges_per_teen_day", "ceiling": ceiling, "variants": over}


def _report_wrong(
    session: Session, key: str, ceiling: float, min_acks: int, until: datetime | None
) -> dict[str, Any] | None:
    over = {}
    for variant, counts in experiments.count_metrics(session, key, until).items():
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
            None,
        ),
    ]
    return [item for item in found if item is not None]


def run_guardrails(session: Session, settings: Settings, now: datetime) -> list[str]:
    """Check every running experiment; pause those that break a guardrail. Returns their keys.

    The caller (the worker's job) commits."""
    paused = []
    for row in experiments.load_running(session):
        experiment = experiments.experiment_of(row)
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
