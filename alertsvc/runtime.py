"""What one app instance holds: settings, the engine, the clock. Stored on `app.extensions`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from alertsvc.clock import Clock
from alertsvc.config import Settings
from alertsvc.services.ratelimit import CheckLimiter


@dataclass(frozen=True, slots=True)
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    check_limiter: CheckLimiter | None
