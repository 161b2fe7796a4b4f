"""HTTP endpoints for org units."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from survey_api.deps import CurrentUser, SessionDep
from survey_api.params import FIRST_DAY, LAST_DAY, Day
from survey_api.routing import CommittingRoute
from survey_api.units import repository
from survey_api.units.schemas import UnitOut

router = APIRouter(prefix="/api/v1/units", tags=["units"], route_class=CommittingRoute)


@router.get("", response_model=list[UnitOut])
def list_units(
    session: SessionDep,
    _user: CurrentUser,
    on: Annotated[
        Day | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="Only units valid on this day (YYYY-MM-DD)")
    ] = None,
) -> list[UnitOut]:
    """The org units (the map of a given day when ``on`` is set)."""
    units = repository.units_valid_on(session, on)
    codes = {u.id: u.code for u in repository.units_valid_on(session, None)}
    return [
        UnitOut(
            code=u.code,
            name=u.name,
            name_en=u.name_en,
            kind=u.kind,
            sector=u.sector,
            parent=codes.get(u.parent_id) if u.parent_id else None,
            valid_from=u.valid_from,
            valid_to=u.valid_to,
        )
        for u in units
    ]
