"""HTTP endpoints for exports: responses as CSV or XLSX, and codebooks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from survey_api.deps import AnalystUser, SessionDep, SettingsDep
from survey_api.estimates.params import SelectionParams
from survey_api.exports import service
from survey_api.params import VersionQuery
from survey_api.routing import CommittingRoute

router = APIRouter(prefix="/api/v1/exports", tags=["exports"], route_class=CommittingRoute)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Instrument = Annotated[str, Query(description="Instrument code, e.g. sipas")]
Selected = Annotated[SelectionParams, Query()]


def _headers(export: service.Export, filename: str) -> dict[str, str]:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if export.weighting_run is not None:
        headers["X-Weighting-Run"] = str(export.weighting_run)
    return headers


@router.get("/responses.csv", response_class=StreamingResponse)
def responses_csv(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: AnalystUser,
    params: Selected,
) -> StreamingResponse:
    """One row per response: ids, service point, unit, channel, days, design columns, the analysis weight of
    the current weighting run (``weight``, when weights apply), then one column per item (multiple choices as
    ``1;3``). Streamed; a unit manager gets their own units."""
    export = service.responses(session, request.app.state.sessionmaker, params, viewer=user, settings=settings)
    return StreamingResponse(
        service.csv_rows(export),
        media_type="text/csv; charset=utf-8",
        headers=_headers(export, f"{params.instrument}-responses.csv"),
    )


@router.get("/responses.xlsx", response_class=StreamingResponse)
def responses_xlsx(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: AnalystUser,
    params: Selected,
) -> StreamingResponse:
    """As the CSV, as a workbook streamed as it is written: sheet ``responses`` (continued on ``responses_2``…
    past Excel's 1,048,576 rows a sheet, each with the header), then sheet ``codebook``."""
    export = service.responses(session, request.app.state.sessionmaker, params, viewer=user, settings=settings)
    return StreamingResponse(
        service.xlsx_file(export),
        media_type=XLSX,
        headers=_headers(export, f"{params.instrument}-responses.xlsx"),
    )


@router.get("/codebook.csv", response_class=StreamingResponse)
def codebook_csv(
    session: SessionDep, user: AnalystUser, instrument: Instrument, version: VersionQuery = None
) -> StreamingResponse:
    """Item code, section, type, texts (vi, en), options ("1=…; 2=…") and index element and group."""
    rows = service.codebook_for(session, instrument, viewer=user, version=version)
    return StreamingResponse(
        service.codebook_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{instrument}-codebook.csv"'},
    )
