"""Tallies: nudges that retention removes are first added to the per-variant tallies of every
experiment they are attributed to, so results never shrink."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from alertsvc.db.repositories import experiment_metrics as metrics
from alertsvc.db.repositories.experiment_metrics import NUDGES, TeenExposure


@dataclass(frozen=True, slots=True)
class RemovedNudge:
    id: str
    teen_id: str
    at: datetime


def _credited(exposure: TeenExposure, nudge: RemovedNudge) -> bool:
    """The results' attribution rule: at or after the teen's exposure, and before the
    experiment stopped."""
    stopped_at = exposure.stopped_at
    return exposure.exposed_at <= nudge.at and (stopped_at is None or nudge.at < stopped_at)


def tally_removed(
    session: Session, nudges: Sequence[RemovedNudge], acks: Sequence[tuple[str, str]]
) -> int:
    """Add nudges that retention is removing, and their acks (nudge id, action), to the tallies
    of every variant they are attributed to, in the purge's transaction; returns the tally
    rows touched."""
    teens = sorted({nudge.teen_id for nudge in nudges})
    if not teens:
        return 0
    exposures: dict[str, list[TeenExposure]] = {}
    for exposure in metrics.load_teen_exposures(session, teens):
        exposures.setdefault(exposure.teen_id, []).append(exposure)
    credited = {
        nudge.id: [
            (e.experiment_key, e.variant_key)
            for e in exposures.get(nudge.teen_id, ())
            if _credited(e, nudge)
        ]
        for nudge in nudges
    }
    counts: Counter[tuple[str, str, str]] = Counter()
    for targets in credited.values():
        counts.update((key, variant, NUDGES) for key, variant in targets)
    for nudge_id, action in acks:
        counts.update((key, variant, action) for key, variant in credited.get(nudge_id, ()))
    if counts:
        metrics.add_tallies(session, counts)
    return len(counts)
