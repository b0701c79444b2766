"""alertsvc: gentle, explainable school-hours reminders for teens' apps."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask

from alertsvc.clock import Clock, utc_now
from alertsvc.config import Settings
from alertsvc.db.session import make_engine, make_session_factory
from alertsvc.http.app import App
from alertsvc.runtime import Runtime
from alertsvc.services.accounts import passwords_for
from alertsvc.services.ratelimit import CheckLimiter

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(settings: Settings | None = None, *, clock: Clock = utc_now) -> Flask:
    """Wire settings, the database, blueprints and error handling — nothing else."""
    settings = settings or Settings.from_env()
    app = App(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        static_url_path="/static",
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=1024 * 1024 + 4096,
        JSON_SORT_KEYS=False,
        WTF_CSRF_ENABLED=settings.csrf_enabled,
        WTF_CSRF_TIME_LIMIT=None,
    )
    engine = make_engine(settings)
    from alertsvc import metrics

    metrics.watch_pool(engine)
    limits = settings.rate_limits
    limiter = (
        CheckLimiter(settings.rate_limit_storage_url, limits.checks_per_minute, clock=clock)
        if limits.enabled
        else None
    )
    app.extensions["alertsvc"] = Runtime(
        settings,
        engine,
        make_session_factory(engine),
        clock,
        limiter,
        passwords_for(settings.fast_password_hashing),
    )

    from alertsvc import web
    from alertsvc.http import app as http
    from alertsvc.http import edge

    edge.init_app(app)
    http.init_app(app)
    web.init_app(app)
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    if settings.proxy_count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_count, x_proto=settings.proxy_count
        )
    return app


def _blueprints() -> list[Blueprint]:
    from alertsvc import metrics
    from alertsvc.api import admin, devices, health, me, nudges, openapi, parents, schedules, teens
    from alertsvc.web import admin as admin_pages
    from alertsvc.web import public, teen_app
    from alertsvc.web.parent import account as parent_account
    from alertsvc.web.parent import activity as parent_activity
    from alertsvc.web.parent import auth as parent_auth
    from alertsvc.web.parent import calendar as parent_calendar
    from alertsvc.web.parent import home as parent_home
    from alertsvc.web.parent import privacy as parent_privacy
    from alertsvc.web.parent import schedule as parent_schedule
    from alertsvc.web.parent import teens as parent_teens

    return [
        health.blueprint,
        openapi.blueprint,
        parents.blueprint,
        teens.blueprint,
        schedules.blueprint,
        devices.blueprint,
        nudges.blueprint,
        me.blueprint,
        admin.blueprint,
        metrics.blueprint,
        public.blueprint,
        teen_app.blueprint,
        parent_auth.blueprint,
        parent_account.blueprint,
        parent_home.blueprint,
        parent_teens.blueprint,
        parent_schedule.blueprint,
        parent_calendar.blueprint,
        parent_activity.blueprint,
        parent_privacy.blueprint,
        admin_pages.blueprint,
    ]
