"""HTTP endpoints for population margins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, UploadFile

from survey_api.db.models import User
from survey_api.deps import SessionDep, require_roles
from survey_api.margins import importer, service
from survey_api.margins.schemas import MarginsIn, MarginsOut
from survey_api.params import FromQuery, ToQuery
from survey_api.routing import CommittingRoute

router = APIRouter(prefix="/api/v1/margins", tags=["margins"], route_class=CommittingRoute)

WeightingUser = Annotated[User, Depends(require_roles("admin", "analyst"))]


@router.put("", response_model=MarginsOut)
def put_margins(payload: MarginsIn, session: SessionDep, user: WeightingUser) -> MarginsOut:
    """Enter (or replace) the population margins of a unit and period, e.g. census counts by sex.

    Variables: ``sex``, ``age_group``, ``unit`` (org unit codes of the responses' units) or a joint one such
    as ``sex*age_group`` with levels like ``2|25-34``. One variable post-stratifies, several rake.
    """
    return service.put_margins(session, payload, user=user)


@router.post(
    "/import",
    response_model=list[MarginsOut],
    responses={422: {"description": "Every row error, listed together; nothing was stored"}},
)
def import_margins(session: SessionDep, user: WeightingUser, file: UploadFile) -> list[MarginsOut]:
    """Import margin sets from CSV or XLSX (columns unit, from, to, variable, level, total): all or none."""
    return importer.import_margins(session, file.file.read(), file.filename, user=user)


@router.get("", response_model=list[MarginsOut])
def get_margins(
    session: SessionDep,
    user: WeightingUser,
    unit: Annotated[str | None, Query(description="Org unit code; includes the units below it")] = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
) -> list[MarginsOut]:
    """The margin sets overlapping a period."""
    return service.list_margins(session, unit=unit, date_from=date_from, date_to=date_to)
