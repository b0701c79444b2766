"""What one app instance holds: settings, the engine, the clock. Stored on `app.extensions`."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from alertsvc.clock import Clock
from alertsvc.config import Settings
from alertsvc.db.session import read_engine
from alertsvc.services.accounts import STRONG_PASSWORDS, Passwords
from alertsvc.services.ratelimit import CheckLimiter


@dataclass(frozen=True, slots=True)
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    check_limiter: CheckLimiter | None
    # How this app hashes passwords (cheap argon2 parameters only for the test suite).
    passwords: Passwords = STRONG_PASSWORDS
    # The same pool, reading outside transactions: the check reads without BEGIN/COMMIT.
    read_engine: Engine = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "read_engine", read_engine(self.engine))
