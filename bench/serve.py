"""Run a bench app under the production server config (`alertsvc.server.serve`).

`python -m bench.serve --db-url URL --kind service|floor --bind 127.0.0.1:PORT`
Only the loaded WSGI callable differs from `alertsvc serve`: the gunicorn options are the
ones `alertsvc.server.serve` sets (gthread, keepalive 5 s, the GC hook, ...).
"""

from __future__ import annotations

import argparse
from typing import Any

from alertsvc import server
from bench.app import KINDS
from bench.common import bench_settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--kind", choices=KINDS, default="service")
    parser.add_argument("--bind", default="127.0.0.1:8765")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    settings = bench_settings(args.db_url)

    def load(self: Any) -> Any:
        from bench.app import make_app

        return make_app(args.kind, self._settings)

    server._Gunicorn.load = load  # same options, different callable
    server.serve(settings, bind=args.bind, workers=args.workers, threads=args.threads)


if __name__ == "__main__":
    main()
