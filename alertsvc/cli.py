"""The `alertsvc` command: serve, worker, db upgrade, create-admin, demo."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence

from alertsvc.config import Settings, SettingsError


def _serve(settings: Settings, bind: str, workers: int, threads: int) -> int:
    from alertsvc.server import serve

    serve(settings, bind=bind, workers=workers, threads=threads)
    return 0


def _db_upgrade(settings: Settings) -> int:
    from alertsvc.db.migrations import upgrade

    _ensure_sqlite_folder(settings)
    upgrade(settings.database_url)
    print("database is at the latest schema")
    return 0


def _create_admin(settings: Settings, email: str) -> int:
    from alertsvc import create_app, edge
    from alertsvc.services import accounts

    password = os.environ.get("ALERTSVC_ADMIN_PASSWORD") or getpass.getpass("Admin password: ")
    if len(password) < 10:
        print("the password needs at least 10 characters", file=sys.stderr)
        return 2
    app = create_app(settings)
    with app.app_context():
        session = edge.db()
        identity = accounts.make_admin(session, email, password, edge.now())
        session.commit()
    print(f"admin {identity.email} is ready")
    return 0


def _demo(settings: Settings) -> int:
    from alertsvc import create_app, edge
    from alertsvc.services.demo import create_demo

    app = create_app(settings)
    with app.app_context():
        session = edge.db()
        demo = create_demo(session, edge.now())
        session.commit()
    print(demo.instructions(_base_url()))
    return 0


def _worker(settings: Settings) -> int:
    from alertsvc.worker import run_worker

    run_worker(settings)
    return 0


def _base_url() -> str:
    return "http://" + os.environ.get("ALERTSVC_BIND", "127.0.0.1:8000")


def _ensure_sqlite_folder(settings: Settings) -> None:
    prefix = "sqlite:///"
    if settings.database_url.startswith(prefix):
        from pathlib import Path

        path = settings.database_url.removeprefix(prefix)
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="alertsvc", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the production HTTP server (gunicorn)")
    serve.add_argument("--bind", default=os.environ.get("ALERTSVC_BIND", "127.0.0.1:8000"))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("ALERTSVC_WORKERS", 2)))
    serve.add_argument("--threads", type=int, default=int(os.environ.get("ALERTSVC_THREADS", 4)))
    commands.add_parser("worker", help="run background jobs (one active worker at a time)")
    db = commands.add_parser("db", help="database commands")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply Alembic migrations up to head")
    admin = commands.add_parser("create-admin", help="create or promote an admin user")
    admin.add_argument("email")
    commands.add_parser("demo", help="create a demo family and print what to try")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"alertsvc: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        return _serve(settings, args.bind, args.workers, args.threads)
    if args.command == "worker":
        return _worker(settings)
    if args.command == "db":
        return _db_upgrade(settings)
    if args.command == "create-admin":
        return _create_admin(settings, args.email)
    return _demo(settings)


if __name__ == "__main__":
    sys.exit(main())
