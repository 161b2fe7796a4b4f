"""The periodic report of the results page's selection as a file (/staff/results/report): the same report as
``GET /api/v1/reports`` (``reports.build_report`` rendered by ``reports.render``), for the signed-in staff
member and within their unit scope, in the page's language.

A wrong selection answers with the results page saying what to fix, as the page itself does.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from survey_api.deps import SessionDep
from survey_api.errors import Forbidden, InvalidInput
from survey_api.reports.build import build_report
from survey_api.reports.render import FORMATS, MEDIA_TYPES, filename, render
from survey_api.reports.wording import Language
from survey_web.staff.csrf import SameOriginRoute
from survey_web.staff.results import PRIVATE, REPORT, asked, refuse

router = APIRouter(include_in_schema=False, route_class=SameOriginRoute)


@router.get(REPORT, response_class=Response)
def report_file(request: Request, session: SessionDep) -> Response:
    """The report of the instrument, period and unit chosen, as ``?format=`` docx, pdf or xlsx."""
    a = asked(request, session)
    if isinstance(a, Response):
        return a
    kind = request.query_params.get("format", "docx")
    if kind not in FORMATS:
        return refuse(request, a, 422, "bad_format")
    language: Language = "en" if a.lang == "en" else "vi"
    try:
        report = build_report(
            session,
            instrument=a.chosen.instrument,
            period=a.period,
            unit=a.chosen.unit or None,
            viewer=a.user,
            settings=request.app.state.settings,
            language=language,
        )
    except (InvalidInput, Forbidden) as exc:  # nobody answered; a unit outside the scope
        key = "report_no_answers" if isinstance(exc, InvalidInput) else "forbidden_unit"
        return refuse(request, a, exc.status_code, key)
    name = filename(a.chosen.instrument, a.period, kind, language)
    return Response(
        render(report, kind),
        media_type=MEDIA_TYPES[kind],
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'},
    )
