"""An experiment's results: per variant, exposed teens, nudges, acks, rates with 95% intervals,
the difference from the control, and the sample-ratio-mismatch test."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field

from alertsvc.api.admin.blueprint import TAGS, blueprint
from alertsvc.api.auth import require_admin
from alertsvc.api.io import Doc, documented, json_response
from alertsvc.domain.stats import Interval, SampleRatio
from alertsvc.http import edge
from alertsvc.services import experiments
from alertsvc.services.experiments import ExperimentResults, VariantResult


class IntervalOut(BaseModel):
    model_config = ConfigDict(title="RateInterval")

    estimate: float
    low: float
    high: float

    @classmethod
    def of(cls, value: Interval | None) -> IntervalOut | None:
        if value is None:
            return None
        return cls(estimate=value.estimate, low=value.low, high=value.high)


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

    @classmethod
    def of(cls, variant: VariantResult) -> VariantResultOut:
        return cls(
            key=variant.key,
            weight=variant.weight,
            holdout=variant.holdout,
            exposed_teens=variant.exposed_teens,
            nudges=variant.nudges,
            acks=dict(variant.acks),
            rates={k: IntervalOut.of(i) for k, i in variant.rates.items()},
            vs_control={k: IntervalOut.of(i) for k, i in variant.vs_control.items()},
        )


class SampleRatioOut(BaseModel):
    model_config = ConfigDict(title="SampleRatio")

    chi_square: float
    p_value: float
    mismatch: bool = Field(description="p < 0.001: assignment or exposure logging is broken")

    @classmethod
    def of(cls, srm: SampleRatio) -> SampleRatioOut:
        return cls(chi_square=srm.chi_square, p_value=srm.p_value, mismatch=srm.mismatch)


class ResultsOut(BaseModel):
    model_config = ConfigDict(title="ExperimentResults")

    key: str
    status: str
    control: str | None
    computed_at: datetime
    source: Literal["rollup", "live"]
    srm: SampleRatioOut
    variants: list[VariantResultOut]

    @classmethod
    def of(cls, results: ExperimentResults) -> ResultsOut:
        return cls(
            key=results.key,
            status=results.status.value,
            control=results.control,
            computed_at=results.computed_at,
            source="rollup" if results.source == "rollup" else "live",
            srm=SampleRatioOut.of(results.srm),
            variants=[VariantResultOut.of(v) for v in results.variants],
        )


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
    results = experiments.experiment_results(edge.db(), key, edge.now())
    return json_response(ResultsOut.of(results))
