"""HTML pages; they call survey_api services directly, never the HTTP API."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from survey_api.deps import SessionDep
from survey_api.instruments.service import list_published
from survey_api.routing import CommittingRoute
from survey_web.feedback_pages.public import router as feedback_public_router
from survey_web.feedback_pages.staff import router as feedback_staff_router
from survey_web.feedback_pages.staff_actions import router as feedback_staff_actions_router
from survey_web.staff.results import router as staff_results_router
from survey_web.staff.results_report import router as staff_report_router
from survey_web.templating import templates

router = APIRouter(include_in_schema=False, route_class=CommittingRoute)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> HTMLResponse:
    """The landing page: what the platform measures and which instruments are live."""
    return templates.TemplateResponse(request, "home.html", {"versions": list_published(session)})


# Feedback: the citizen's reference page (/phan-anh) and the staff pages (/staff/feedback).
router.include_router(feedback_public_router)
router.include_router(feedback_staff_router)
router.include_router(feedback_staff_actions_router)
# The staff results page (/staff/results) and its report files (/staff/results/report).
router.include_router(staff_results_router)
router.include_router(staff_report_router)
