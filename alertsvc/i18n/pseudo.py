"""A pseudo-language for layout tests: every sentence accented and 40% longer.

`en-XA` (the tag Android uses for the same purpose) turns "School hours" into
"[Šçĥööļ ĥööûŕš ·········]": a page that cuts off or overflows with it will do so in German
or French, and an English word left in it was never marked for translation. It is only
spoken where settings switch it on (tests and development).
"""

from __future__ import annotations

import re

from babel.support import NullTranslations

PSEUDO_TAG = "en-XA"

_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "àƀçđéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÀßÇĐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
# Placeholders (`%(name)s`, `%d`, `{name}`) and markup (`<a href="…">`, `&amp;`) stay as they are.
_KEPT = re.compile(r"%\([a-z_]+\)[sd]|%[sd%]|\{[a-z_0-9]*\}|<[^>]*>|&[a-z]+;|&#\d+;")


def pseudo(text: str) -> str:
    """`text` accented, bracketed and padded to 140% of its length."""
    parts: list[str] = []
    last = 0
    for kept in _KEPT.finditer(text):
        parts.append(text[last : kept.start()].translate(_ACCENTED))
        parts.append(kept.group())
        last = kept.end()
    parts.append(text[last:].translate(_ACCENTED))
    # The padding comes in words of up to 8 dots: a language's long words are about that long,
    # and one unbroken run of 60 dots would test the pseudo-language, not the layout.
    dots = max(1, round(len(text) * 0.4) - 2)
    padding = " ".join("·" * min(8, dots - start) for start in range(0, dots, 8))
    return f"[{''.join(parts)} {padding}]"


class PseudoTranslations(NullTranslations):
    """Translations that turn every message into its pseudo form."""

    def gettext(self, message: str) -> str:
        return pseudo(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return pseudo(singular if n == 1 else plural)
