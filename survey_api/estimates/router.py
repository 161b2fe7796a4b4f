"""HTTP endpoints for indices."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from survey_api.deps import AnalystUser, SessionDep
from survey_api.estimates import service
from survey_api.estimates.schemas import IndicesOut

router = APIRouter(prefix="/api/v1/indices", tags=["indices"])


@router.get("", response_model=IndicesOut)
def get_indices(
    session: SessionDep,
    user: AnalystUser,
    instrument: Annotated[str, Query(description="Instrument code, e.g. sipas")],
    version: Annotated[int | None, Query(description="Version number; default the latest published")] = None,
    unit: Annotated[str | None, Query(description="Org unit code; includes the units below it")] = None,
    service_point: Annotated[str | None, Query(description="Service point code")] = None,
    date_from: Annotated[date | None, Query(alias="from", description="First day, YYYY-MM-DD")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Last day, YYYY-MM-DD")] = None,
) -> IndicesOut:
    """The satisfaction index at every level, aggregated as the instrument's index definition says."""
    return service.indices(
        session,
        instrument,
        viewer=user,
        version=version,
        unit=unit,
        service_point=service_point,
        date_from=date_from,
        date_to=date_to,
    )
