"""Operator switches (the kill switch), read on every check through a short per-process cache."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from alertsvc.db.models import ServiceFlag
from alertsvc.db.session import Executor, pool_of
from alertsvc.services import audit

KILL_SWITCH = "kill_switch"

T = TypeVar("T")


class EngineCache(Generic[T]):
    """One value per database (engine), reloaded when older than `max_age` seconds.

    Keyed by the engine's connection pool, which the engine's variants (the check's reader)
    share, so that two apps in one process (tests, or two databases) never share an answer
    while a change made through a session also reaches the reader. Ages use the monotonic
    clock: they measure staleness, not the time of day."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: weakref.WeakKeyDictionary[Pool, tuple[float, T]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, executor: Executor, max_age: float, load: Callable[[], T]) -> T:
        pool = pool_of(executor)
        if max_age > 0:
            with self._lock:
                entry = self._entries.get(pool)
            if entry is not None and 0 <= time.monotonic() - entry[0] < max_age:
                return entry[1]
        loaded_at = time.monotonic()
        value = load()
        with self._lock:
            self._entries[pool] = (loaded_at, value)
        return value

    def invalidate(self, executor: Executor) -> None:
        with self._lock:
            self._entries.pop(pool_of(executor), None)


@dataclass(frozen=True, slots=True)
class KillSwitch:
    enabled: bool
    reason: str
    updated_at: datetime | None
    updated_by: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "enabled": self.enabled,
            "reason": self.reason,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "updated_by": self.updated_by,
        }


OFF = KillSwitch(False, "", None, None)
_kill_switch_cache: EngineCache[bool] = EngineCache()


def get_kill_switch(session: Session) -> KillSwitch:
    """The switch as stored (never cached): off until an operator first sets it."""
    row = session.get(ServiceFlag, KILL_SWITCH)
    if row is None:
        return OFF
    return KillSwitch(row.enabled, row.reason, row.updated_at, row.updated_by)


def kill_switch_enabled(executor: Executor, max_age: float = 1.0) -> bool:
    """Whether every check must answer `disabled`: one primary-key read at most every
    `max_age` seconds per process (Settings.kill_switch_cache_seconds)."""

    def load() -> bool:
        enabled = executor.scalar(select(ServiceFlag.enabled).where(ServiceFlag.key == KILL_SWITCH))
        return bool(enabled)

    return _kill_switch_cache.get(executor, max_age, load)


def set_kill_switch(
    session: Session, enabled: bool, reason: str, actor: str, now: datetime
) -> KillSwitch:
    """Turn the switch on or off, with an audit entry; this process sees it at once."""
    before = get_kill_switch(session)
    row = session.get(ServiceFlag, KILL_SWITCH)
    if row is None:
        row = ServiceFlag(key=KILL_SWITCH)
        session.add(row)
    row.enabled = enabled
    row.reason = reason
    row.updated_at = now
    row.updated_by = actor
    session.flush()
    after = KillSwitch(enabled, reason, now, actor)
    audit.record(
        session,
        actor,
        "kill_switch.enable" if enabled else "kill_switch.disable",
        KILL_SWITCH,
        {"enabled": before.enabled, "reason": before.reason},
        {"enabled": enabled, "reason": reason},
        now,
    )
    _kill_switch_cache.invalidate(session)
    return after
