"""An experiment variant's copy (SPEC §10): one text for every reader, or a text by language.

In the domain both are a `Localized`: a plain string is the one pair `("", text)`, which
fits every reader; a map by language keeps the order it was given in, because a reader whose
language it lacks gets its first text. Stored, a map is a list of `[tag, text]` pairs (so no
database can reorder it); shown, it is a JSON object in the given order.

The domain does not know which languages the service speaks: callers pass `speaks`, which
answers a tag as written canonically (`es-mx` -> `es-MX`), or None for a language we lack.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from alertsvc.domain.errors import FieldError
from alertsvc.domain.message import Localized, Message, msg
from alertsvc.domain.text import CONTROL_CHARACTER_MESSAGE, has_control_character, printable_key

Speaks = Callable[[str], str | None]
MAX_LANGUAGES = 20
# A BCP 47 tag's shape, for when no `speaks` is given (`en`, `pt-BR`, `zh-Hant-TW`).
_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$")


def field_error(field: str, message: Message) -> FieldError:
    """A field error, its message said in the reader's language at the edge."""
    return FieldError(field, message)


def plain(text: str) -> Localized:
    """One text for every reader."""
    return Localized((("", text),))


def is_plain(copy: Localized) -> bool:
    return len(copy.texts) == 1 and copy.texts[0][0] == ""


def copy_json(copy: Localized) -> str | dict[str, str]:
    """As the API shows it: the string, or the map by language in its given order."""
    return copy.texts[0][1] if is_plain(copy) else dict(copy.texts)


def copy_stored(copy: Localized) -> str | list[list[str]]:
    """As stored: the string, or `[tag, text]` pairs in their given order."""
    return copy.texts[0][1] if is_plain(copy) else [[tag, text] for tag, text in copy.texts]


def copy_from_stored(raw: Any) -> Localized:
    """A stored copy (a string, pairs, or an older map) as a value."""
    if isinstance(raw, str):
        return plain(raw)
    if isinstance(raw, dict):
        return Localized(tuple((str(tag), str(text)) for tag, text in raw.items()))
    return Localized(tuple((str(tag), str(text)) for tag, text in raw))


def _text_errors(text: object, where: str, limit: int) -> list[FieldError]:
    if not isinstance(text, str) or not 1 <= len(text) <= limit or not text.strip():
        return [field_error(where, msg("must be text of 1 to %(limit)d characters", limit=limit))]
    if has_control_character(text):
        return [field_error(where, CONTROL_CHARACTER_MESSAGE)]
    return []


def _tag(tag: str, speaks: Speaks | None) -> str | None:
    if speaks is not None:
        return speaks(tag)
    return tag if _TAG.match(tag) else None


def parse_copy(
    value: object, where: str, limit: int, speaks: Speaks | None = None
) -> tuple[Localized | None, list[FieldError]]:
    """A title or body as sent: a string, or an object of language tag -> text (1 to
    `MAX_LANGUAGES` of them, each tag one we speak and each text within `limit`)."""
    if isinstance(value, str):
        wrong = _text_errors(value, where, limit)
        return (None if wrong else plain(value)), wrong
    if not isinstance(value, dict) or not 1 <= len(value) <= MAX_LANGUAGES:
        message = msg(
            "must be text, or an object of 1 to %(count)d language tags and their text",
            count=MAX_LANGUAGES,
        )
        return None, [field_error(where, message)]
    errors: list[FieldError] = []
    texts: dict[str, str] = {}
    for tag, text in value.items():
        at = f"{where}.{printable_key(str(tag))}"
        known = _tag(str(tag), speaks)
        if known is None:
            errors.append(field_error(at, msg("%(tag)s is not a language we speak", tag=repr(tag))))
        elif known in texts:
            errors.append(field_error(at, msg("repeats the language %(tag)s", tag=known)))
        errors += _text_errors(text, at, limit)
        if known is not None and isinstance(text, str):
            texts.setdefault(known, text)
    return (None if errors else Localized(tuple(texts.items()))), errors


def speaks_to(targets: tuple[str, ...], tag: str | None) -> bool:
    """Whether a reader of `tag` is one of `targets`: the same tag, or its base language
    (`es` takes `es-MX`)."""
    if not tag:
        return False
    wanted = tag.lower()
    base = wanted.split("-")[0]
    return any(target.lower() in (wanted, base) for target in targets)


def tags_meet(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> bool:
    """Whether one reader could be in both lists of languages (None is "any")."""
    if a is None or b is None:
        return True
    return any(speaks_to(a, tag) for tag in b) or any(speaks_to(b, tag) for tag in a)
