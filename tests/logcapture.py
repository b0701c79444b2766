"""The service's log lines as it writes them (JSON, through the one redaction rule), captured
for tests that prove nothing personal reaches them."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

from alertsvc.logs import JsonFormatter

# Generated strings too plain to mean anything if they turn up in a log line: digits, hex
# (request ids are hex) and punctuation.
_PLAIN = re.compile(r"[0-9a-fA-F\W_]*")


@contextmanager
def json_logs() -> Iterator[io.StringIO]:
    """Every record of every logger while the block runs, formatted as the service writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    ours = logging.getLogger("alertsvc")
    level = ours.level
    root.addHandler(handler)
    ours.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        ours.setLevel(level)


def strings_in(value: object) -> Iterator[str]:
    """Every string value in decoded JSON (keys name fields; they are the document's)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings_in(item)


# Fields every line has, whose values are the service's own words (route templates, levels).
_FIXED_FIELDS = frozenset({"ts", "level", "logger", "method", "route", "status", "duration_ms"})


def free_text(logged: str) -> str:
    """What in the logged lines could carry a value from a request: every field but the
    fixed ones (`route` is a template such as `/v1/admin/experiments/<key>`)."""
    parts = []
    for line in logged.splitlines():
        entry = json.loads(line)
        parts.extend(str(v) for k, v in entry.items() if k not in _FIXED_FIELDS)
    return "\n".join(parts)


def assert_nothing_personal(
    logged: str, secrets: Mapping[str, str], sent: Iterable[str] = ()
) -> None:
    """No secret appears in the logged text, and no distinctive string a client sent (8+
    characters, more than digits and punctuation) in what could carry one."""
    assert logged.count("\n") >= 20, "the capture saw too little to prove anything"
    for what, value in secrets.items():
        assert value not in logged, f"the logs carry the {what}"
    free = free_text(logged)
    for value in sent:
        if len(value) >= 8 and not _PLAIN.fullmatch(value):
            assert value not in free, f"the logs carry a string a client sent: {value!r}"
