"""The service's log lines as it writes them (JSON, through the one redaction rule), captured
for tests that prove nothing personal reaches them."""

from __future__ import annotations

import io
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


def assert_nothing_personal(
    logged: str, secrets: Mapping[str, str], sent: Iterable[str] = ()
) -> None:
    """No secret, and no distinctive string a client sent (8+ characters, more than digits and
    punctuation), appears in the logged text."""
    assert logged.count("\n") >= 20, "the capture saw too little to prove anything"
    for what, value in secrets.items():
        assert value not in logged, f"the logs carry the {what}"
    for value in sent:
        if len(value) >= 8 and not _PLAIN.fullmatch(value):
            assert value not in logged, f"the logs carry a string a client sent: {value!r}"
