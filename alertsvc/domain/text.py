"""Text people send us: no control characters.

A control character means nothing in a nickname, an email, a note or an experiment's copy,
and U+0000 cannot even be stored in PostgreSQL. Tab, line feed and carriage return are kept:
they are how people write multi-line notes and comments.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from alertsvc.domain.message import msg

CONTROL_CHARACTER_MESSAGE = msg("must not contain control characters (such as U+0000)")

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_character(text: str) -> bool:
    """Whether `text` holds a C0 control character other than tab, LF and CR, or DEL."""
    return _CONTROL.search(text) is not None


def printable_key(key: str) -> str:
    """A key as it can be shown in an error: its control characters escaped (`\\x00`)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", key)


def control_character_paths(value: object, path: str = "") -> Iterator[str]:
    """The JSON path (`weekly.mon[0].start`) of every string, or key, in decoded JSON that
    holds a control character; `path` names `value` itself."""
    if isinstance(value, str):
        if has_control_character(value):
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            name = printable_key(str(key))
            child = f"{path}.{name}" if path else name
            if has_control_character(str(key)):
                yield child
            else:
                yield from control_character_paths(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from control_character_paths(item, f"{path}[{index}]")
