"""HTTP endpoints for indices."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from survey_api.deps import AnalystUser, SessionDep, SettingsDep
from survey_api.estimates import service
from survey_api.estimates.schemas import IndicesOut

router = APIRouter(prefix="/api/v1/indices", tags=["indices"])


@router.get("", response_model=IndicesOut, response_model_exclude_unset=True)
def get_indices(
    session: SessionDep,
    settings: SettingsDep,
    user: AnalystUser,
    instrument: Annotated[str, Query(description="Instrument code, e.g. sipas")],
    version: Annotated[int | None, Query(description="Version number; default the latest published")] = None,
    unit: Annotated[str | None, Query(description="Org unit code; includes the units below it")] = None,
    service_point: Annotated[str | None, Query(description="Service point code")] = None,
    date_from: Annotated[date | None, Query(alias="from", description="First day, YYYY-MM-DD")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Last day, YYYY-MM-DD")] = None,
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
) -> IndicesOut:
    """The satisfaction index at every level, aggregated as the instrument's index definition says.

    Weighted results add SEs, CIs ([low, high]), design effects, effective n and flags per level, and
    name the weighting run; QR and web responses have no sample design and are weighted by
    post-stratification or raking to the margins only.
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
    )
