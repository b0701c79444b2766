"""The `alertsvc` command: serve, worker, db upgrade, create-admin, demo.

Every failure is one line on stderr that names the cause and the fix, with an exit code from
`ExitCode`; never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence

import click
from sqlalchemy.exc import SQLAlchemyError

from alertsvc import server
from alertsvc.cli.support import (
    ADMIN_PASSWORD_ENV,
    BIND,
    CONTEXT,
    EXIT_CODES,
    Failure,
    admin_password,
    complain,
    epilog,
    first_line,
    now,
    open_database,
    say,
    session_on,
    settings_from_env,
    show_demo,
    valid_email,
)
from alertsvc.cli.support import ExitCode as ExitCode
from alertsvc.cli.support import database_label as database_label


@click.group(context_settings=CONTEXT, epilog=EXIT_CODES)
def cli() -> None:
    """alertsvc: gentle, explainable school-hours reminders for teens' apps.

    Every command reads its configuration from the environment (see each command's --help).
    """


# --- serve ----------------------------------------------------------------------------------


@cli.command(
    epilog=epilog(
        "ALERTSVC_DB_POOL_SIZE",
        "ALERTSVC_RATE_LIMITS",
        "ALERTSVC_RATE_LIMIT_FAILURES_PER_MINUTE",
        "ALERTSVC_RATE_LIMIT_CHECKS_PER_MINUTE",
        "ALERTSVC_RATE_LIMIT_STORAGE_URL",
        "ALERTSVC_SECURE_COOKIES",
        "ALERTSVC_PROXY_COUNT",
    )
)
@BIND
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
    settings = settings_from_env()
    try:
        server.check_address(bind)
    except server.AddressError as exc:
        raise Failure(
            f"{exc}; stop what listens there (another alertsvc serve or make run?) or choose "
            "another address with --bind or ALERTSVC_BIND"
        ) from exc
    say(f"alertsvc: database: {database_label(settings)}")
    engine = open_database(settings, schema="any" if demo else "exists")
    try:
        if demo:
            from alertsvc.db.migrations import upgrade as migrate

            migrate(settings.database_url)
            show_demo(settings, engine, bind)
    finally:
        engine.dispose()  # the workers open their own, after the fork

    def ready(port: int) -> None:
        url = bind.url(port)
        say(f"alertsvc: listening on {url} (pages: {url}/login); stop it with Ctrl-C")

    server.serve(settings, bind=str(bind), workers=workers, threads=threads, on_ready=ready)


# --- worker ---------------------------------------------------------------------------------


@cli.command(epilog=epilog("ALERTSVC_DB_POOL_SIZE", "ALERTSVC_RETENTION_DAYS"))
def worker() -> None:
    """Run the background jobs (retention, experiment roll-ups, guardrails) until Ctrl-C or
    SIGTERM.

    Start one or more: only one is active at a time, the others wait as standbys.
    """
    from alertsvc.worker import run_worker

    settings = settings_from_env()
    say(f"alertsvc: database: {database_label(settings)}")
    open_database(settings, schema="head").dispose()
    run_worker(settings)


# --- db upgrade -----------------------------------------------------------------------------


@cli.group(context_settings=CONTEXT)
def db() -> None:
    """Database commands."""


@db.command(epilog=epilog())
def upgrade() -> None:
    """Apply the database migrations (Alembic) up to the latest schema; safe to run again.

    Run it once per deploy, before the new app processes start.
    """
    from alertsvc.db.migrations import head_revision
    from alertsvc.db.migrations import upgrade as migrate

    settings = settings_from_env()
    open_database(settings, schema="any").dispose()
    migrate(settings.database_url)
    label = database_label(settings)
    say(f"alertsvc: database {label} is at the latest schema ({head_revision()})")


@cli.command("create-admin", epilog=epilog(ADMIN_PASSWORD_ENV))
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

    address = valid_email(email)
    settings = settings_from_env()
    engine = open_database(settings, schema="head")
    try:
        with session_on(engine) as session:
            existing = accounts.account_for_email(session, address)
            if existing is not None and not reset_password:
                role = "an admin" if existing.is_admin else "a parent"
                raise Failure(
                    f"{existing.email} already has an account ({role}); nothing was changed. "
                    "Add --reset-password to set its password and make it an admin"
                )
            password = admin_password(address)
            identity = accounts.make_admin(
                session, address, password, now(), reset_password=reset_password
            )
            session.commit()
    finally:
        engine.dispose()
    done = "its password was reset and it is an admin" if existing else "it is ready"
    say(f"alertsvc: admin {identity.email}: {done}")


@cli.command(epilog=epilog())
@BIND
def demo(bind: server.Address) -> None:
    """Create a demo family (a parent, a teen whose school is in session now, a paired
    device), or keep the one from an earlier run, and print its logins, tokens and what to try.

    Tokens that still work are printed again (they are remembered in the instance folder;
    the database keeps only their digests); nothing is ever revoked.
    """
    settings = settings_from_env()
    engine = open_database(settings, schema="head")
    try:
        show_demo(settings, engine, bind)
    finally:
        engine.dispose()


# --- the entry point ------------------------------------------------------------------------


def _failed(message: str, code: ExitCode | int) -> int:
    complain(message)
    return int(code)


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
            f"the database failed: {first_line(exc)}; check that it is reachable and try again",
            ExitCode.FAILED,
        )
    except Exception as exc:  # never a traceback, even for a bug
        return _failed(
            f"unexpected {type(exc).__name__}: {first_line(exc)}; this is a bug in alertsvc, "
            "please report it with the command you ran",
            ExitCode.FAILED,
        )
    return result if isinstance(result, int) else ExitCode.OK
