"""Background jobs: module-level functions with fixed ids, run by `alertsvc worker`.

Each opens its own session, does one idempotent unit of work, commits, and reports counts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from alertsvc import metrics
from alertsvc.runtime import Runtime
from alertsvc.services import experiments, guardrails, retention

log = logging.getLogger("alertsvc.jobs")


def purge_retention(
    runtime: Runtime, max_batches: int = 100, batch: int = retention.BATCH
) -> dict[str, int]:
    """Delete nudges/acks past retention and expired codes, tokens and counters.

    One short transaction per batch, so a large backlog never holds locks for long; at most
    `max_batches` per run, the rest waits for the next run."""
    totals: dict[str, int] = {}
    now = runtime.clock()
    for _ in range(max_batches):
        with runtime.sessions() as session:
            purged = retention.purge(session, now, runtime.settings.retention_days, batch)
            session.commit()
        for name, count in asdict(purged).items():
            totals[name] = totals.get(name, 0) + count
        if purged.nudges < batch:
            break
    return totals


def roll_up_experiments(runtime: Runtime) -> int:
    """Recompute per-variant counters for the results pages."""
    with runtime.sessions() as session:
        count = experiments.rollup_experiment_metrics(session, runtime.clock())
        session.commit()
    return count


def enforce_guardrails(runtime: Runtime) -> list[str]:
    """Pause any running experiment that nudges too much, wrongly, or outside a window."""
    with runtime.sessions() as session:
        paused = guardrails.run_guardrails(session, runtime.settings, runtime.clock())
        session.commit()
    return paused


# (job id, function, interval in seconds)
SCHEDULE: tuple[tuple[str, Callable[[Runtime], Any], int], ...] = (
    ("retention", purge_retention, 600),
    ("experiment-rollups", roll_up_experiments, 60),
    ("guardrails", enforce_guardrails, 60),
)


def run_job(name: str, job: Callable[[Runtime], Any], runtime: Runtime) -> Any:
    """Run one job, counting its outcome; a failing job is logged and retried next time."""
    try:
        result = job(runtime)
    except Exception:
        metrics.JOB_RUNS.labels(name, "failed").inc()
        log.exception("job %s failed", name)
        return None
    metrics.JOB_RUNS.labels(name, "ok").inc()
    log.info("job %s done: %s", name, result)
    return result
