"""Settings: one frozen value built from the environment (the only reader of os.environ)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEV_ENVIRONMENTS = frozenset({"development", "test"})


class SettingsError(RuntimeError):
    """A configuration value is missing or malformed; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Per SPEC §5: failures per client address and per account, checks per device."""

    enabled: bool = True
    failures_per_minute: int = 10
    checks_per_minute: int = 120


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    secret_key: str
    environment: str = "development"
    retention_days: int = 90
    rate_limits: RateLimits = field(default_factory=RateLimits)
    # Shared store for the per-device check limit ("memory://" is per process; a redis:// URL
    # makes the limit hold across processes and hosts).
    rate_limit_storage_url: str = "memory://"
    session_cookie_secure: bool = False
    csrf_enabled: bool = True
    proxy_count: int = 0
    db_pool_size: int = 5
    db_timeout_seconds: int = 3
    guardrail_max_nudges_per_teen_day: float = 6.0
    guardrail_max_report_wrong_rate: float = 0.2
    guardrail_min_acks: int = 20
    # Tests only: cheap argon2 parameters so a suite that signs up hundreds of parents is fast.
    fast_password_hashing: bool = False

    @property
    def is_development(self) -> bool:
        return self.environment in DEV_ENVIRONMENTS

    @property
    def session_cookie_name(self) -> str:
        # The __Host- prefix requires Secure, so only production cookies carry it.
        return "__Host-alertsvc" if self.session_cookie_secure else "alertsvc_session"

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, instance_path: Path | None = None
    ) -> Settings:
        env = os.environ if env is None else env
        environment = env.get("ALERTSVC_ENV", "production")
        instance = instance_path or Path(env.get("ALERTSVC_INSTANCE_PATH", "instance")).resolve()
        database_url = env.get("ALERTSVC_DATABASE_URL") or f"sqlite:///{instance / 'alertsvc.db'}"
        secret_key = env.get("ALERTSVC_SECRET_KEY", "")
        if not secret_key:
            if environment not in DEV_ENVIRONMENTS:
                raise SettingsError(
                    "ALERTSVC_SECRET_KEY is required outside development "
                    "(set ALERTSVC_ENV=development for a local run)"
                )
            secret_key = _development_secret(instance)
        limits_raw = env.get("ALERTSVC_RATE_LIMITS", "on").strip().lower()
        rate_limits = RateLimits(
            enabled=limits_raw not in {"off", "0", "false", "no"},
            failures_per_minute=_int(env, "ALERTSVC_RATE_LIMIT_FAILURES_PER_MINUTE", 10),
            checks_per_minute=_int(env, "ALERTSVC_RATE_LIMIT_CHECKS_PER_MINUTE", 120),
        )
        return cls(
            database_url=database_url,
            secret_key=secret_key,
            environment=environment,
            retention_days=_int(env, "ALERTSVC_RETENTION_DAYS", 90),
            rate_limits=rate_limits,
            rate_limit_storage_url=env.get("ALERTSVC_RATE_LIMIT_STORAGE_URL", "memory://"),
            session_cookie_secure=_bool(
                env, "ALERTSVC_SECURE_COOKIES", environment not in DEV_ENVIRONMENTS
            ),
            proxy_count=_int(env, "ALERTSVC_PROXY_COUNT", 0),
            db_pool_size=_int(env, "ALERTSVC_DB_POOL_SIZE", 5),
            db_timeout_seconds=_int(env, "ALERTSVC_DB_TIMEOUT_SECONDS", 3),
        )


def _development_secret(instance: Path) -> str:
    """A per-checkout secret for local runs, kept in the instance folder so restarts keep
    sessions; never used in production, where ALERTSVC_SECRET_KEY is required."""
    path = instance / "dev-secret-key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    path.write_text(key)
    return key
