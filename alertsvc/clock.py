"""The only place that reads the current time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)
