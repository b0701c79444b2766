"""The bench app for granian (`--interface wsgi`), which imports its target by name: the same
app, settings and logging as `bench.serve` builds for gunicorn, from BENCH_DB_URL."""

from __future__ import annotations

import os

from alertsvc.logs import configure_logging
from alertsvc.server import settle_heap
from bench.app import make_bench_app
from bench.common import bench_settings

configure_logging()
app = make_bench_app(bench_settings(os.environ["BENCH_DB_URL"]))
settle_heap()  # as gunicorn's post_worker_init does
