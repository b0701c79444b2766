"""One active worker at a time, however many are started.

PostgreSQL: a session-level advisory lock held on a dedicated connection; it vanishes with
the connection, so a killed worker's lock is free at once. SQLite: a lease row renewed by
the holder; a standby takes over once the lease has run out.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection, Engine, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from alertsvc.clock import Clock
from alertsvc.db.models import WorkerLease

log = logging.getLogger("alertsvc.worker")

ADVISORY_LOCK_KEY = 0x616C657274737663  # "alertsvc" as a 64-bit integer
LEASE_NAME = "worker"
LEASE_TTL = timedelta(seconds=20)


class LeaderLock(Protocol):
    def acquire(self) -> bool: ...

    def held(self) -> bool: ...

    def release(self) -> None: ...


class AdvisoryLock:
    """`pg_try_advisory_lock` on a connection kept open for as long as we lead."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def acquire(self) -> bool:
        try:
            connection = self._engine.connect()
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            ).scalar()
            connection.commit()
        except SQLAlchemyError as exc:
            log.warning("leader lock: database unreachable (%s)", type(exc).__name__)
            return False
        if got:
            self._connection = connection
            return True
        connection.close()
        return False

    def held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
        except SQLAlchemyError:
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                self._connection.commit()
            except SQLAlchemyError:
                pass
            self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()
                self._connection.close()
            except SQLAlchemyError:
                pass
            self._connection = None


class LeaseLock:
    """A renewable lease row for SQLite, where there are no advisory locks."""

    def __init__(self, engine: Engine, clock: Clock, ttl: timedelta = LEASE_TTL) -> None:
        self._engine = engine
        self._clock = clock
        self._ttl = ttl
        self.holder = f"{uuid.uuid4()}"

    def _claim(self, now: datetime) -> bool:
        expires = now + self._ttl
        with self._engine.begin() as connection:
            connection.execute(
                sqlite_insert(WorkerLease)
                .values(name=LEASE_NAME, holder=self.holder, expires_at=now - self._ttl)
                .on_conflict_do_nothing(index_elements=[WorkerLease.name])
            )
            result = connection.execute(
                update(WorkerLease)
                .where(
                    WorkerLease.name == LEASE_NAME,
                    (WorkerLease.holder == self.holder) | (WorkerLease.expires_at < now),
                )
                .values(holder=self.holder, expires_at=expires)
            )
            return getattr(result, "rowcount", 0) == 1

    def acquire(self) -> bool:
        try:
            return self._claim(self._clock())
        except SQLAlchemyError as exc:
            log.warning("leader lease: database busy or unreachable (%s)", type(exc).__name__)
            return False

    def held(self) -> bool:
        return self.acquire()

    def release(self) -> None:
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    update(WorkerLease)
                    .where(WorkerLease.name == LEASE_NAME, WorkerLease.holder == self.holder)
                    .values(expires_at=self._clock() - self._ttl)
                )
        except SQLAlchemyError:
            pass


def leader_lock(engine: Engine, clock: Clock) -> LeaderLock:
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    return LeaseLock(engine, clock)
