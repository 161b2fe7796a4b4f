"""HTTP endpoint of rankings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from survey_api.deps import AnalystUser, SessionDep, SettingsDep
from survey_api.rankings import service
from survey_api.rankings.schemas import RankingOut, RankingParams
from survey_api.routing import CommittingRoute

router = APIRouter(prefix="/api/v1/rankings", tags=["rankings"], route_class=CommittingRoute)


@router.get("", response_model=RankingOut)
def get_ranking(
    session: SessionDep, settings: SettingsDep, user: AnalystUser, params: Annotated[RankingParams, Query()]
) -> RankingOut:
    """Units ranked by % satisfied for an instrument and period, each with its plausible rank range and tier;
    units with too few respondents are listed apart (`not_ranked`)."""
    return service.ranking(session, params, viewer=user, settings=settings)
