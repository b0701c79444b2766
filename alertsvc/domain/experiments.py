"""Experiments: GrowthBook-compatible assignment, variant parameters and the conflict rule.

Assignment is GrowthBook's hash v2 with the experiment key as the seed, its bucket ranges and
`chooseVariation`, so an assignment can be reproduced with any GrowthBook SDK given the same
key, teen id, weights and coverage (`traffic_percent / 100`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# `decide()` owns the shape of what a variant changes; assignment produces it.
from alertsvc.domain.copy import (
    MAX_LANGUAGES,
    Speaks,
    copy_json,
    field_error,
    parse_copy,
    speaks_to,
    tags_meet,
)
from alertsvc.domain.decision import Arm, VariantParams
from alertsvc.domain.errors import FieldError, InvalidFieldsError
from alertsvc.domain.growthbook import bucket_ranges as bucket_ranges
from alertsvc.domain.growthbook import choose_variation as choose_variation
from alertsvc.domain.growthbook import fnv1a32 as fnv1a32
from alertsvc.domain.growthbook import gb_hash as gb_hash
from alertsvc.domain.message import msg
from alertsvc.domain.stats import proportions

KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
MIN_VARIANTS = 2
MAX_VARIANTS = 10
TITLE_MAX = 80
BODY_MAX = 240
MAX_TARGETS = 300
# Weights are relative. 0 stops assigning new teens to a variant; a weight above 0 is at
# least MIN_WEIGHT, so the smallest share (1e-7 with ten variants) keeps every expected count
# and chi-square term of the results comfortably finite.
MIN_WEIGHT = 0.001
MAX_WEIGHT = 1000
# Integer parameters a variant may override, with the SPEC §4.2 bounds (inclusive).
INT_PARAM_BOUNDS: Mapping[str, tuple[int, int]] = {
    "grace_minutes": (0, 120),
    "min_interval_minutes": (5, 480),
    "max_per_day": (1, 50),
}
PARAM_NAMES: tuple[str, ...] = ("title", "body", *INT_PARAM_BOUNDS, "holdout")

_KEY = re.compile(KEY_PATTERN)
_COUNTRY = re.compile(COUNTRY_PATTERN)


# --- Values ---------------------------------------------------------------------------------


class Status(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.RUNNING}),
    Status.RUNNING: frozenset({Status.PAUSED, Status.STOPPED}),
    Status.PAUSED: frozenset({Status.RUNNING, Status.STOPPED}),
    Status.STOPPED: frozenset(),
}


def can_transition(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


def set_params(params: VariantParams) -> frozenset[str]:
    """The parameter names a variant sets (`holdout` only when true)."""
    return frozenset(params_json(params))


def touched_params(params: VariantParams) -> frozenset[str]:
    """The parameters a variant decides for its teens; a holdout decides all of them."""
    return frozenset(PARAM_NAMES) if params.holdout else set_params(params)


def params_json(params: VariantParams) -> dict[str, Any]:
    """The overrides a variant sets, as shown (unset ones left out); a copy by language is an
    object in its given order."""
    data: dict[str, Any] = {
        name: getattr(params, name)
        for name in PARAM_NAMES
        if name != "holdout" and getattr(params, name) is not None
    }
    for name in ("title", "body"):
        if name in data:
            data[name] = copy_json(data[name])
    if params.holdout:
        data["holdout"] = True
    return data


@dataclass(frozen=True, slots=True)
class Variant:
    key: str
    weight: float
    params: VariantParams


@dataclass(frozen=True, slots=True)
class Targeting:
    """Who an experiment may reach; `None` means "any"."""

    countries: frozenset[str] | None = None
    timezones: frozenset[str] | None = None
    # Language tags, in the order given; a check's language matches its tag or base (`es`
    # takes `es-MX`).
    languages: tuple[str, ...] | None = None

    def matches(self, country: str | None, timezone: str, language: str | None = None) -> bool:
        """Whether a teen in `country` and `timezone`, reading `language` (a BCP 47 tag; None
        when unknown, which no language targeting takes), may be in the experiment."""
        if self.countries is not None and (country or "").upper() not in self.countries:
            return False
        if self.languages is not None and not speaks_to(self.languages, language):
            return False
        return self.timezones is None or timezone in self.timezones

    def overlaps(self, other: Targeting) -> bool:
        """Whether some teen could match both (a country, a zone and a language in both, or
        "any")."""
        return (
            _sets_meet(self.countries, other.countries)
            and _sets_meet(self.timezones, other.timezones)
            and tags_meet(self.languages, other.languages)
        )

    def to_json(self) -> dict[str, Any] | None:
        if self.countries is None and self.timezones is None and self.languages is None:
            return None
        return {
            "countries": sorted(self.countries) if self.countries is not None else None,
            "timezones": sorted(self.timezones) if self.timezones is not None else None,
            "languages": list(self.languages) if self.languages is not None else None,
        }


def _sets_meet(a: frozenset[str] | None, b: frozenset[str] | None) -> bool:
    return a is None or b is None or not a.isdisjoint(b)


@dataclass(frozen=True, slots=True)
class Experiment:
    key: str
    status: Status
    traffic_percent: int
    variants: tuple[Variant, ...]
    targeting: Targeting = Targeting()
    description: str = ""
    # Which of the experiment's weight settings is in force; an exposure records it.
    weights_version: int = 0

    @property
    def coverage(self) -> float:
        return self.traffic_percent / 100

    def normalized_weights(self) -> list[float]:
        """Each variant's share of new teens (all 0 when every weight is 0)."""
        return proportions([v.weight for v in self.variants])

    def weights(self) -> dict[str, float]:
        return {v.key: v.weight for v in self.variants}

    def variant(self, key: str) -> Variant | None:
        return next((v for v in self.variants if v.key == key), None)

    def touched_params(self) -> frozenset[str]:
        touched: frozenset[str] = frozenset()
        for variant in self.variants:
            touched |= touched_params(variant.params)
        return touched


# --- Assignment -----------------------------------------------------------------------------


def bucket(experiment: Experiment, teen_id: str) -> float:
    """The teen's hash v2 position for this experiment (seed = experiment key)."""
    n = gb_hash(experiment.key, teen_id, 2)
    assert n is not None  # noqa: S101 - version 2 always hashes
    return n


def hashed_variant(experiment: Experiment, teen_id: str) -> str | None:
    """The variant the hash picks, ignoring targeting; None outside the traffic coverage.
    A variant of weight 0 has an empty range, so it is never picked; with every weight 0
    nobody is (GrowthBook would fall back to equal weights)."""
    shares = experiment.normalized_weights()
    if not any(shares):
        return None
    ranges = bucket_ranges(len(experiment.variants), experiment.coverage, shares)
    index = choose_variation(bucket(experiment, teen_id), ranges)
    return experiment.variants[index].key if index >= 0 else None


def assign(
    experiment: Experiment,
    teen_id: str,
    country: str | None,
    timezone: str,
    language: str | None = None,
) -> str | None:
    """The teen's variant key, or None when targeting excludes them or they fall outside
    coverage. Stateless: callers keep the first answer (the exposure) to make it sticky."""
    if not teen_id or not experiment.targeting.matches(country, timezone, language):
        return None
    return hashed_variant(experiment, teen_id)


def conflicting_params(a: Experiment, b: Experiment) -> frozenset[str]:
    """Parameters both experiments could set for one teen (empty when they cannot meet).

    Traffic is deliberately ignored: each experiment hashes with its own seed, so any two
    non-zero coverages share teens, and a coverage may be raised while running."""
    if a.key == b.key or not a.targeting.overlaps(b.targeting):
        return frozenset()
    return a.touched_params() & b.touched_params()


def merge_arms(arms: Sequence[Arm]) -> Arm | None:
    """One arm for a teen in several running experiments.

    Running experiments never set the same parameter for one teen, so merging is a union; the
    result carries the first arm's keys (callers order arms by experiment key). A holdout in
    any arm makes the merged arm a holdout. Should two arms still set one parameter (a race
    between two admins starting experiments), the first arm's value wins."""
    if not arms:
        return None
    merged: dict[str, Any] = {}
    for arm in arms:
        for name in PARAM_NAMES:
            value = getattr(arm.params, name)
            if value is not None and value is not False:
                merged.setdefault(name, value)
    first = arms[0]
    return Arm(first.experiment_key, first.variant_key, VariantParams(**merged))


def expected_exposures(
    variants: Sequence[Variant],
    exposed: Mapping[int, Mapping[str, int]],
    history: Sequence[Mapping[str, float]],
) -> list[float]:
    """The number of exposed teens each variant should hold if assignment followed the weights
    in force when each teen was exposed: `exposed` counts teens by weights version and
    variant, `history[version]` is that version's weights. A version missing from the history
    (data stored before versions were kept) is compared with the current weights."""
    current = [v.weight for v in variants]
    expected = [0.0] * len(variants)
    for version, counts in exposed.items():
        teens = sum(counts.values())
        weights = history[version] if 0 <= version < len(history) else None
        in_force = current if weights is None else [weights.get(v.key, 0.0) for v in variants]
        for index, share in enumerate(proportions(in_force)):
            expected[index] += teens * share
    return expected


# --- Validation -----------------------------------------------------------------------------


def parse_params(
    raw: Mapping[str, Any], path: str = "params", speaks: Speaks | None = None
) -> VariantParams:
    """Validate a variant's `params` object; unknown names and bound violations are errors.
    `title` and `body` are a string or an object by language (`speaks` judges the tags)."""
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    for name, value in raw.items():
        where = f"{path}.{name}"
        if name not in PARAM_NAMES:
            errors.append(field_error(where, msg("unknown field")))
        elif name in ("title", "body"):
            limit = TITLE_MAX if name == "title" else BODY_MAX
            copy, wrong = parse_copy(value, where, limit, speaks)
            errors += wrong
            values[name] = copy
        elif name == "holdout":
            if not isinstance(value, bool):
                errors.append(field_error(where, msg("must be true or false")))
            else:
                values[name] = value
        else:
            low, high = INT_PARAM_BOUNDS[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                rule = msg("must be an integer from %(low)d to %(high)d", low=low, high=high)
                errors.append(field_error(where, rule))
            else:
                values[name] = value
    if errors:
        raise InvalidFieldsError(errors)
    return VariantParams(**values)


WEIGHT_RULE = msg(
    "must be 0, or a number from %(low)s to %(high)s",
    low=format(MIN_WEIGHT, "g"),
    high=format(MAX_WEIGHT, "g"),
)


def weight_is_valid(weight: float) -> bool:
    """0 (no new teens), or from MIN_WEIGHT to MAX_WEIGHT."""
    return weight == 0 or (math.isfinite(weight) and MIN_WEIGHT <= weight <= MAX_WEIGHT)


def _variant_errors(variants: Sequence[Variant]) -> list[FieldError]:
    errors: list[FieldError] = []
    if not MIN_VARIANTS <= len(variants) <= MAX_VARIANTS:
        rule = msg("must have %(low)d to %(high)d variants", low=MIN_VARIANTS, high=MAX_VARIANTS)
        errors.append(field_error("variants", rule))
    seen: set[str] = set()
    for index, variant in enumerate(variants):
        where = f"variants[{index}].key"
        if not _KEY.match(variant.key):
            errors.append(field_error(where, msg("must be a slug of 1-64 characters")))
        elif variant.key in seen:
            errors.append(field_error(where, msg("duplicates another variant key")))
        seen.add(variant.key)
        if not weight_is_valid(variant.weight):
            errors.append(FieldError(f"variants[{index}].weight", WEIGHT_RULE))
    if variants and all(v.weight == 0 for v in variants):
        errors += [
            field_error(
                f"variants[{index}].weight", msg("at least one variant needs a weight above 0")
            )
            for index in range(len(variants))
        ]
    return errors


def _targeting_errors(targeting: Targeting, speaks: Speaks | None) -> list[FieldError]:
    errors: list[FieldError] = []
    for name, values, most in (
        ("countries", targeting.countries, MAX_TARGETS),
        ("timezones", targeting.timezones, MAX_TARGETS),
        ("languages", targeting.languages, MAX_LANGUAGES),
    ):
        if values is not None and not 1 <= len(values) <= most:
            errors.append(
                field_error(f"targeting.{name}", msg("must list 1 to %(most)d", most=most))
            )
    errors += [
        field_error(
            "targeting.countries",
            msg("%(code)s is not an ISO 3166-1 alpha-2 code", code=repr(country)),
        )
        for country in sorted(targeting.countries or ())
        if not _COUNTRY.match(country)
    ]
    if speaks is not None:
        errors += [
            field_error(
                f"targeting.languages[{index}]",
                msg("%(tag)s is not a language we speak", tag=repr(tag)),
            )
            for index, tag in enumerate(targeting.languages or ())
            if speaks(tag) != tag
        ]
    return errors


def definition_errors(
    key: str,
    traffic_percent: int,
    variants: Sequence[Variant],
    targeting: Targeting,
    speaks: Speaks | None = None,
) -> list[FieldError]:
    """Every problem of an experiment definition, single fields included, so pages that skip
    the JSON models get the same rules. `speaks` judges the targeted languages' tags."""
    errors: list[FieldError] = []
    if not _KEY.match(key):
        errors.append(
            field_error("key", msg("must be a slug: a-z, 0-9, '-' or '_', 1-64 characters"))
        )
    if not 0 <= traffic_percent <= 100:
        errors.append(field_error("traffic_percent", msg("must be from 0 to 100")))
    return errors + _variant_errors(variants) + _targeting_errors(targeting, speaks)


def control_variant(experiment: Experiment) -> Variant | None:
    """The variant others are compared with: the first that nudges (a holdout gets no nudges,
    so per-nudge rates cannot be compared with it)."""
    return next((v for v in experiment.variants if not v.params.holdout), None)
