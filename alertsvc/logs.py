"""JSON logs, one object per line. Never tokens, emails, nicknames, comments or passwords.

The redaction rule lives here, once, for every record of every logger: an exception is
written as its types and the frames it passed through, never its message. Messages carry
values: a database error quotes its statement's parameters and its constraint's row
(`Key (email)=(...) already exists`), a validation error quotes the input. The engine hides
parameters as well (`hide_parameters`, db/session.py), so they are not in the message either.
"""

from __future__ import annotations

import logging
import sys
import traceback
from datetime import UTC, datetime

import orjson

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def exception_without_values(exc: BaseException) -> str:
    """A traceback of `exc` and the exceptions it was raised from: types and frames only."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    parts = []
    for link in reversed(chain):
        frames = "".join(traceback.extract_tb(link.__traceback__).format())
        kind = type(link)
        parts.append(f"{frames}{kind.__module__}.{kind.__qualname__} (message withheld)\n")
    return "Traceback (most recent call last):\n" + "\nwhich led to:\n".join(parts)


# The last second formatted, and its text (replaced whole, so threads never see half of it).
_last_second: tuple[int, str] = (-1, "")


def _timestamp(created: float) -> str:
    """`created` as ISO 8601 UTC to the millisecond, as `datetime.fromtimestamp(created,
    UTC).isoformat(timespec="milliseconds")` writes it; the part up to the second is formatted
    once per second (a log line per request would otherwise format the same date each time)."""
    second = int(created)
    micros = round((created - second) * 1_000_000)  # rounded to the microsecond, as datetime
    if micros >= 1_000_000:
        second, micros = second + 1, micros - 1_000_000
    global _last_second  # a one-entry memo
    cached_second, prefix = _last_second
    if second != cached_second:
        prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _last_second = (second, prefix)
    return f"{prefix}.{micros // 1000:03d}+00:00"


class JsonFormatter(logging.Formatter):
    """One JSON object per record (orjson: the line is built in C, once per record)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": _timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[1] is not None:
            entry["exc"] = exception_without_values(record.exc_info[1])
        return orjson.dumps(entry, default=str).decode()


def configure_logging(level: int = logging.INFO) -> None:
    """Send every logger's records to stderr as JSON lines, alertsvc's from `level` and the
    libraries' from WARNING (idempotent)."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    logging.getLogger("alertsvc").setLevel(level)
    # What our lines never carry, not gathered for each record (the logging HOWTO's
    # "Optimization"): the caller's file and line, the thread, the process and its name.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
