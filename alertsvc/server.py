"""The production server: gunicorn with gthread workers, embedded."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from alertsvc.config import Settings


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self._settings = settings
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from alertsvc import create_app

        return create_app(self._settings)


def serve(settings: Settings, *, bind: str, workers: int, threads: int) -> None:
    options = {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "graceful_timeout": 20,
        "timeout": 30,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }
    _Gunicorn(settings, options).run()
