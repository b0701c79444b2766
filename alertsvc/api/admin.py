"""Admin JSON API: experiments, their results, the kill switch and the audit log (SPEC §5)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field

from alertsvc.api.auth import require_admin
from alertsvc.api.io import Doc, documented, json_response, parse_json, validate
from alertsvc.domain.errors import InvalidFieldsError
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
    params_json,
    parse_params,
)
from alertsvc.domain.stats import Interval
from alertsvc.http import edge
from alertsvc.http.problems import conflict, not_found, validation_problem
from alertsvc.services import audit, flags
from alertsvc.services import experiments as service
from alertsvc.services.experiments import ExperimentChanges, ExperimentResults, StoredExperiment

blueprint = Blueprint("api_admin", __name__)

TAGS = ("admin",)
Slug = Annotated[str, Field(min_length=1, max_length=64, pattern=KEY_PATTERN)]
Country = Annotated[str, Field(pattern=COUNTRY_PATTERN)]
Zone = Annotated[str, Field(min_length=1, max_length=64)]


def _bounded(name: str) -> Any:
    low, high = INT_PARAM_BOUNDS[name]
    return Field(None, ge=low, le=high, strict=True)


# --- Request models -------------------------------------------------------------------------


class VariantParamsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", title="ExperimentVariantParams")

    title: str | None = Field(None, min_length=1, max_length=TITLE_MAX)
    body: str | None = Field(None, min_length=1, max_length=BODY_MAX)
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


Variants = Annotated[list[VariantIn], Field(min_length=MIN_VARIANTS, max_length=MAX_VARIANTS)]


class ExperimentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", title="ExperimentCreate")

    key: Slug
    description: str = Field("", max_length=500)
    traffic_percent: int = Field(ge=0, le=100, strict=True)
    variants: Variants
    targeting: TargetingIn | None = None


class ExperimentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", title="ExperimentPatch")

    status: Literal["draft", "running", "paused", "stopped"] | None = None
    description: str | None = Field(None, max_length=500)
    traffic_percent: int | None = Field(None, ge=0, le=100, strict=True)
    variants: Variants | None = None
    targeting: TargetingIn | None = None


class KillSwitchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", title="KillSwitchChange")

    enabled: bool = Field(strict=True)
    reason: str = Field(min_length=1, max_length=500)


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", title="AuditQuery")

    limit: int = Field(50, ge=1, le=audit.MAX_LIMIT)


# --- Response models ------------------------------------------------------------------------


class VariantOut(BaseModel):
    model_config = ConfigDict(title="ExperimentVariantOut")

    key: str
    weight: float
    params: dict[str, str | int | bool]


class TargetingOut(BaseModel):
    model_config = ConfigDict(title="ExperimentTargetingOut")

    countries: list[str] | None
    timezones: list[str] | None


class ExperimentOut(BaseModel):
    model_config = ConfigDict(title="Experiment")

    key: str
    description: str
    status: Literal["draft", "running", "paused", "stopped"]
    traffic_percent: int
    variants: list[VariantOut]
    targeting: TargetingOut | None
    created_at: datetime
    updated_at: datetime


class IntervalOut(BaseModel):
    model_config = ConfigDict(title="RateInterval")

    estimate: float
    low: float
    high: float


class VariantResultOut(BaseModel):
    model_config = ConfigDict(title="ExperimentVariantResult")

    key: str
    weight: float = Field(description="Share of the experiment's teens, 0-1")
    holdout: bool
    exposed_teens: int
    nudges: int
    acks: dict[str, int]
    rates: dict[str, IntervalOut | None] = Field(
        description="Acks per nudge with Wilson 95% intervals; null without nudges"
    )
    vs_control: dict[str, IntervalOut | None] = Field(
        description="Rate minus the control's, Newcombe hybrid-score 95% interval"
    )


class SampleRatioOut(BaseModel):
    model_config = ConfigDict(title="SampleRatio")

    chi_square: float
    p_value: float
    mismatch: bool = Field(description="p < 0.001: assignment or exposure logging is broken")


class ResultsOut(BaseModel):
    model_config = ConfigDict(title="ExperimentResults")

    key: str
    status: str
    control: str | None
    computed_at: datetime
    source: Literal["rollup", "live"]
    srm: SampleRatioOut
    variants: list[VariantResultOut]


class KillSwitchOut(BaseModel):
    model_config = ConfigDict(title="KillSwitch")

    enabled: bool
    reason: str
    updated_at: datetime | None
    updated_by: str | None


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(title="AuditEntry")

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


# --- Translation ----------------------------------------------------------------------------


def _targeting(data: TargetingIn | None) -> Targeting:
    if data is None:
        return Targeting()
    return Targeting(
        frozenset(data.countries) if data.countries is not None else None,
        frozenset(data.timezones) if data.timezones is not None else None,
    )


def _variants(items: list[VariantIn]) -> tuple[Variant, ...]:
    variants = []
    for index, item in enumerate(items):
        raw = item.params.model_dump(exclude_none=True, exclude_defaults=True)
        params = parse_params(raw, f"variants[{index}].params")
        variants.append(Variant(item.key, item.weight or 0.0, params))  # -0.0 is kept as 0
    return tuple(variants)


def _experiment_out(stored: StoredExperiment) -> dict[str, Any]:
    experiment = stored.experiment
    out = ExperimentOut(
        key=experiment.key,
        description=experiment.description,
        status=experiment.status.value,
        traffic_percent=experiment.traffic_percent,
        variants=[
            VariantOut(key=v.key, weight=v.weight, params=params_json(v.params))
            for v in experiment.variants
        ],
        targeting=(
            TargetingOut.model_validate(experiment.targeting.to_json())
            if experiment.targeting.to_json() is not None
            else None
        ),
        created_at=stored.created_at,
        updated_at=stored.updated_at,
    )
    return out.model_dump(mode="json")


def _interval(value: Interval | None) -> IntervalOut | None:
    if value is None:
        return None
    return IntervalOut(estimate=value.estimate, low=value.low, high=value.high)


def _results_out(results: ExperimentResults) -> dict[str, Any]:
    out = ResultsOut(
        key=results.key,
        status=results.status.value,
        control=results.control,
        computed_at=results.computed_at,
        source="rollup" if results.source == "rollup" else "live",
        srm=SampleRatioOut(
            chi_square=results.srm.chi_square,
            p_value=results.srm.p_value,
            mismatch=results.srm.mismatch,
        ),
        variants=[
            VariantResultOut(
                key=v.key,
                weight=v.weight,
                holdout=v.holdout,
                exposed_teens=v.exposed_teens,
                nudges=v.nudges,
                acks=dict(v.acks),
                rates={k: _interval(i) for k, i in v.rates.items()},
                vs_control={k: _interval(i) for k, i in v.vs_control.items()},
            )
            for v in results.variants
        ],
    )
    return out.model_dump(mode="json")


def _kill_switch_out(switch: flags.KillSwitch) -> dict[str, Any]:
    out = KillSwitchOut(
        enabled=switch.enabled,
        reason=switch.reason,
        updated_at=switch.updated_at,
        updated_by=switch.updated_by,
    )
    return out.model_dump(mode="json")


@contextmanager
def _answers() -> Iterator[None]:
    """Service errors as problems: 404 unknown key, 409 conflicts, 422 invalid fields."""
    try:
        yield
    except InvalidFieldsError as exc:
        raise validation_problem(exc.errors) from None
    except service.ExperimentNotFoundError:
        raise not_found("experiment") from None
    except service.ExperimentExistsError:
        raise conflict("An experiment with this key already exists.") from None
    except service.ExperimentConflictError as exc:
        raise conflict(str(exc)) from None


# --- Routes ---------------------------------------------------------------------------------


@blueprint.post("/v1/admin/experiments")
@documented(
    Doc(
        "Create an experiment (it starts as a draft)",
        auth="admin",
        body=ExperimentCreate,
        responses={201: ExperimentOut},
        tags=TAGS,
    )
)
def create_experiment() -> ResponseReturnValue:
    identity = require_admin()
    data = parse_json(ExperimentCreate)
    session = edge.db()
    with _answers():
        definition = Experiment(
            key=data.key,
            status=Status.DRAFT,
            traffic_percent=data.traffic_percent,
            variants=_variants(data.variants),
            targeting=_targeting(data.targeting),
            description=data.description,
        )
        stored = service.create_experiment(session, definition, identity.email, edge.now())
    session.commit()
    return json_response(_experiment_out(stored), 201)


@blueprint.get("/v1/admin/experiments")
@documented(
    Doc(
        "List experiments, newest first",
        auth="admin",
        responses={200: list[ExperimentOut]},
        tags=TAGS,
    )
)
def list_experiments() -> ResponseReturnValue:
    require_admin()
    return json_response([_experiment_out(s) for s in service.list_experiments(edge.db())])


@blueprint.get("/v1/admin/experiments/<key>")
@documented(Doc("One experiment", auth="admin", responses={200: ExperimentOut}, tags=TAGS))
def get_experiment(key: str) -> ResponseReturnValue:
    require_admin()
    stored = service.get_experiment(edge.db(), key)
    if stored is None:
        raise not_found("experiment")
    return json_response(_experiment_out(stored))


@blueprint.patch("/v1/admin/experiments/<key>")
@documented(
    Doc(
        "Change an experiment: status (draft → running ⇄ paused → stopped), weights, params, "
        "traffic, targeting, description",
        auth="admin",
        body=ExperimentPatch,
        responses={200: ExperimentOut},
        tags=TAGS,
    )
)
def patch_experiment(key: str) -> ResponseReturnValue:
    identity = require_admin()
    data = parse_json(ExperimentPatch)
    session = edge.db()
    with _answers():
        changes = ExperimentChanges(
            status=Status(data.status) if data.status is not None else None,
            description=data.description,
            traffic_percent=data.traffic_percent,
            variants=_variants(data.variants) if data.variants is not None else None,
            targeting=(
                _targeting(data.targeting) if "targeting" in data.model_fields_set else None
            ),
        )
        stored = service.update_experiment(session, key, changes, identity.email, edge.now())
    session.commit()
    return json_response(_experiment_out(stored))


@blueprint.get("/v1/admin/experiments/<key>/results")
@documented(
    Doc(
        "Results per variant: exposed teens, nudges, acks, rates with 95% intervals, "
        "difference from the control, sample-ratio-mismatch test",
        auth="admin",
        responses={200: ResultsOut},
        tags=TAGS,
    )
)
def experiment_results(key: str) -> ResponseReturnValue:
    require_admin()
    with _answers():
        results = service.experiment_results(edge.db(), key, edge.now())
    return json_response(_results_out(results))


@blueprint.get("/v1/admin/kill-switch")
@documented(
    Doc("The operator kill switch", auth="admin", responses={200: KillSwitchOut}, tags=TAGS)
)
def get_kill_switch() -> ResponseReturnValue:
    require_admin()
    return json_response(_kill_switch_out(flags.get_kill_switch(edge.db())))


@blueprint.put("/v1/admin/kill-switch")
@documented(
    Doc(
        "Turn the kill switch on or off; while on, every check answers `disabled`",
        auth="admin",
        body=KillSwitchIn,
        responses={200: KillSwitchOut},
        tags=TAGS,
    )
)
def put_kill_switch() -> ResponseReturnValue:
    identity = require_admin()
    data = parse_json(KillSwitchIn)
    session = edge.db()
    switch = flags.set_kill_switch(session, data.enabled, data.reason, identity.email, edge.now())
    session.commit()
    return json_response(_kill_switch_out(switch))


@blueprint.get("/v1/admin/audit")
@documented(
    Doc(
        "The audit log, newest first: every admin and automatic change",
        auth="admin",
        query=AuditQuery,
        responses={200: list[AuditEntryOut]},
        tags=TAGS,
    )
)
def list_audit() -> ResponseReturnValue:
    require_admin()
    query = validate(AuditQuery, request.args.to_dict())
    entries = audit.list_audit(edge.db(), query.limit)
    return json_response(
        [
            AuditEntryOut(
                id=e.id,
                at=e.at,
                actor=e.actor,
                action=e.action,
                target=e.target,
                before=e.before,
                after=e.after,
            ).model_dump(mode="json")
            for e in entries
        ]
    )
