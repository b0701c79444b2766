"""The bench app for granian (`--interface wsgi`), which imports its target by name: the app
BENCH_KIND names (`service` or `floor`, bench.app) on BENCH_DB_URL, with the logging, metrics
and heap settings `alertsvc.server.serve` gives it under gunicorn."""

from __future__ import annotations

import os
import tempfile

# As `alertsvc serve` does, before anything imports prometheus_client: the service counts in
# the multiprocess files under both servers, so they compare on the same work.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="bench-prom-"))

from alertsvc.logs import configure_logging
from alertsvc.server import settle_heap
from bench.app import make_app
from bench.common import bench_settings

configure_logging()
app = make_app(os.environ.get("BENCH_KIND", "service"), bench_settings(os.environ["BENCH_DB_URL"]))
settle_heap()  # as gunicorn's post_worker_init does
