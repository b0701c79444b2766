"""Every sentence in the reader's language (SPEC §10): gettext catalogs and CLDR formats.

A `Language` is one reader's locale (`en-US`, `de`, `ar-EG`) paired with the catalog that
translates it (`en`, `de`, `ar`). It says a `Message` (catalog lookup, plural rules and the
locale's way of writing times and dates, all from Babel) and is built once per tag and kept,
so a check pays a dictionary lookup, not a catalog load or a CLDR pattern parse.

The catalogs live in `alertsvc/i18n/catalogs/<catalog>/LC_MESSAGES/messages.po`; the build
(`make`, `pip install`) compiles them to `.mo`. `make messages` extracts the source's
sentences into `messages.pot` and updates every catalog.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache

import holidays
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval, format_time, match_skeleton
from babel.support import NullTranslations

from alertsvc.domain.message import (
    MINUTES_PER_DAY,
    Clock,
    Day,
    Holiday,
    Hours,
    Localized,
    Message,
    Sayable,
    Value,
)
from alertsvc.i18n.catalogs import CATALOG_DIR, load_catalog
from alertsvc.i18n.pseudo import PSEUDO_TAG, PseudoTranslations

log = logging.getLogger(__name__)

# The shipped catalogs, in the order the language picker lists them. English is the source.
CATALOGS: tuple[str, ...] = ("en", "es", "fr", "de", "pt_BR", "ja", "ar")
DEFAULT_TAG = "en"

# The picker's labels: each language named in itself.
NATIVE_NAMES: dict[str, str] = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "de": "Deutsch",
    "pt-BR": "Português (Brasil)",
    "ja": "日本語",
    "ar": "العربية",
}

__all__ = [
    "CATALOGS",
    "CATALOG_DIR",
    "DEFAULT_TAG",
    "NATIVE_NAMES",
    "PSEUDO_TAG",
    "Language",
    "best_language",
    "language",
    "supported_tag",
]


def _catalog_of(locale: Locale) -> str | None:
    """The catalog that translates `locale`: its own, else its language's (`pt_PT` → `pt_BR`)."""
    if locale.language == "pt":
        return "pt_BR"
    return locale.language if locale.language in CATALOGS else None


@dataclass(eq=False)
class Language:
    """One reader's language: translation and CLDR formats, with what it formatted cached."""

    tag: str  # BCP 47, as answered in Content-Language
    locale: Locale
    translations: NullTranslations
    _said: dict[Message, str] = field(default_factory=dict, repr=False)

    @property
    def direction(self) -> str:
        """`rtl` for Arabic, else `ltr`: the `dir` of a page."""
        return "rtl" if self.locale.text_direction == "rtl" else "ltr"

    @property
    def catalog(self) -> str:
        return _catalog_of(self.locale) or "en"

    def gettext(self, text: str) -> str:
        return self.translations.gettext(text)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.translations.ngettext(singular, plural, count)

    def say(self, message: Sayable) -> str:
        """The sentence in this language, its placeholders filled the way it writes them."""
        if isinstance(message, Localized):
            return self.pick(message)
        said = self._said.get(message)
        if said is None:
            said = self._render(message)
            if len(self._said) < 4096:  # sentences repeat (a school's hours); bound the memo
                self._said[message] = said
        return said

    def _render(self, message: Message) -> str:
        if message.plural is None:
            template = self.translations.gettext(message.msgid)
        else:
            template = self.translations.ngettext(message.msgid, message.plural, message.count)
        if not message.values:
            return template
        said = template % {name: self._value(value) for name, value in message.values}
        # A value that ends a sentence with its own full stop ("10:42 a.m.") takes the
        # sentence's: "a.m.." reads as a typo.
        return said[:-1] if said.endswith("..") and not said.endswith("...") else said

    def _value(self, value: Value) -> str | int:
        match value:
            case Message() | Localized():
                return self.say(value)
            case Clock():
                return self.clock(value.minutes)
            case Hours():
                return self.hours(value.windows)
            case Day():
                return self.day(value.value, with_year=value.with_year)
            case Holiday():
                return _holiday(value, self.locale.language, str(self.locale))
        return value

    def pick(self, text: Localized) -> str:
        """A person's text in this language (`es-MX` takes `es-MX`, then `es`), else the first
        one listed; a text for any language (`""`) fits every reader."""
        wanted = (self.tag.lower(), self.locale.language, self.catalog.replace("_", "-").lower())
        by_tag = {tag.lower(): words for tag, words in text.texts}
        for tag in (*wanted, ""):
            if tag in by_tag:
                return by_tag[tag]
        return text.texts[0][1] if text.texts else ""

    # --- times and dates, the CLDR way ----------------------------------------------------

    @property
    def _skeleton(self) -> str:
        return "hm" if "h" in self.locale.time_formats["short"].pattern else "Hm"

    def clock(self, minutes: int) -> str:
        """A wall-clock time: `8:05 AM` (en-US), `08:05` (de), `24:00` at the end of a day."""
        return _clock(self.locale, minutes)

    def window(self, start: int, end: int) -> str:
        """A window of school hours: `8:00 AM – 3:00 PM` (en-US), `08:00–15:00 Uhr` (de)."""
        return _window(self.locale, self._skeleton, start, end)

    def hours(self, windows: Iterable[tuple[int, int]]) -> str:
        """A day's windows, listed the language's way (`08:15–11:45 und 12:30–15:05 Uhr`)."""
        return _listing(self.locale, tuple(self.window(start, end) for start, end in windows))

    def day(self, value: date, *, with_year: bool = True) -> str:
        """A date with its weekday: `Monday, November 30, 2026`, `Montag, 30. November 2026`."""
        return _day(self.locale, value, with_year)

    def moment(self, value: datetime) -> str:
        """A local date and time, for pages (`Mon, Nov 30, 8:05 AM`)."""
        clock = self.clock(value.hour * 60 + value.minute)
        return f"{self.day(value.date(), with_year=False)} {clock}"


# CLDR puts a narrow no-break space before AM/PM and thin spaces around a range's dash; many
# clients' fonts and parsers stumble on them (ICU 72's change broke parsers widely), and a
# reader sees no difference: we write plain spaces.
_PLAIN_SPACES = str.maketrans({"\u202f": " ", "\u2009": " ", "\u00a0": " "})


def _plain(text: str) -> str:
    return text.translate(_PLAIN_SPACES)


@lru_cache(maxsize=4096)
def _clock(locale: Locale, minutes: int) -> str:
    if minutes >= MINUTES_PER_DAY:
        pattern = locale.time_formats["short"].pattern
        if "H" in pattern:  # a 24-hour language writes the end of the day as 24:00
            return _plain(format_time(time(0, 0), pattern.replace("H", "k"), locale=locale))
        minutes = 0
    return _plain(format_time(time(minutes // 60, minutes % 60), "short", locale=locale))


@lru_cache(maxsize=4096)
def _window(locale: Locale, skeleton: str, start: int, end: int) -> str:
    if end >= MINUTES_PER_DAY or start >= MINUTES_PER_DAY:
        fallback = locale.interval_formats.get(None, "{0} – {1}")
        text = str(fallback).replace("{0}", _clock(locale, start))
        return _plain(text.replace("{1}", _clock(locale, end)))
    return _plain(
        format_interval(
            time(start // 60, start % 60), time(end // 60, end % 60), skeleton, locale=locale
        )
    )


@lru_cache(maxsize=1024)
def _listing(locale: Locale, parts: tuple[str, ...]) -> str:
    from babel.lists import format_list

    return _plain(format_list(list(parts), locale=locale)) if parts else ""


@lru_cache(maxsize=4096)
def _day(locale: Locale, value: date, with_year: bool) -> str:
    # CLDR's closest pattern with the weekday written out ("Monday, December 7"): its own
    # skeletons abbreviate it ("Mon"), which reads as shorthand in a sentence.
    skeleton = match_skeleton("yMMMMEd" if with_year else "MMMMEd", locale.datetime_skeletons)
    pattern = str(locale.datetime_skeletons[skeleton]) if skeleton else "EEEE d MMMM y"
    return _plain(format_date(value, _WEEKDAY.sub("EEEE", pattern), locale=locale))


_WEEKDAY = re.compile(r"E+")


@lru_cache(maxsize=1024)
def _holiday(holiday: Holiday, language: str, locale: str) -> str:
    """A public holiday's name as its country's calendar writes it in the reader's language
    (France's holidays in French, Japan's in Japanese), else its English name."""
    try:
        table = holidays.country_holidays(
            holiday.country, subdiv=holiday.subdivision, years=holiday.day.year
        )
    except NotImplementedError:
        return holiday.name
    spoken = [code for code in table.supported_languages if code.split("_")[0] == language]
    if not spoken or language == "en":
        return holiday.name
    chosen = locale if locale in spoken else spoken[0]
    named = holidays.country_holidays(
        holiday.country, subdiv=holiday.subdivision, years=holiday.day.year, language=chosen
    ).get(holiday.day)
    return named or holiday.name


# --- choosing a language ------------------------------------------------------------------


def _parse(tag: str) -> Locale | None:
    try:
        return Locale.parse(tag.strip().replace("_", "-"), sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        return None


def supported_tag(tag: str | None) -> str | None:
    """The tag as we answer it when one of our catalogs speaks it (`es-mx` → `es-MX`), else
    None. `en-XA` is the pseudo-language (as on Android: a developer's setting)."""
    if not tag or len(tag) > 35:
        return None
    return _supported(tag)


# Every check asks this of its Accept-Language tags and the device's locale: a few values,
# over and over (a bounded memo of a pure function of the tag).
@lru_cache(maxsize=1024)
def _supported(tag: str) -> str | None:
    if tag.strip().lower() == PSEUDO_TAG.lower():
        return PSEUDO_TAG
    locale = _parse(tag)
    if locale is None or _catalog_of(locale) is None:
        return None
    parts = [locale.language, locale.script, locale.territory]
    return "-".join(part for part in parts if part)


def best_language(tags: Iterable[str | None]) -> Language:
    """The first tag (in the reader's order of preference) that one of our catalogs speaks;
    English when none does."""
    for tag in tags:
        found = supported_tag(tag)
        if found is not None:
            return language(found)
    return language(DEFAULT_TAG)


@lru_cache(maxsize=256)
def language(tag: str) -> Language:
    """The `Language` for a supported tag (see `supported_tag`), built once."""
    if tag == PSEUDO_TAG:
        return Language(PSEUDO_TAG, Locale.parse("en_GB"), PseudoTranslations())
    locale = _parse(tag)
    catalog = _catalog_of(locale) if locale is not None else None
    if locale is None or catalog is None:
        raise ValueError(f"{tag!r} is not a language we speak")
    return Language(tag, locale, load_catalog(catalog))


def english() -> Language:
    return language(DEFAULT_TAG)
