"""Experiment inputs, read alike from the admin API's JSON and the admin pages' forms: the
models that judge them, and their conversion to domain values and changes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from alertsvc.domain.copy import MAX_LANGUAGES
from alertsvc.domain.experiments import (
    BODY_MAX,
    COUNTRY_PATTERN,
    INT_PARAM_BOUNDS,
    KEY_PATTERN,
    MAX_TARGETS,
    MAX_VARIANTS,
    MAX_WEIGHT,
    MIN_VARIANTS,
    MIN_WEIGHT,
    TITLE_MAX,
    Experiment,
    Status,
    Targeting,
    Variant,
    parse_params,
)
from alertsvc.i18n import supported_tag
from alertsvc.services.experiments import DESCRIPTION_MAX, ExperimentChanges

Slug = Annotated[str, Field(min_length=1, max_length=64, pattern=KEY_PATTERN)]
Country = Annotated[str, Field(pattern=COUNTRY_PATTERN)]
Zone = Annotated[str, Field(min_length=1, max_length=64)]
Language = Annotated[str, Field(min_length=1, max_length=35)]
StatusName = Literal["draft", "running", "paused", "stopped"]


def _bounded(name: str) -> Any:
    low, high = INT_PARAM_BOUNDS[name]
    return Field(None, ge=low, le=high, strict=True)


def _copy_schema(limit: int) -> dict[str, Any]:
    text = {"type": "string", "minLength": 1, "maxLength": limit}
    by_language = {
        "type": "object",
        "description": "Text by BCP 47 language tag (one we speak); a reader whose language "
        "it lacks gets the first one listed",
        "minProperties": 1,
        "maxProperties": MAX_LANGUAGES,
        "additionalProperties": text,
    }
    return {"anyOf": [text, by_language, {"type": "null"}], "default": None}


# A string for every reader, or an object by language; the domain judges either (its errors
# name the language: `variants[0].params.title.es`).
Copy = Annotated[Any, WithJsonSchema(_copy_schema(TITLE_MAX))]
BodyCopy = Annotated[Any, WithJsonSchema(_copy_schema(BODY_MAX))]


class VariantParamsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", title="ExperimentVariantParams")

    title: Copy = None
    body: BodyCopy = None
    grace_minutes: int | None = _bounded("grace_minutes")
    min_interval_minutes: int | None = _bounded("min_interval_minutes")
    max_per_day: int | None = _bounded("max_per_day")
    holdout: bool = Field(False, strict=True)


class VariantIn(BaseModel):
    model_config = ConfigDict(extra="forbid", title="ExperimentVariant")

    key: Slug
    # Relative to the other variants; 0 assigns no new teens (exposed ones keep theirs). A
    # weight above 0 is at least MIN_WEIGHT (the domain's rule), and they cannot all be 0.
    weight: float = Field(
        ge=0,
        le=MAX_WEIGHT,
        allow_inf_nan=False,
        strict=True,
        description=f"0, or {MIN_WEIGHT:g} to {MAX_WEIGHT:g}; relative to the other variants",
    )
    params: VariantParamsIn = Field(default_factory=VariantParamsIn)


class TargetingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", title="ExperimentTargeting")

    countries: list[Country] | None = Field(None, min_length=1, max_length=MAX_TARGETS)
    timezones: list[Zone] | None = Field(None, min_length=1, max_length=MAX_TARGETS)
    languages: list[Language] | None = Field(
        None,
        min_length=1,
        max_length=MAX_LANGUAGES,
        description="BCP 47 tags; a teen's language matches its tag or base (`es` takes es-MX)",
    )


Variants = Annotated[list[VariantIn], Field(min_length=MIN_VARIANTS, max_length=MAX_VARIANTS)]


class ExperimentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", title="ExperimentCreate")

    key: Slug
    description: str = Field("", max_length=DESCRIPTION_MAX)
    traffic_percent: int = Field(ge=0, le=100, strict=True)
    variants: Variants
    targeting: TargetingIn | None = None


class ExperimentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", title="ExperimentPatch")

    status: StatusName | None = None
    description: str | None = Field(None, max_length=DESCRIPTION_MAX)
    traffic_percent: int | None = Field(None, ge=0, le=100, strict=True)
    variants: Variants | None = None
    targeting: TargetingIn | None = None


class KillSwitchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", title="KillSwitchChange")

    enabled: bool = Field(strict=True)
    reason: str = Field(min_length=1, max_length=500)


# --- To domain values -----------------------------------------------------------------------


def targeting(data: TargetingIn | None) -> Targeting:
    if data is None:
        return Targeting()
    return Targeting(
        frozenset(data.countries) if data.countries is not None else None,
        frozenset(data.timezones) if data.timezones is not None else None,
        languages(data.languages) if data.languages is not None else None,
    )


def languages(tags: list[str]) -> tuple[str, ...]:
    """Targeted tags as we write them (`es-mx` -> `es-MX`), in order, without repeats; a tag
    we do not speak stays as sent, for validation to name."""
    return tuple(dict.fromkeys(supported_tag(tag) or tag for tag in tags))


def variants(items: list[VariantIn]) -> tuple[Variant, ...]:
    """The variants with their parameters checked (`InvalidFieldsError` naming each one)."""
    result = []
    for index, item in enumerate(items):
        raw = item.params.model_dump(exclude_none=True, exclude_defaults=True)
        params = parse_params(raw, f"variants[{index}].params", supported_tag)
        result.append(Variant(item.key, item.weight or 0.0, params))  # -0.0 is kept as 0
    return tuple(result)


def definition(data: ExperimentCreate) -> Experiment:
    """The experiment a create request describes, as a draft."""
    return Experiment(
        key=data.key,
        status=Status.DRAFT,
        traffic_percent=data.traffic_percent,
        variants=variants(data.variants),
        targeting=targeting(data.targeting),
        description=data.description,
    )


def changes(data: ExperimentPatch) -> ExperimentChanges:
    """The change a patch describes; `targeting: null` sent on purpose clears the targeting."""
    return ExperimentChanges(
        status=Status(data.status) if data.status is not None else None,
        description=data.description,
        traffic_percent=data.traffic_percent,
        variants=variants(data.variants) if data.variants is not None else None,
        targeting=targeting(data.targeting) if "targeting" in data.model_fields_set else None,
    )
