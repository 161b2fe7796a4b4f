"""HTTP endpoint of periodic reports: a DOCX, PDF or XLSX file for an instrument and period."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from survey_api.deps import AnalystUser, SessionDep, SettingsDep
from survey_api.errors import InvalidInput
from survey_api.reports.build import build_report
from survey_api.reports.periods import parse_period
from survey_api.reports.render import MEDIA_TYPES, ReportFormat, filename, render
from survey_api.reports.wording import Language
from survey_api.routing import CommittingRoute

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], route_class=CommittingRoute)


@router.get("", response_class=Response, responses={200: {"content": {media: {} for media in MEDIA_TYPES.values()}}})
def get_report(
    session: SessionDep,
    settings: SettingsDep,
    user: AnalystUser,
    instrument: Annotated[str, Query(min_length=1, max_length=64, description="Instrument code, e.g. sipas")],
    period: Annotated[
        str, Query(min_length=4, max_length=32, description="2026, 2026-H1, 2026-Q3, 2026-09 or YYYY-MM-DD:YYYY-MM-DD")
    ],
    unit: Annotated[str | None, Query(max_length=64, description="A unit's code: it and the units below it")] = None,
    format: Annotated[ReportFormat, Query(description="docx, pdf or xlsx")] = "docx",
    language: Annotated[Language, Query(description="vi (default) or en: the same report in English")] = "vi",
) -> Response:
    """The periodic report (Nghị định 30/2020/NĐ-CP layout): the index against its target, the ranking, the
    elements and weakest items, feedback handling and the method; the numbers are those of the index."""
    try:
        asked = parse_period(period)
    except ValueError as exc:
        raise InvalidInput(str(exc), errors=[{"item": "period", "problem": str(exc)}]) from None
    report = build_report(
        session, instrument=instrument, period=asked, unit=unit, viewer=user, settings=settings, language=language
    )
    name = filename(instrument, asked, format, language)
    return Response(
        render(report, format),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
