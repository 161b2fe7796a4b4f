"""HTTP endpoint for importing responses from a CSV file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, UploadFile, status

from survey_api.db.models import User
from survey_api.deps import SessionDep, require_roles
from survey_api.imports import service
from survey_api.imports.schemas import ImportOut
from survey_api.params import MAX_INT
from survey_api.routing import CommittingRoute

router = APIRouter(prefix="/api/v1/imports", tags=["imports"], route_class=CommittingRoute)

ImporterUser = Annotated[User, Depends(require_roles("admin", "analyst"))]


@router.post(
    "",
    response_model=ImportOut,
    status_code=status.HTTP_201_CREATED,
    responses={422: {"description": "Every row error, listed together; nothing was imported"}},
)
def import_responses(
    session: SessionDep,
    user: ImporterUser,
    file: UploadFile,
    instrument: Annotated[str, Query(description="Instrument code, e.g. sipas")],
    version: Annotated[int, Query(ge=1, le=MAX_INT, description="Published version number the file answers")],
) -> ImportOut:
    """Import paper or spreadsheet responses (CSV, one column per item code): all rows or none."""
    return service.import_csv(session, file.file.read(), instrument=instrument, version=version, user=user)
