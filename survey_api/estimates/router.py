"""HTTP endpoints for indices."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from survey_api.deps import AnalystUser, SessionDep, SettingsDep
from survey_api.estimates import service
from survey_api.estimates.nonresponse import Cells
from survey_api.estimates.schemas import IndicesOut
from survey_api.estimates.weighting import Options
from survey_api.params import FromQuery, ToQuery, VersionQuery
from survey_api.routing import CommittingRoute

router = APIRouter(prefix="/api/v1/indices", tags=["indices"], route_class=CommittingRoute)


@router.get("", response_model=IndicesOut, response_model_exclude_unset=True)
def get_indices(
    session: SessionDep,
    settings: SettingsDep,
    user: AnalystUser,
    instrument: Annotated[str, Query(description="Instrument code, e.g. sipas")],
    version: VersionQuery = None,
    unit: Annotated[str | None, Query(description="Org unit code; includes the units below it")] = None,
    service_point: Annotated[str | None, Query(description="Service point code")] = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
    weighted: Annotated[
        bool | None,
        Query(description="Weights from the design and margins; default true when either exists"),
    ] = None,
    by: Annotated[
        service.Breakdown | None, Query(description="Domain estimates by unit, sex, age_group, channel or period")
    ] = None,
    period: Annotated[service.PeriodLength, Query(description="Period breakdown: month or quarter")] = "month",
    target: Annotated[
        float | None, Query(ge=0, le=1, description="Target share satisfied; default the sector's (settings)")
    ] = None,
    nonresponse: Annotated[
        Literal["cell", "none"] | None,
        Query(
            description="Non-response adjustment of interviews from a sampling plan's lists, by cell; default: "
            "applied when the responses come from a plan with contact outcomes"
        ),
    ] = None,
    nonresponse_cells: Annotated[
        Cells, Query(description="Non-response cells: the plan's strata (default) or its PSUs")
    ] = "stratum",
    trim_lower: Annotated[
        float | None, Query(ge=0, lt=1, description="Trim weights below this multiple of the mean weight")
    ] = None,
    trim_upper: Annotated[
        float | None, Query(gt=1, description="Trim weights above this multiple of the mean weight, e.g. 3.5")
    ] = None,
    trim_strict: Annotated[bool, Query(description="Repeat trimming until no weight is outside")] = False,
) -> IndicesOut:
    """The satisfaction index at every level, aggregated as the instrument's index definition says.

    Weighted results add SEs, CIs ([low, high]), design effects, effective n and flags per level, and
    name the weighting run; QR and web responses have no sample design and are weighted by
    post-stratification or raking to the margins only (the run's note says so). Interviews of a sampling
    plan's lists are adjusted for non-response by cell; trimming applies after the margins.
    """
    return service.indices(
        session,
        instrument,
        viewer=user,
        version=version,
        unit=unit,
        service_point=service_point,
        date_from=date_from,
        date_to=date_to,
        weighted=weighted,
        by=by,
        period=period,
        target=target,
        settings=settings,
        options=Options(nonresponse, nonresponse_cells, trim_lower, trim_upper, trim_strict),
    )
