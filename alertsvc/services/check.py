"""The check every poll gets (SPEC §4–5), as one use case: from the device's token, its body
and the instant to the answer.

Reads run on the request's reader connection (outside any transaction): a check that writes
nothing costs one round trip, with no BEGIN or COMMIT. The state is compare-and-set, so
reading it outside the writing transaction is safe: a new nudge is claimed in the writer
session only if the state is still the version that was read, and the check commits that
session itself, as the one unit of work it owns.

Operator changes hold at once: the subject query reads the kill switch and the experiments'
definitions version, so no process answers from a copy older than the check's own query.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from alertsvc import metrics
from alertsvc.db.repositories import nudges as nudge_store
from alertsvc.db.repositories import subject as subjects
from alertsvc.db.repositories.nudges import NudgeRecord
from alertsvc.db.repositories.subject import Subject
from alertsvc.db.teen_state import MAX_ATTEMPTS, StateConflictError, load_state, save_state
from alertsvc.domain.decision import Arm, CheckInput, Decision, decide
from alertsvc.domain.errors import NotAuthenticatedError, RateLimitedError
from alertsvc.domain.schedule import SchoolException
from alertsvc.domain.state import marks_before, with_nudge
from alertsvc.i18n import Language, best_language
from alertsvc.services import experiments
from alertsvc.services.ids import digest, new_id

# last_seen_at is for parents ("is the app still installed?"), not tracking: minute-level
# freshness is plenty, and it keeps most checks free of writes.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


class Limiter(Protocol):
    def retry_after(self, device_id: str, now: datetime) -> int | None:
        """Count a check; seconds to wait if the device used up its limit, else None."""


@dataclass(frozen=True, slots=True)
class CheckUnit:
    """What one check runs on: the request's reader connection, its session (opened on first
    use, for a new nudge) and the per-device limit."""

    reader: Connection
    writer: Callable[[], Session]
    limiter: Limiter


@dataclass(frozen=True, slots=True)
class CheckAnswer:
    """The decision with what the client needs beside it; `nudge_id` names a new or a
    re-delivered nudge."""

    decision: Decision
    nudge_id: str | None
    arm: Arm | None
    schedule_version: int | None
    language: Language
    explanation: str  # the decision's explanation, said in `language`
    title: str | None  # the nudge's copy, in `language`
    body: str | None


def check(
    unit: CheckUnit,
    token: str | None,
    device_offset_minutes: int | None,
    now: datetime,
    languages: Sequence[str] = (),
) -> CheckAnswer:
    """Answer the device holding `token` at `now`, in the first of `languages` (the request's
    Accept-Language, in order of preference) we speak, else the device's stored locale, else
    English (SPEC §10).

    Raises NotAuthenticatedError for a missing, unknown or revoked token, RateLimitedError
    past the device's limit, and StateConflictError (unavailable) when other checks for the
    teen kept winning the compare-and-set."""
    started = time.perf_counter()
    subject = subjects.find_subject(unit.reader, digest(token)) if token else None
    if subject is None:
        raise NotAuthenticatedError()
    wait = unit.limiter.retry_after(subject.device_id, now)
    if wait is not None:
        raise RateLimitedError(wait)
    language = best_language((*languages, subject.locale))
    arm = experiments.arm_for_teen(
        unit.reader,
        subject.teen_id,
        subject.place.country,
        subject.place.timezone,
        now,
        version=subject.experiments_version,
        exposures=subject.exposures,
        language=language.tag,
    )
    answer, new_nudge = _answer(unit, subject, now, device_offset_minutes, arm, language)
    metrics.observe_check(
        answer.decision.reason.value,
        time.perf_counter() - started,
        new_nudge=new_nudge,
        redelivered=answer.nudge_id is not None,
    )
    return answer


def _answer(
    unit: CheckUnit,
    subject: Subject,
    now: datetime,
    device_offset_minutes: int | None,
    arm: Arm | None,
    language: Language,
) -> tuple[CheckAnswer, bool]:
    """Decide; when the answer is a new nudge, claim and record it and commit. The flag says
    whether a new nudge was committed."""
    exceptions: tuple[SchoolException, ...] = ()
    if subject.schedule and subject.has_exceptions:
        exceptions = subjects.load_exceptions(unit.reader, subject.teen_id)
    if subject.last_seen_at is None or now - subject.last_seen_at >= LAST_SEEN_RESOLUTION:
        subjects.mark_seen(unit.reader, subject.device_id, now)
    version = subject.schedule.version if subject.schedule else None
    for _ in range(MAX_ATTEMPTS):
        decision = decide(
            CheckInput(
                now=now,
                device_id=subject.device_id,
                place=subject.place,
                schedule=subject.schedule,
                exceptions=exceptions,
                state=subject.state,
                arm=arm,
                kill_switch=subject.kill_switch,
                device_offset_minutes=device_offset_minutes,
            )
        )
        if decision.nudge is None or decision.redeliver_id is not None:
            return _said(decision, decision.redeliver_id, arm, version, language), False
        nudge_id = new_id("nud")
        claimed = with_nudge(subject.state, nudge_id, now, decision.local_day)
        session = unit.writer()
        if save_state(session, subject.teen_id, claimed, subject.state_version):
            answer = _said(decision, nudge_id, arm, version, language)
            nudge_store.add_nudge(session, _record(subject, answer, now))
            session.commit()
            return answer, True
        # Another process answered for this teen since we read: decide again on its state.
        state, state_version = load_state(session, subject.teen_id)
        subject = replace(subject, state=state, state_version=state_version)
    raise StateConflictError(subject.teen_id)


def _said(
    decision: Decision,
    nudge_id: str | None,
    arm: Arm | None,
    schedule_version: int | None,
    language: Language,
) -> CheckAnswer:
    """The answer with its sentences in the reader's language."""
    copy = decision.nudge
    return CheckAnswer(
        decision,
        nudge_id,
        arm,
        schedule_version,
        language,
        language.say(decision.explanation),
        language.say(copy.title) if copy is not None else None,
        language.say(copy.body) if copy is not None else None,
    )


def _record(subject: Subject, answer: CheckAnswer, now: datetime) -> NudgeRecord:
    """The new nudge as stored, its sentences in the language the teen read them in."""
    decision, arm, nudge_id = answer.decision, answer.arm, answer.nudge_id
    if nudge_id is None or answer.title is None or answer.body is None or decision.window is None:
        raise ValueError("only a nudge decision inside a window is recorded")
    return NudgeRecord(
        id=nudge_id,
        teen_id=subject.teen_id,
        device_id=subject.device_id,
        at=now,
        local_date=decision.local_day,
        day_index=len(marks_before(subject.state, decision.local_day)),
        reason=decision.reason.value,
        explanation=answer.explanation,
        window_start=decision.window.start,
        window_end=decision.window.end,
        title=answer.title,
        body=answer.body,
        experiment_key=arm.experiment_key if arm else None,
        variant_key=arm.variant_key if arm else None,
        schedule_version=answer.schedule_version or 0,
    )
