"""The `alertsvc` command: serve, worker, db upgrade, create-admin, demo.

Every failure is one line on stderr that names the cause and the fix, with an exit code from
`ExitCode`; never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from alertsvc import server
from alertsvc.config import (
    DEFAULT_INSTANCE_PATH,
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


def _say(line: str) -> None:
    click.echo(line)


def _complain(line: str) -> None:
    click.echo(f"alertsvc: {' '.join(line.split())}", err=True)


# --- what every command needs -----------------------------------------------------------


def _settings() -> Settings:
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
    text = _first_line(exc.orig if exc.orig is not None else exc).rsplit(" failed: ", 1)[-1]
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


def _open_database(settings: Settings, *, schema: Literal["any", "exists", "head"]) -> Engine:
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
    _complain(f"warning: {message}; /readyz answers 503 until `alertsvc db upgrade` has run")
    return engine


def _now() -> datetime:
    from alertsvc.clock import utc_now

    return utc_now()


def _session(engine: Engine) -> Session:
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
_EXIT_CODES = (
    "\b\nExit codes:\n"
    "  0    done\n"
    "  1    could not do it: database unreachable or not migrated, address in use,\n"
    "       account exists, or an unexpected error\n"
    "  2    wrong command line or environment\n"
    "  130  interrupted"
)


def _epilog(*names: str) -> str:
    return _environment_help(*_DATABASE_ENV, *names) + "\n\n" + _EXIT_CODES


def _address(_ctx: click.Context, _param: click.Parameter, value: str) -> server.Address:
    try:
        return server.parse_address(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


_BIND = click.option(
    "--bind",
    metavar="HOST:PORT",
    callback=_address,
    default="127.0.0.1:8000",
    envvar="ALERTSVC_BIND",
    show_envvar=True,
    show_default=True,
    help="Where the server listens.",
)

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=_CONTEXT, epilog=_EXIT_CODES)
def cli() -> None:
    """alertsvc: gentle, explainable school-hours reminders for teens' apps.

    Every command reads its configuration from the environment (see each command's --help).
    """


# --- serve ----------------------------------------------------------------------------------


@cli.command(
    epilog=_epilog(
        "ALERTSVC_DB_POOL_SIZE",
        "ALERTSVC_RATE_LIMITS",
        "ALERTSVC_RATE_LIMIT_FAILURES_PER_MINUTE",
        "ALERTSVC_RATE_LIMIT_CHECKS_PER_MINUTE",
        "ALERTSVC_RATE_LIMIT_STORAGE_URL",
        "ALERTSVC_SECURE_COOKIES",
        "ALERTSVC_PROXY_COUNT",
    )
)
@_BIND
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=2,
    envvar="ALERTSVC_WORKERS",
    show_envvar=True,
    show_default=True,
    help="Server processes.",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    default=4,
    envvar="ALERTSVC_THREADS",
    show_envvar=True,
    show_default=True,
    help="Threads per process.",
)
@click.option(
    "--demo",
    is_flag=True,
    help="For development (make run): once the address is known to be free, apply the "
    "migrations, create the demo family (or keep the existing one) and print what to try.",
)
def serve(bind: server.Address, workers: int, threads: int, demo: bool) -> None:
    """Run the HTTP server (gunicorn) until Ctrl-C or SIGTERM.

    It checks first that the address is free and the database reachable, then prints the
    database it uses and the URL it listens on.
    """
    settings = _settings()
    try:
        server.check_address(bind)
    except server.AddressError as exc:
        raise Failure(
            f"{exc}; stop what listens there (another alertsvc serve or make run?) or choose "
            "another address with --bind or ALERTSVC_BIND"
        ) from exc
    _say(f"alertsvc: database: {database_label(settings)}")
    engine = _open_database(settings, schema="any" if demo else "exists")
    try:
        if demo:
            from alertsvc.db.migrations import upgrade as migrate

            migrate(settings.database_url)
            _show_demo(settings, engine, bind)
    finally:
        engine.dispose()  # the workers open their own, after the fork

    def ready(port: int) -> None:
        url = bind.url(port)
        _say(f"alertsvc: listening on {url} (pages: {url}/login); stop it with Ctrl-C")

    server.serve(settings, bind=str(bind), workers=workers, threads=threads, on_ready=ready)


# --- worker ---------------------------------------------------------------------------------


@cli.command(epilog=_epilog("ALERTSVC_DB_POOL_SIZE", "ALERTSVC_RETENTION_DAYS"))
def worker() -> None:
    """Run the background jobs (retention, experiment roll-ups, guardrails) until Ctrl-C or
    SIGTERM.

    Start one or more: only one is active at a time, the others wait as standbys.
    """
    from alertsvc.worker import run_worker

    settings = _settings()
    _say(f"alertsvc: database: {database_label(settings)}")
    _open_database(settings, schema="head").dispose()
    run_worker(settings)


# --- db upgrade -----------------------------------------------------------------------------


@cli.group(context_settings=_CONTEXT)
def db() -> None:
    """Database commands."""


@db.command(epilog=_epilog())
def upgrade() -> None:
    """Apply the database migrations (Alembic) up to the latest schema; safe to run again.

    Run it once per deploy, before the new app processes start.
    """
    from alertsvc.db.migrations import head_revision
    from alertsvc.db.migrations import upgrade as migrate

    settings = _settings()
    _open_database(settings, schema="any").dispose()
    migrate(settings.database_url)
    label = database_label(settings)
    _say(f"alertsvc: database {label} is at the latest schema ({head_revision()})")


# --- create-admin ---------------------------------------------------------------------------


def _valid_email(text: str) -> str:
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


def _admin_password(email: str) -> str:
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


@cli.command("create-admin", epilog=_epilog(ADMIN_PASSWORD_ENV))
@click.argument("email")
@click.option(
    "--reset-password",
    is_flag=True,
    help="If EMAIL already has an account: set its password (ending its sessions and tokens) "
    "and make it an admin.",
)
def create_admin(email: str, reset_password: bool) -> None:
    """Create an admin account for EMAIL (the password from a hidden prompt, or from
    ALERTSVC_ADMIN_PASSWORD).

    An existing account is never changed without --reset-password.
    """
    from alertsvc.services import accounts

    address = _valid_email(email)
    settings = _settings()
    engine = _open_database(settings, schema="head")
    try:
        with _session(engine) as session:
            existing = accounts.account_for_email(session, address)
            if existing is not None and not reset_password:
                role = "an admin" if existing.is_admin else "a parent"
                raise Failure(
                    f"{existing.email} already has an account ({role}); nothing was changed. "
                    "Add --reset-password to set its password and make it an admin"
                )
            password = _admin_password(address)
            identity = accounts.make_admin(
                session, address, password, _now(), reset_password=reset_password
            )
            session.commit()
    finally:
        engine.dispose()
    done = "its password was reset and it is an admin" if existing else "it is ready"
    _say(f"alertsvc: admin {identity.email}: {done}")


# --- demo -----------------------------------------------------------------------------------


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


def _show_demo(settings: Settings, engine: Engine, bind: server.Address) -> None:
    from alertsvc.services.demo import ensure_demo

    with _session(engine) as session:
        demo = ensure_demo(session, _now(), _remembered_tokens(settings))
        session.commit()
    _remember_tokens(settings, demo.tokens)
    _say(demo.instructions(bind.url()))
    command = _command_path()
    if settings.is_development:  # as under make; outside it a secret key would be required
        command = f"ALERTSVC_ENV={settings.environment} {command}"
    _say(f"\nThe alertsvc command: `{command} --help` lists what it does.")


def _command_path() -> str:
    """This command as a person would type it: relative to the current folder if inside."""
    script = Path(sys.executable).with_name("alertsvc")
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


@cli.command(epilog=_epilog())
@_BIND
def demo(bind: server.Address) -> None:
    """Create a demo family (a parent, a teen whose school is in session now, a paired
    device), or keep the one from an earlier run, and print its logins, tokens and what to try.

    Tokens that still work are printed again (they are remembered in the instance folder;
    the database keeps only their digests); nothing is ever revoked.
    """
    settings = _settings()
    engine = _open_database(settings, schema="head")
    try:
        _show_demo(settings, engine, bind)
    finally:
        engine.dispose()


# --- the entry point ------------------------------------------------------------------------


def _failed(message: str, code: ExitCode | int) -> int:
    _complain(message)
    return int(code)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """The `alertsvc` console script: an exit code, and one line on stderr for a failure."""
    try:
        result = cli.main(args=argv, prog_name="alertsvc", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:  # `alertsvc` alone: the help
        click.echo(exc.format_message())
        return ExitCode.USAGE
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "alertsvc"
        message = exc.format_message().rstrip(".")
        return _failed(f"{message}; see `{where} --help`", ExitCode.USAGE)
    except Failure as exc:
        return _failed(exc.message, exc.code)
    except click.ClickException as exc:
        return _failed(exc.format_message(), exc.exit_code)
    except click.Abort:
        return _failed("interrupted", ExitCode.INTERRUPTED)
    except SQLAlchemyError as exc:  # the database went away in the middle of a command
        return _failed(
            f"the database failed: {_first_line(exc)}; check that it is reachable and try again",
            ExitCode.FAILED,
        )
    except Exception as exc:  # never a traceback, even for a bug
        return _failed(
            f"unexpected {type(exc).__name__}: {_first_line(exc)}; this is a bug in alertsvc, "
            "please report it with the command you ran",
            ExitCode.FAILED,
        )
    return result if isinstance(result, int) else ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
