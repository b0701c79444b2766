"""A teen's details and a co-guardian's email, and where the teen's school is."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

import holidays
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from alertsvc.domain.calendar import is_known_zone
from alertsvc.domain.errors import FieldError, InvalidFieldsError
from alertsvc.domain.message import msg
from alertsvc.domain.schedule import Place

Nickname = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
ZoneName = Annotated[
    str, Field(min_length=1, max_length=64, description="IANA name, e.g. America/New_York")
]
CountryCode = Annotated[
    str, Field(min_length=1, max_length=8, description="ISO 3166-1 alpha-2, e.g. US")
]
SubdivisionCode = Annotated[
    str, Field(min_length=1, max_length=16, description="ISO 3166-2 code part, e.g. CA")
]


class TeenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nickname: Nickname
    timezone: ZoneName
    country: CountryCode | None = None
    subdivision: SubdivisionCode | None = None


class TeenPatchIn(BaseModel):
    """Only the fields sent are changed; `country`/`subdivision` may be set to null."""

    model_config = ConfigDict(extra="forbid")

    nickname: Nickname | None = None
    timezone: ZoneName | None = None
    country: CountryCode | None = None
    subdivision: SubdivisionCode | None = None

    def changes(self) -> dict[str, str | None]:
        """The fields that were sent, by name."""
        return self.model_dump(include=self.model_fields_set)


class GuardianIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=254)


@lru_cache(maxsize=1)
def _supported_countries() -> dict[str, dict[str, str]]:
    """ISO alpha-2 code -> {upper-cased subdivision: canonical subdivision} from `holidays`."""
    return {
        country: {code.upper(): code for code in subdivisions}
        for country, subdivisions in holidays.list_supported_countries(
            include_aliases=False
        ).items()
        if len(country) == 2
    }


def _subdivision(country: str | None, subdivision: str, errors: list[FieldError]) -> str | None:
    if country is None:
        errors.append(FieldError("subdivision", msg("needs a country")))
        return subdivision
    canonical = _supported_countries()[country].get(subdivision.upper())
    if canonical is None:
        errors.append(
            FieldError(
                "subdivision",
                msg("is not a known subdivision of %(country)s", country=country),
            )
        )
    return canonical


def check_holidays(country: str | None, subdivision: str | None) -> tuple[str | None, str | None]:
    """A country with known public holidays and a subdivision of it, in canonical case, or
    `InvalidFieldsError` naming them."""
    errors: list[FieldError] = []
    canonical_country = country.upper() if country is not None else None
    canonical_subdivision = subdivision
    if canonical_country is not None and canonical_country not in _supported_countries():
        errors.append(
            FieldError(
                "country",
                msg("is not an ISO 3166-1 alpha-2 code with known public holidays"),
            )
        )
    elif subdivision is not None:
        canonical_subdivision = _subdivision(canonical_country, subdivision, errors)
    if errors:
        raise InvalidFieldsError(errors)
    return canonical_country, canonical_subdivision


def check_place(timezone: str, country: str | None, subdivision: str | None) -> Place:
    """A valid `Place` (country and subdivision in canonical case) or `InvalidFieldsError`."""
    errors: list[FieldError] = []
    if not is_known_zone(timezone):
        errors.append(FieldError("timezone", msg("is not a known IANA time zone")))
    try:
        country, subdivision = check_holidays(country, subdivision)
    except InvalidFieldsError as exc:
        errors += exc.errors
    if errors:
        raise InvalidFieldsError(errors)
    return Place(timezone, country, subdivision)
