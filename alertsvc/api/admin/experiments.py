"""Experiments: create, list, read and change them (status, weights, params, traffic,
targeting). Inputs are `services.inputs.experiments`'s models; answers are `ExperimentOut`."""

from __future__ import annotations

from datetime import datetime

from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict

from alertsvc.api.admin.blueprint import TAGS, blueprint
from alertsvc.api.auth import require_admin
from alertsvc.api.io import Doc, documented, json_response, parse_json
from alertsvc.domain.experiments import Targeting, params_json
from alertsvc.http import edge
from alertsvc.services import experiments
from alertsvc.services.experiments import StoredExperiment
from alertsvc.services.inputs import experiments as inputs
from alertsvc.services.inputs.experiments import ExperimentCreate, ExperimentPatch, StatusName


class VariantOut(BaseModel):
    model_config = ConfigDict(title="ExperimentVariantOut")

    key: str
    weight: float
    # `title` and `body` are a string, or an object by language in the order given.
    params: dict[str, str | int | bool | dict[str, str]]


class TargetingOut(BaseModel):
    model_config = ConfigDict(title="ExperimentTargetingOut")

    countries: list[str] | None
    timezones: list[str] | None
    languages: list[str] | None = None

    @classmethod
    def of(cls, targeting: Targeting) -> TargetingOut | None:
        """None when the experiment may reach anyone."""
        shown = targeting.to_json()
        return None if shown is None else cls.model_validate(shown)


class ExperimentOut(BaseModel):
    model_config = ConfigDict(title="Experiment")

    key: str
    description: str
    status: StatusName
    traffic_percent: int
    variants: list[VariantOut]
    targeting: TargetingOut | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, stored: StoredExperiment) -> ExperimentOut:
        experiment = stored.experiment
        return cls(
            key=experiment.key,
            description=experiment.description,
            status=experiment.status.value,
            traffic_percent=experiment.traffic_percent,
            variants=[
                VariantOut(key=v.key, weight=v.weight, params=params_json(v.params))
                for v in experiment.variants
            ],
            targeting=TargetingOut.of(experiment.targeting),
            created_at=stored.created_at,
            updated_at=stored.updated_at,
        )


def _answer(stored: StoredExperiment, status: int = 200) -> ResponseReturnValue:
    return json_response(ExperimentOut.of(stored), status)


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
    definition = inputs.definition(parse_json(ExperimentCreate))
    session = edge.db()
    stored = experiments.create_experiment(session, definition, identity.email, edge.now())
    session.commit()
    return _answer(stored, 201)


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
    listed = experiments.list_experiments(edge.db())
    return json_response([ExperimentOut.of(s) for s in listed])


@blueprint.get("/v1/admin/experiments/<key>")
@documented(Doc("One experiment", auth="admin", responses={200: ExperimentOut}, tags=TAGS))
def get_experiment(key: str) -> ResponseReturnValue:
    require_admin()
    return _answer(experiments.get_experiment(edge.db(), key))


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
    changes = inputs.changes(parse_json(ExperimentPatch))
    session = edge.db()
    stored = experiments.update_experiment(session, key, changes, identity.email, edge.now())
    session.commit()
    return _answer(stored)
