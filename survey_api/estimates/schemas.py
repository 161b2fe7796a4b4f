"""API shapes of index results.

Unweighted results keep their original shape; the fields that only weighted results carry (standard
errors, CIs, design effects, flags, the weighting run) are left out of unweighted ones.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class LevelOut(BaseModel):
    code: str
    label: str
    label_en: str | None = None
    satisfied: float | None
    mean: float | None
    n: int = Field(description="Answers counted at this level (items × respondents)")
    respondents: int | None = None
    satisfied_se: float | None = None
    satisfied_ci: list[float | None] | None = Field(default=None, description="[low, high]")
    mean_se: float | None = None
    mean_ci: list[float | None] | None = None
    deff: float | None = Field(default=None, description="Design effect of % satisfied")
    n_eff: float | None = Field(default=None, description="Kish effective number of respondents")
    flags: list[str] | None = Field(
        default=None, description="few_answers: fewer respondents than the minimum; boundary: 0% or 100%"
    )


class WeightingRunOut(BaseModel):
    id: int
    method: str = Field(
        description="Steps joined by +: design, nonresponse, poststratify or rake, trim (e.g. design+nonresponse+"
        "rake+trim); none"
    )
    margins: dict[str, Any]
    params: dict[str, Any] = Field(default_factory=dict, description="lonely_psu, fpc, nonresponse, trim, …")
    diagnostics: dict[str, Any] = Field(
        description="Weights: n, total, minimum, maximum, mean, cv, max_min_ratio, kish_deff, n_eff; raking "
        "convergence; nonresponse: factor per cell; trim: bounds and number trimmed"
    )
    note: str | None = Field(
        default=None, description="E.g. that responses without a design are weighted by the margins only"
    )


class TargetOut(BaseModel):
    value: float
    met: bool | None


class SourceShare(BaseModel):
    unit: str = Field(description="A unit of the earlier map")
    share: float = Field(description="The share of its results re-aggregated into this one (the crosswalk's)")


class PreviousPeriodOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    start: date = Field(alias="from")
    end: date = Field(alias="to")
    responses: int
    satisfied: float | None
    satisfied_se: float | None = None
    change: float | None
    significant: bool | None = Field(
        description="Whether the change is beyond sampling error at the 95% level (two-sided t test, p_value < "
        "0.05). When the same PSUs (same stratum and PSU labels) answer in both periods, both periods are domains "
        "of one design over their rows and the covariance of the two estimates is subtracted (R: svyby(covmat="
        "TRUE) + svycontrast; df of that design); otherwise the samples are independent (QR answers, fresh "
        "samples): variances and df add. Null without standard errors (unweighted results)"
    )
    samples: Literal["same_psus", "independent"] | None = Field(
        default=None, description="How the two periods' samples relate, as the test took them"
    )
    change_se: float | None = Field(default=None, description="Standard error of the change")
    change_ci: list[float | None] | None = Field(default=None, description="[low, high] of the change (t interval)")
    change_df: int | None = Field(default=None, description="Degrees of freedom of the test (null: normal test)")
    p_value: float | None = Field(default=None, description="Two-sided p-value of the change against 0")
    weighting_run: int | None = None
    reaggregated_from: list[SourceShare] | None = Field(
        default=None,
        description="Set when the unit's map changed between the periods: the comparison is on the current map, "
        "the earlier period's results of these units re-aggregated through the crosswalk with these shares",
    )


class BreakdownOut(BaseModel):
    group: dict[str, str]
    responses: int
    overall: LevelOut
    groups: list[LevelOut]
    elements: list[LevelOut]
    items: list[LevelOut]
    reaggregated_from: list[SourceShare] | None = Field(
        default=None,
        description="by=unit: results of units closed before the period's last day, re-aggregated onto this unit "
        "of that day's map through the crosswalk with these shares",
    )


class IndicesOut(BaseModel):
    instrument: str
    version: int
    filters: dict[str, str | None]
    weighted: bool
    responses: int
    overall: LevelOut
    groups: list[LevelOut]
    elements: list[LevelOut]
    items: list[LevelOut]
    weighting_run: WeightingRunOut | None = None
    target: TargetOut | None = None
    previous_period: PreviousPeriodOut | None = None
    breakdown: list[BreakdownOut] | None = None
