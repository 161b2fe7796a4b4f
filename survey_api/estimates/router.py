"""HTTP endpoints for indices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from survey_api.deps import AnalystUser, SessionDep, SettingsDep
from survey_api.estimates import service
from survey_api.estimates.params import IndexParams
from survey_api.estimates.schemas import IndicesOut
from survey_api.routing import CommittingRoute

router = APIRouter(prefix="/api/v1/indices", tags=["indices"], route_class=CommittingRoute)


@router.get("", response_model=IndicesOut, response_model_exclude_unset=True)
def get_indices(
    session: SessionDep, settings: SettingsDep, user: AnalystUser, params: Annotated[IndexParams, Query()]
) -> IndicesOut:
    """The satisfaction index at every level, aggregated as the instrument's index definition says.

    Weighted results add SEs, CIs ([low, high]), design effects, effective n and flags per level, and
    name the weighting run; QR and web responses have no sample design and are weighted by
    post-stratification or raking to the margins only (the run's note says so). Interviews of a sampling
    plan's lists are adjusted for non-response by cell; trimming applies after the margins.
    """
    return service.indices(session, params, viewer=user, settings=settings)
