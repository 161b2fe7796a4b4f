"""Printable posters of a service point's QR code (A4 or A5), behind an address the service-point API signs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from survey_api.deps import SessionDep, SettingsDep
from survey_api.instruments.service import document_of
from survey_api.qr import images
from survey_api.qr.forms import estimated_minutes, qr_sections
from survey_api.qr.points import poster_signature_valid
from survey_api.qr.service import LinkProblem, current_link, link_url
from survey_api.routing import CommittingRoute
from survey_web.respond import problem_page
from survey_web.respond_form import subtitle
from survey_web.templating import templates

router = APIRouter(include_in_schema=False, route_class=CommittingRoute)


@router.get("/posters/{point}/{instrument}", response_class=HTMLResponse)
def poster(
    request: Request,
    point: str,
    instrument: str,
    expires: int,
    sig: str,
    session: SessionDep,
    settings: SettingsDep,
    size: str = "A4",
) -> Response:
    """A printable A4 or A5 poster with the QR code (the address comes signed from the service-point API)."""
    if not poster_signature_valid(settings, point, instrument, expires, sig):
        return problem_page(request, "vi", LinkProblem("tampered", "poster link expired or altered"))
    try:
        opened = current_link(session, point, instrument)
    except LinkProblem as exc:
        return problem_page(request, "vi", exc)
    url = link_url(settings, str(request.base_url), point, instrument, opened.link.generation)
    document = document_of(opened.version)
    svg = images.svg(url).decode()
    return templates.TemplateResponse(
        request,
        "poster.html",
        {
            "size": "A5" if size == "A5" else "A4",
            "title": document.title.vi,
            "purpose": document.description.vi if document.description else document.title.vi,
            "place": subtitle(opened.unit.name, opened.service_point.name),
            "point_name": opened.service_point.name,
            "minutes": estimated_minutes(document, qr_sections(document)),
            "qr_svg": svg[svg.index("<svg") :],
            "link": url,
        },
    )
