"""Settings: one frozen value built from the environment (the only reader of os.environ)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEV_ENVIRONMENTS = frozenset({"development", "test"})
# The default instance folder (SQLite database, development secret, demo tokens): `instance/`
# of the checkout alertsvc runs from, whatever the current directory is. alertsvc runs from its
# checkout (templates, static files and migrations live there), so this is one stable place.
DEFAULT_INSTANCE_PATH = Path(__file__).resolve().parent.parent / "instance"
MIN_SECRET_KEY_LENGTH = 32
# The drivers alertsvc ships with: the standard library's sqlite3 and psycopg 3.
SUPPORTED_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite", "postgresql+psycopg"})
_URL_EXAMPLES = (
    "sqlite:////absolute/path/alertsvc.db or postgresql://user:password@host:5432/dbname"
)


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
    # Where per-device check counts live. `from_env` defaults to a SQLite file in the instance
    # folder, shared by every process on the host; a redis:// URL shares them across hosts;
    # "memory://" (the default for Settings built in code, as tests do) counts per process.
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
    # The instance folder (ours to create): the default database, the development secret and
    # the demo's tokens live there. None when settings are built directly (tests).
    instance_path: Path | None = None

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
        instance = (
            instance_path
            or Path(env.get("ALERTSVC_INSTANCE_PATH") or DEFAULT_INSTANCE_PATH).resolve()
        )
        configured_url = env.get("ALERTSVC_DATABASE_URL")
        database_url = (
            _checked_database_url(configured_url)
            if configured_url
            else f"sqlite:///{instance / 'alertsvc.db'}"
        )
        secret_key = _secret_key(env, environment, instance)
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
            rate_limit_storage_url=(
                env.get("ALERTSVC_RATE_LIMIT_STORAGE_URL")
                or f"sqlite:///{instance / 'rate-limits.sqlite3'}"
            ),
            session_cookie_secure=_bool(
                env, "ALERTSVC_SECURE_COOKIES", environment not in DEV_ENVIRONMENTS
            ),
            proxy_count=_int(env, "ALERTSVC_PROXY_COUNT", 0),
            db_pool_size=_int(env, "ALERTSVC_DB_POOL_SIZE", 5),
            db_timeout_seconds=_int(env, "ALERTSVC_DB_TIMEOUT_SECONDS", 3),
            instance_path=instance,
        )


def normalize_database_url(url: str) -> str:
    """The one place database URLs are normalised: `postgres://` (Heroku style) and
    `postgresql://` mean PostgreSQL through psycopg 3, the driver alertsvc ships with."""
    scheme, separator, rest = url.partition("://")
    if separator and scheme in {"postgres", "postgresql"}:
        return f"postgresql+psycopg://{rest}"
    return url


def _redacted(url: str) -> str:
    """A URL fit for a message: any password between `:` and `@` replaced."""
    scheme, separator, rest = url.partition("://")
    credentials, at, location = rest.rpartition("@")
    if separator and at and ":" in credentials:
        credentials = credentials.split(":", 1)[0] + ":***"
    return f"{scheme}{separator}{credentials}{at}{location}" if separator else url


def _checked_database_url(raw: str) -> str:
    url = normalize_database_url(raw.strip())
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise SettingsError(
            f"ALERTSVC_DATABASE_URL is not a database URL ({_redacted(raw)!r}); "
            f"set it to {_URL_EXAMPLES}"
        ) from exc
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise SettingsError(
            f"ALERTSVC_DATABASE_URL names {parsed.drivername!r}, which alertsvc does not "
            f"support; set it to {_URL_EXAMPLES}"
        )
    if parsed.get_backend_name() == "sqlite" and parsed.database in {None, "", ":memory:"}:
        raise SettingsError(
            "ALERTSVC_DATABASE_URL names an in-memory SQLite database, which every connection "
            "sees empty; name a file, e.g. sqlite:////absolute/path/alertsvc.db"
        )
    return url


def _secret_key(env: Mapping[str, str], environment: str, instance: Path) -> str:
    secret_key = env.get("ALERTSVC_SECRET_KEY", "")
    if environment in DEV_ENVIRONMENTS:
        return secret_key or _development_secret(instance)
    if not secret_key:
        raise SettingsError(
            "ALERTSVC_SECRET_KEY is required outside development; set it to a random string "
            f"of at least {MIN_SECRET_KEY_LENGTH} characters (or ALERTSVC_ENV=development "
            "for a local run)"
        )
    if len(secret_key) < MIN_SECRET_KEY_LENGTH:
        raise SettingsError(
            f"ALERTSVC_SECRET_KEY has {len(secret_key)} characters, fewer than the "
            f"{MIN_SECRET_KEY_LENGTH} required outside development; set a longer random one, "
            "e.g. from: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return secret_key


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


def admin_password_from_env(env: Mapping[str, str] | None = None) -> str | None:
    """`ALERTSVC_ADMIN_PASSWORD`: the password `alertsvc create-admin` uses instead of asking."""
    env = os.environ if env is None else env
    return env.get("ALERTSVC_ADMIN_PASSWORD") or None
