"""The bench app for granian (`--interface wsgi`), which imports its target by name: the same
app, settings and logging as `bench.serve` builds for gunicorn, from BENCH_DB_URL."""

from __future__ import annotations

import os

from alertsvc.config import Settings
from alertsvc.logs import configure_logging
from alertsvc.server import settle_heap
from bench.app import make_bench_app

configure_logging()
app = make_bench_app(
    Settings.from_env(
        {
            "ALERTSVC_ENV": "development",
            "ALERTSVC_DATABASE_URL": os.environ["BENCH_DB_URL"],
            "ALERTSVC_SECRET_KEY": "bench-only-secret",
            "ALERTSVC_RATE_LIMITS": "off",
        }
    )
)
settle_heap()  # as gunicorn's post_worker_init does
