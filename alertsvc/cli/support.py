"""What the `alertsvc` commands share: settings, opening the database, help texts, the
admin's password and the demo's remembered tokens. Every failure is a `Failure`: one line
naming the cause and the fix, and an `ExitCode`."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from alertsvc import server
from alertsvc.config import (
    DEFAULT_INSTANCE_PATH,
    DEV_ENVIRONMENTS,
    MIN_SECRET_KEY_LENGTH,
    Settings,
    SettingsError,
    normalize_database_url,
)

if TYPE_CHECKING:
    from alertsvc.services.demo import DemoTokens

ADMIN_PASSWORD_ENV = "ALERTSVC_ADMIN_PASSWORD"  # noqa: S105 - a variable's name
PASSWORD_LENGTHS = (10, 1024)  # as for a parent signing up
DEMO_TOKENS_FILE = "demo-tokens.json"


class ExitCode(IntEnum):
    """What `alertsvc` exits with (README, "The alertsvc command")."""

    OK = 0
    # The command could not do its work: the database is unreachable or not migrated, the
    # address is taken, the account exists, or something unexpected failed.
    FAILED = 1
    # The command line or the environment is wrong: an unknown option or a bad value, a bad
    # database URL, a short secret key, a missing SQLite folder, no way to get a password.
    USAGE = 2
    INTERRUPTED = 130


class Failure(click.ClickException):
    """One line naming the cause and the fix, and the exit code."""

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.FAILED) -> None:
        super().__init__(message)
        self.code = int(exit_code)


def say(line: str) -> None:
    click.echo(line)


def complain(line: str) -> None:
    click.echo(f"alertsvc: {' '.join(line.split())}", err=True)


# --- what every command needs -----------------------------------------------------------


def settings_from_env() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise Failure(str(exc), ExitCode.USAGE) from exc


def _sqlite_file(settings: Settings) -> Path | None:
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve()


def database_label(settings: Settings) -> str:
    """Which database, for people: SQLite's resolved file, or the URL without its password."""
    path = _sqlite_file(settings)
    if path is not None:
        return f"SQLite file {path}"
    url = make_url(normalize_database_url(settings.database_url))
    return "PostgreSQL " + url.render_as_string(hide_password=True)


def _prepare_sqlite_folder(settings: Settings) -> None:
    """The instance folder is ours to create; any other missing folder is a mistake (a typo in
    ALERTSVC_DATABASE_URL would otherwise start a new, empty database)."""
    path = _sqlite_file(settings)
    if path is None or path.parent.is_dir():
        return
    if settings.instance_path is not None and path.parent == settings.instance_path.resolve():
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    raise Failure(
        f"the folder of the SQLite database {path} does not exist; create it "
        f"(mkdir -p {path.parent}) or correct ALERTSVC_DATABASE_URL",
        ExitCode.USAGE,
    )


def _reason(exc: DBAPIError) -> str:
    """The driver's reason, without libpq's preamble ("connection to server at ... failed:")."""
    text = first_line(exc.orig if exc.orig is not None else exc).rsplit(" failed: ", 1)[-1]
    return text.removeprefix("FATAL:").strip()


def _unreachable(settings: Settings, exc: DBAPIError) -> Failure:
    reason = _reason(exc)
    if _sqlite_file(settings) is not None:
        fix = "check that it is a SQLite database this user can write, or correct the URL"
    elif "does not exist" in reason:
        fix = "create it (createdb) or correct ALERTSVC_DATABASE_URL"
    else:
        fix = (
            "check that PostgreSQL runs there and that ALERTSVC_DATABASE_URL names the right "
            "host, port, user, password and database"
        )
    return Failure(f"cannot use the database {database_label(settings)}: {reason}; {fix}")


def open_database(settings: Settings, *, schema: Literal["any", "exists", "head"]) -> Engine:
    """An engine on a reachable database whose schema is as `schema` asks: "any", "exists"
    (tables created; a schema behind or ahead only warns) or "head"."""
    from alertsvc.db.migrations import current_revision, head_revision
    from alertsvc.db.session import make_engine

    _prepare_sqlite_folder(settings)
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
    except DBAPIError as exc:
        engine.dispose()
        raise _unreachable(settings, exc) from exc
    head = head_revision()
    if schema == "any" or revision == head:
        return engine
    upgrade = "run `alertsvc db upgrade` first"
    if revision is None:
        engine.dispose()
        raise Failure(f"the database {database_label(settings)} has no tables yet; {upgrade}")
    message = f"the database is at schema revision {revision}, this alertsvc expects {head}"
    if schema == "head":
        engine.dispose()
        raise Failure(f"{message}; {upgrade} (or run the alertsvc that matches it)")
    complain(f"warning: {message}; /readyz answers 503 until `alertsvc db upgrade` has run")
    return engine


def now() -> datetime:
    from alertsvc.clock import utc_now

    return utc_now()


def session_on(engine: Engine) -> Session:
    from alertsvc.db.session import make_session_factory

    return make_session_factory(engine)()


# --- help -----------------------------------------------------------------------------------


def _environment_help(*names: str) -> str:
    """The environment a command reads, with the defaults the code uses."""
    defaults = Settings.from_env({"ALERTSVC_SECRET_KEY": "x" * MIN_SECRET_KEY_LENGTH})
    limits = defaults.rate_limits
    described = {
        "ALERTSVC_ENV": "production (make sets development)",
        "ALERTSVC_INSTANCE_PATH": str(DEFAULT_INSTANCE_PATH),
        "ALERTSVC_DATABASE_URL": f"sqlite:///{DEFAULT_INSTANCE_PATH / 'alertsvc.db'}",
        "ALERTSVC_SECRET_KEY": f"none; {MIN_SECRET_KEY_LENGTH}+ characters outside development",
        "ALERTSVC_DB_TIMEOUT_SECONDS": str(defaults.db_timeout_seconds),
        "ALERTSVC_DB_POOL_SIZE": str(defaults.db_pool_size),
        "ALERTSVC_RETENTION_DAYS": str(defaults.retention_days),
        "ALERTSVC_RATE_LIMITS": "on" if limits.enabled else "off",
        "ALERTSVC_RATE_LIMIT_FAILURES_PER_MINUTE": str(limits.failures_per_minute),
        "ALERTSVC_RATE_LIMIT_CHECKS_PER_MINUTE": str(limits.checks_per_minute),
        "ALERTSVC_RATE_LIMIT_STORAGE_URL": defaults.rate_limit_storage_url,
        "ALERTSVC_SECURE_COOKIES": "on outside development",
        "ALERTSVC_PROXY_COUNT": str(defaults.proxy_count),
        ADMIN_PASSWORD_ENV: "none: ask at a hidden prompt",
    }
    width = max(len(name) for name in names)
    lines = [f"  {name.ljust(width)}  {described[name]}" for name in names]
    return "\b\nEnvironment (name, default):\n" + "\n".join(lines)


_DATABASE_ENV = (
    "ALERTSVC_ENV",
    "ALERTSVC_INSTANCE_PATH",
    "ALERTSVC_DATABASE_URL",
    "ALERTSVC_SECRET_KEY",
    "ALERTSVC_DB_TIMEOUT_SECONDS",
)
EXIT_CODES = (
    "\b\nExit codes:\n"
    "  0    done\n"
    "  1    could not do it: database unreachable or not migrated, address in use,\n"
    "       account exists, or an unexpected error\n"
    "  2    wrong command line or environment\n"
    "  130  interrupted"
)


def epilog(*names: str) -> str:
    return _environment_help(*_DATABASE_ENV, *names) + "\n\n" + EXIT_CODES


def _address(_ctx: click.Context, _param: click.Parameter, value: str) -> server.Address:
    try:
        return server.parse_address(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


BIND = click.option(
    "--bind",
    metavar="HOST:PORT",
    callback=_address,
    default="127.0.0.1:8000",
    envvar="ALERTSVC_BIND",
    show_envvar=True,
    show_default=True,
    help="Where the server listens.",
)

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def valid_email(text: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise Failure(
            f"{text!r} is not an email address ({exc}); give the admin's email, e.g. "
            "alertsvc create-admin ann@example.com",
            ExitCode.USAGE,
        ) from exc


def _password_problem(password: str) -> str | None:
    shortest, longest = PASSWORD_LENGTHS
    if len(password) < shortest:
        return f"the password needs at least {shortest} characters"
    if len(password) > longest:
        return f"the password may have at most {longest} characters"
    return None


def _checked_prompt_value(value: str) -> str:
    problem = _password_problem(value)
    if problem:
        raise click.UsageError(problem)
    return value


def admin_password(email: str) -> str:
    """From ALERTSVC_ADMIN_PASSWORD, else a hidden prompt with confirmation."""
    from alertsvc.config import admin_password_from_env

    password = admin_password_from_env()
    if password is not None:
        problem = _password_problem(password)
        if problem:
            raise Failure(f"{ADMIN_PASSWORD_ENV}: {problem}; set another", ExitCode.USAGE)
        return password
    if not sys.stdin.isatty():
        raise Failure(
            "no terminal to ask for the password; run create-admin in a terminal, or set "
            f"{ADMIN_PASSWORD_ENV}",
            ExitCode.USAGE,
        )
    value: str = click.prompt(
        f"Password for {email}",
        hide_input=True,
        confirmation_prompt=True,
        value_proc=_checked_prompt_value,
    )
    return value


def _remembered_tokens(settings: Settings) -> DemoTokens | None:
    from alertsvc.services.demo import DemoTokens

    if settings.instance_path is None:
        return None
    try:
        saved = json.loads((settings.instance_path / DEMO_TOKENS_FILE).read_text())
        return DemoTokens(str(saved["parent_token"]), str(saved["device_token"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none yet, or unreadable: new tokens are issued, nothing is revoked


def _remember_tokens(settings: Settings, tokens: DemoTokens) -> None:
    if settings.instance_path is None:
        return
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    path = settings.instance_path / DEMO_TOKENS_FILE
    path.touch(mode=0o600)
    path.write_text(
        json.dumps({"parent_token": tokens.parent_token, "device_token": tokens.device_token})
    )


def show_demo(settings: Settings, engine: Engine, bind: server.Address) -> None:
    from alertsvc.services.demo import ensure_demo

    with session_on(engine) as session:
        demo = ensure_demo(session, now(), _remembered_tokens(settings))
        session.commit()
    _remember_tokens(settings, demo.tokens)
    say(demo.instructions(bind.url()))
    command = _command_path()
    if (
        settings.environment in DEV_ENVIRONMENTS
    ):  # as under make; outside it a secret key would be required
        command = f"ALERTSVC_ENV={settings.environment} {command}"
    say(f"\nThe alertsvc command: `{command} --help` lists what it does.")


def _command_path() -> str:
    """This command as a person would type it: relative to the current folder if inside."""
    script = Path(sys.executable).with_name("alertsvc")
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
