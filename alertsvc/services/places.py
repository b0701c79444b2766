"""Where a school is, as a parent would say it: a time zone found by its city's name ("London",
"sao paulo"), and the country whose public holidays follow from that zone.

City names are CLDR's exemplar cities (babel), in English, e.g. "São Paulo" for
America/Sao_Paulo; a search ignores case, accents and punctuation, so "Sao Paulo",
"são paulo" and "America/Sao_Paulo" all find the same zone.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import holidays
import pytz
from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location

from alertsvc.domain.errors import FieldError, InvalidFieldsError
from alertsvc.domain.message import msg
from alertsvc.services.inputs.teens import check_holidays

# The tz database's regions; the other names in pytz's common list (US/Eastern, Canada/…,
# GMT, UTC) are older spellings of zones listed here, so offering them would list New York
# twice. They are still accepted when typed exactly.
_REGIONS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
_ENGLISH = Locale("en")
_ZONE_IN_TEXT = re.compile(r"\(([A-Za-z_+\-/0-9]+)\)\s*$")


# A place no zone goes by (or several do), said as a parent types it.
UNKNOWN_PLACE = FieldError(
    "timezone",
    msg(
        "We don't know this place. Type the school's city, such as London, New York or "
        "São Paulo, and pick it from the list."
    ),
)


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    """One zone as a parent picks it: "São Paulo, Brazil (America/Sao_Paulo)"."""

    zone: str
    city: str
    country: str | None  # ISO 3166-1 alpha-2 of the one country using the zone
    country_name: str | None
    aliases: tuple[str, ...] = ()  # older names of the zone (Asia/Calcutta for Asia/Kolkata)

    @property
    def label(self) -> str:
        place = f"{self.city}, {self.country_name}" if self.country_name else self.city
        return f"{place} ({self.zone})"


def fold(text: str) -> str:
    """Text as a search key: no accents, no case, punctuation and underscores as spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", bare).split())


def country_name(code: str) -> str:
    """The English name of a country code ("GB" -> "United Kingdom"), or the code itself."""
    name = _ENGLISH.territories.get(code)
    return name if isinstance(name, str) else code


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    return {zone: code for code, zones in pytz.country_timezones.items() for zone in zones}


@lru_cache(maxsize=1)
def _old_names() -> dict[str, str]:
    """Older zone names -> today's (CLDR's list; browsers may still report the old ones)."""
    aliases: Mapping[str, str] = get_global("zone_aliases")
    return {old: new for old, new in aliases.items() if old in pytz.all_timezones_set}


@lru_cache(maxsize=1)
def zone_choices() -> tuple[ZoneChoice, ...]:
    """Every current zone of the tz database with its city and country, by city name."""
    countries = _zone_countries()
    older: defaultdict[str, list[str]] = defaultdict(list)
    for old, new in sorted(_old_names().items()):
        older[new].append(old)
    choices = []
    for zone in pytz.common_timezones:
        if zone.split("/", 1)[0] not in _REGIONS:
            continue
        city = get_timezone_location(zone, locale=_ENGLISH, return_city=True)
        code = countries.get(zone)
        name = country_name(code) if code else None
        choices.append(ZoneChoice(zone, city, code, name, tuple(older[zone])))
    return tuple(sorted(choices, key=lambda c: (fold(c.city), c.zone)))


@lru_cache(maxsize=1)
def _search_index() -> dict[str, str | None]:
    """Search key -> zone, or None when the key names several zones (a country with many)."""
    found: defaultdict[str, set[str]] = defaultdict(set)
    by_country: defaultdict[str, set[str]] = defaultdict(set)
    for choice in zone_choices():
        for key in (choice.city, choice.zone, choice.zone.rsplit("/", 1)[-1]):
            found[fold(key)].add(choice.zone)
        if choice.country:
            found[fold(f"{choice.city} {choice.country_name}")].add(choice.zone)
            by_country[fold(choice.country_name or "")].add(choice.zone)
    for name, zones in by_country.items():
        found.setdefault(name, zones)
    return {key: next(iter(zones)) if len(zones) == 1 else None for key, zones in found.items()}


@lru_cache(maxsize=1)
def _exact_names() -> dict[str, str]:
    return {name.casefold(): name for name in pytz.all_timezones}


def find_zone(text: str) -> str | None:
    """The IANA zone a parent means by `text`, or None if it names none (or several).

    Accepts an IANA name in any case ("europe/london"; an older name gives today's:
    Asia/Calcutta is Asia/Kolkata), a picked label ("London, United Kingdom (Europe/London)"),
    a city ("London", "Sao Paulo", "são paulo", "new york") and a country with a single zone
    ("France").
    """
    typed = text.strip()
    labelled = _ZONE_IN_TEXT.search(typed)
    if labelled and labelled.group(1).casefold() in _exact_names():
        return _exact_names()[labelled.group(1).casefold()]
    exact = _exact_names().get(typed.casefold())
    for name in (exact, _old_names().get(exact or "")):
        if name in _choices_by_zone():
            return name
    found = _search_index().get(fold(typed)) if typed else None
    return found or exact  # "Jamaica" is the city's zone before the old link of that name


def check_school_place(text: str, country: str | None, subdivision: str | None) -> None:
    """`InvalidFieldsError` naming what is wrong with a school's place as a parent gives it: a
    place no zone goes by (`UNKNOWN_PLACE`; a blank one is the teen input's to refuse, as
    required), a country without known public holidays, a region not in the country."""
    errors = [] if not text.strip() or find_zone(text) else [UNKNOWN_PLACE]
    try:
        check_holidays(country, subdivision)
    except InvalidFieldsError as exc:
        errors += exc.errors
    if errors:
        raise InvalidFieldsError(errors)


@lru_cache(maxsize=1)
def _choices_by_zone() -> dict[str, ZoneChoice]:
    return {choice.zone: choice for choice in zone_choices()}


def zone_label(zone: str) -> str:
    """How a zone reads in the form's field: its label, or the name itself if unlisted."""
    choice = _choices_by_zone().get(zone)
    return choice.label if choice else zone


@lru_cache(maxsize=1)
def holiday_countries() -> tuple[tuple[str, str], ...]:
    """(code, English name) of every country whose public holidays are known, by name."""
    supported = holidays.list_supported_countries(include_aliases=False)
    codes = [code for code in supported if len(code) == 2]
    return tuple(sorted(((code, country_name(code)) for code in codes), key=lambda c: c[1]))


def zone_country(zone: str) -> str | None:
    """The country whose public holidays a school in `zone` keeps, when the zone belongs to
    exactly one country with known holidays (Europe/London -> GB); None otherwise."""
    code = _zone_countries().get(zone)
    known = {known for known, _ in holiday_countries()}
    return code if code in known else None
