"""HTTP endpoints for exports: responses as CSV or XLSX, and codebooks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from survey_api.db.models import User
from survey_api.deps import AnalystUser, SessionDep, SettingsDep
from survey_api.estimates.params import SelectionParams
from survey_api.exports import service
from survey_api.params import VersionQuery
from survey_api.routing import CommittingRoute
from survey_api.settings import Settings

router = APIRouter(prefix="/api/v1/exports", tags=["exports"], route_class=CommittingRoute)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SAV, DTA, ZIP = "application/x-spss-sav", "application/x-stata-dta", "application/zip"
WRITER_MISSING: dict[int | str, dict[str, Any]] = {
    501: {
        "description": "The server lacks the data-frame library (polars) the SPSS and Stata writer needs",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
}

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


@router.get("/responses.sav", response_class=Response, responses={200: {"content": {SAV: {}}}, **WRITER_MISSING})
def responses_sav(
    request: Request, session: SessionDep, settings: SettingsDep, user: AnalystUser, params: Selected
) -> Response:
    """As the CSV, as an SPSS file: variable labels (item code and text) and value labels (options) in
    Vietnamese, a multiple choice as one 0/1 variable per option."""
    return _labelled(request, session, settings, user, params, "sav")


@router.get("/responses.dta", response_class=Response, responses={200: {"content": {DTA: {}}}, **WRITER_MISSING})
def responses_dta(
    request: Request, session: SessionDep, settings: SettingsDep, user: AnalystUser, params: Selected
) -> Response:
    """As the SPSS file, for Stata (variable labels cut to Stata's 80 characters)."""
    return _labelled(request, session, settings, user, params, "dta")


def _labelled(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    params: SelectionParams,
    kind: Literal["sav", "dta"],
) -> Response:
    export = service.responses(session, request.app.state.sessionmaker, params, viewer=user, settings=settings)
    content = service.labelled_file(export, kind)
    headers = _headers(export, f"{params.instrument}-responses.{kind}")
    return Response(content, media_type=SAV if kind == "sav" else DTA, headers=headers)


@router.get("/responses-r.zip", response_class=StreamingResponse, responses={200: {"content": {ZIP: {}}}})
def responses_r(
    request: Request, session: SessionDep, settings: SettingsDep, user: AnalystUser, params: Selected
) -> StreamingResponse:
    """The CSV and an R script (``survey`` package) that builds its design from the design and weight
    columns and prints the weighted index (share satisfied, mean score) with standard errors."""
    export = service.responses(session, request.app.state.sessionmaker, params, viewer=user, settings=settings)
    name = f"{params.instrument}-responses"
    return StreamingResponse(
        service.r_bundle(export, name, settings.lonely_psu),
        media_type=ZIP,
        headers=_headers(export, f"{name}-r.zip"),
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
