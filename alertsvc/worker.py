"""`alertsvc worker`: APScheduler in its own process, active only while it holds the lock."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler

from alertsvc import jobs
from alertsvc.clock import utc_now
from alertsvc.config import Settings
from alertsvc.db.session import make_engine, make_session_factory
from alertsvc.leader import LeaderLock, leader_lock
from alertsvc.logs import configure_logging
from alertsvc.runtime import Runtime

log = logging.getLogger("alertsvc.worker")

STANDBY_RETRY_SECONDS = 5.0
RENEW_SECONDS = 5.0


def build_scheduler(runtime: Runtime) -> BackgroundScheduler:
    """Every job with a fixed id, coalesced, never overlapping itself, bounded misfire.

    Each job also runs once right away: a worker that just took over (or a deploy that
    restarted it) must not leave retention or guardrails waiting a whole interval."""
    scheduler = BackgroundScheduler(timezone="UTC")
    now = runtime.clock()
    for job_id, function, seconds in jobs.SCHEDULE:
        scheduler.add_job(
            jobs.run_job,
            "interval",
            seconds=seconds,
            id=job_id,
            args=[job_id, function, runtime],
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(10, seconds // 2),
            next_run_time=now,
            replace_existing=True,
        )
    return scheduler


def lead(runtime: Runtime, lock: LeaderLock, stop: threading.Event) -> None:
    """Run the jobs until we lose the lock or are told to stop."""
    scheduler = build_scheduler(runtime)
    scheduler.start()
    log.info("worker is active")
    try:
        while not stop.wait(RENEW_SECONDS):
            if not lock.held():
                log.error("worker lost its lock; going back to standby")
                break
    finally:
        scheduler.shutdown(wait=True)
        lock.release()


def run_worker(settings: Settings, stop: threading.Event | None = None) -> None:
    configure_logging()
    stop = stop or threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("worker stopping on signal %s", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    engine = make_engine(settings)
    runtime = Runtime(settings, engine, make_session_factory(engine), utc_now, None)
    lock = leader_lock(engine, utc_now)
    announced = False
    while not stop.is_set():
        if lock.acquire():
            announced = False
            lead(runtime, lock, stop)
        else:
            if not announced:
                log.info("another worker is active; waiting as a standby")
                announced = True
            stop.wait(STANDBY_RETRY_SECONDS)
    engine.dispose()
