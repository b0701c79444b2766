"""The embedded gunicorn's options: the heap is settled in each worker once the app loaded."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from alertsvc import server
from alertsvc.config import Settings


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_settle_heap_freezes_what_the_load_left_and_sets_thresholds(restored_gc: None) -> None:
    loaded = [[i] for i in range(10)]  # stands for the app's long-lived (tracked) objects
    gc.unfreeze()
    assert gc.get_freeze_count() == 0

    server.settle_heap()

    assert gc.get_freeze_count() > len(loaded)
    assert gc.get_threshold() == server.GC_THRESHOLDS
    assert server.GC_THRESHOLDS[2] > 10  # full collections rarer than Python's default


def test_every_worker_settles_its_heap_after_loading_the_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}

    def run(self: server._Gunicorn) -> None:
        seen.update(self._options)

    monkeypatch.setattr(server._Gunicorn, "run", run)
    monkeypatch.setattr(server, "configure_logging", lambda: None)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/tmp")  # noqa: S108 - not created
    settings = Settings(database_url="sqlite://", secret_key="k", environment="test")
    server.serve(settings, bind="127.0.0.1:0", workers=1, threads=1)

    assert seen["post_worker_init"] is server.settle_heap
    assert seen["worker_class"] == "gthread"
